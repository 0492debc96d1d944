// Velocity-dependent com quantities and bias forces. com_vel propagates body spatial velocities
// root to leaves and the dof time-derivatives cdof_dot = cvel_parent x cdof; rne_bias runs
// recursive Newton-Euler with zero joint acceleration, so qfrc_bias holds Coriolis, centrifugal
// and gravity terms (gravity enters as a fictitious upward acceleration of the world).
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

template <class D>
STAMPEDE_HD void com_vel(const Model& m, D& d) {
  for (int k = 0; k < 6; ++k)
    d.cvel[0][k] = 0;
  for (int i = 1; i < m.nbody; ++i) {
    Real v[6];
    for (int k = 0; k < 6; ++k)
      v[k] = d.cvel[m.body_parentid[i]][k];
    const int a = m.body_dofadr[i];
    const int n = m.body_dofnum[i];
    for (int j = a; j < a + n;) {
      const int type = m.jnt_type[m.dof_jntid[j]];
      if (D::Sizes::kFree && type == kJntFree) {
        // translations carry no cdof_dot: world-axis dofs do not rotate
        for (int r = 0; r < 3; ++r) {
          for (int k = 0; k < 6; ++k) {
            d.cdof_dot[j + r][k] = 0;
            v[k] += d.cdof[j + r][k] * d.qvel[j + r];
          }
        }
        j += 3;
      }
      if (D::Sizes::kBall && (type == kJntFree || type == kJntBall)) {
        // the three rotations see the velocity before any of them is added
        for (int r = 0; r < 3; ++r)
          cross_motion(d.cdof_dot[j + r], v, d.cdof[j + r]);
        for (int r = 0; r < 3; ++r) {
          for (int k = 0; k < 6; ++k)
            v[k] += d.cdof[j + r][k] * d.qvel[j + r];
        }
        j += 3;
      } else {
        cross_motion(d.cdof_dot[j], v, d.cdof[j]);
        for (int k = 0; k < 6; ++k)
          v[k] += d.cdof[j][k] * d.qvel[j];
        j += 1;
      }
    }
    for (int k = 0; k < 6; ++k)
      d.cvel[i][k] = v[k];
  }
}

// qfrc_bias = C(q, v) v + g(q)
template <class D>
STAMPEDE_HD void rne_bias(const Model& m, D& d) {
  Real cacc[D::Sizes::kNbody][6];
  Real cfrc[D::Sizes::kNbody][6];
  for (int k = 0; k < 6; ++k)
    cacc[0][k] = cfrc[0][k] = 0;
  if (!(m.opt.disableflags & kDsblGravity)) {
    for (int k = 0; k < 3; ++k)
      cacc[0][3 + k] = -m.opt.gravity[k];
  }

  // forward pass: accelerations from velocity products, body forces from Newton-Euler
  for (int i = 1; i < m.nbody; ++i) {
    const int p = m.body_parentid[i];
    for (int k = 0; k < 6; ++k)
      cacc[i][k] = cacc[p][k];
    const int a = m.body_dofadr[i];
    for (int j = a; j < a + m.body_dofnum[i]; ++j) {
      for (int k = 0; k < 6; ++k)
        cacc[i][k] += d.cdof_dot[j][k] * d.qvel[j];
    }
    Real iv[6], vxiv[6];
    inertia_mul(cfrc[i], d.cinert[i], cacc[i]);
    inertia_mul(iv, d.cinert[i], d.cvel[i]);
    cross_force(vxiv, d.cvel[i], iv);
    for (int k = 0; k < 6; ++k)
      cfrc[i][k] += vxiv[k];
  }

  // backward pass: children's forces act on their parents (not on the world)
  for (int i = m.nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    if (p == 0) continue;
    for (int k = 0; k < 6; ++k)
      cfrc[p][k] += cfrc[i][k];
  }

  for (int j = 0; j < m.nv; ++j)
    d.qfrc_bias[j] = dot6(d.cdof[j], cfrc[m.dof_bodyid[j]]);
}

}  // namespace stampede
