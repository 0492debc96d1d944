// Time integration as MuJoCo runs it. Euler is semi-implicit (new velocity moves the positions)
// and, when dofs have damping, treats it implicitly: qacc = (M + h diag(damping))^-1 (qfrc_smooth
// + qfrc_constraint). RK4 uses the classic tableau with a full forward pass (constraints
// included) per stage; the derived quantities left in Data are those of the 4th stage.
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/factor.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// qpos <- qpos (+) h qvel on the configuration manifold (quaternions for ball and free joints);
// joints the data's capacities cannot hold never occur (DataT::fits), so their paths compile away
template <class S>
STAMPEDE_HD void integrate_pos(const Model& m, Real* qpos, const Real* qvel, Real h) {
  for (int j = 0; j < m.njnt; ++j) {
    int qa = m.jnt_qposadr[j];
    int da = m.jnt_dofadr[j];
    const int type = m.jnt_type[j];
    if constexpr (S::kFree) {
      if (type == kJntFree) {
        for (int k = 0; k < 3; ++k)
          qpos[qa + k] += h * qvel[da + k];
        quat_integrate(qpos + qa + 3, qvel + da + 3, h);
        continue;
      }
    }
    if constexpr (S::kBall) {
      if (type == kJntBall) {
        quat_integrate(qpos + qa, qvel + da, h);
        continue;
      }
    }
    qpos[qa] += h * qvel[da];
  }
}

// velocity then position update with the given acceleration (and velocity, for RK4)
template <class D>
STAMPEDE_HD void advance(const Model& m, D& d, const Real* qacc, const Real* qvel) {
  const Real h = m.opt.timestep;
  for (int j = 0; j < m.nv; ++j)
    d.qvel[j] += h * qacc[j];
  integrate_pos<typename D::Sizes>(m, d.qpos, qvel ? qvel : d.qvel, h);
  d.time += h;
  for (int j = 0; j < m.nv; ++j)
    d.qacc_warmstart[j] = d.qacc[j];
}

template <class D>
STAMPEDE_HD void euler(const Model& m, D& d) {
  const int nv = m.nv;
  bool damped = false;
  if (!(m.opt.disableflags & (kDsblEulerDamp | kDsblDamper))) {
    for (int j = 0; j < nv; ++j)
      damped = damped || m.dof_damping[j] > 0;
  }
  if (!damped) {
    advance(m, d, d.qacc, nullptr);
    return;
  }
  // implicit damping: the damper force at the new velocity, solved with the tree factor
  Real qacc[D::Sizes::kNv];
  Real* H = d.scratch_H;
  for (int k = 0; k < nv * nv; ++k)
    H[k] = d.qM[k];
  for (int j = 0; j < nv; ++j)
    H[j * nv + j] += m.opt.timestep * m.dof_damping[j];
  factor_tree_ldl(m, H, d.scratch_Hdiag_inv);
  for (int j = 0; j < nv; ++j)
    qacc[j] = d.qfrc_smooth[j] + d.qfrc_constraint[j];
  solve_tree_ldl(m, H, d.scratch_Hdiag_inv, qacc);
  advance(m, d, qacc, nullptr);
}

}  // namespace stampede
