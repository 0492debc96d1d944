// Passive forces: joint springs towards qpos_spring, dof dampers, and MuJoCo's inertia-box fluid
// model (each body replaced by the box with its inertia, feeling viscous and quadratic drag in
// a medium of the model's density and viscosity; used by Swimmer).
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/point_jacobian.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// qfrc += J(point on body)' [force; torque], J from the cdof chain of the body's ancestors
template <class D>
STAMPEDE_HD void apply_force_torque(const Model& m, const D& d, int body, const Real* force,
                                    const Real* torque, const Real* point, Real* qfrc) {
  for_each_point_dof(m, d, body, point, [&](int j, const Real* lin, const Real* ang) {
    qfrc[j] += dot3(lin, force) + dot3(ang, torque);
  });
}

template <class D>
STAMPEDE_HD void joint_springs(const Model& m, const D& d, Real* qfrc) {
  for (int j = 0; j < m.njnt; ++j) {
    const Real k = m.jnt_stiffness[j];
    if (k == 0) continue;
    const int qa = m.jnt_qposadr[j];
    const int da = m.jnt_dofadr[j];
    const int type = m.jnt_type[j];
    if (type == kJntSlide || type == kJntHinge) {
      qfrc[da] -= k * (d.qpos[qa] - m.qpos_spring[qa]);
      continue;
    }
    if (!D::Sizes::kBall) continue;
    int qr = qa, dr = da;
    if (D::Sizes::kFree && type == kJntFree) {
      for (int r = 0; r < 3; ++r)
        qfrc[da + r] -= k * (d.qpos[qa + r] - m.qpos_spring[qa + r]);
      qr += 3;
      dr += 3;
    }
    // rotational spring: angle-axis of spring_quat^-1 * quat
    Real q[4] = {d.qpos[qr], d.qpos[qr + 1], d.qpos[qr + 2], d.qpos[qr + 3]};
    quat_normalize(q);
    const Real* s = m.qpos_spring + qr;
    const Real sneg[4] = {s[0], -s[1], -s[2], -s[3]};
    Real dq[4];
    quat_mul(dq, sneg, q);
    Real axis[3] = {dq[1], dq[2], dq[3]};
    const Real sin_half = normalize3(axis);
    Real angle = 2 * atan2f(sin_half, dq[0]);
    if (angle > kPi) angle -= 2 * kPi;
    for (int r = 0; r < 3; ++r)
      qfrc[dr + r] -= k * axis[r] * angle;
  }
}

// one body's inertia-box fluid force and torque, applied at its centre of mass
template <class D>
STAMPEDE_HD void inertia_box_fluid(const Model& m, const D& d, int i, Real* qfrc) {
  const Real* inert = m.body_inertia[i];
  const Real mass = m.body_mass[i];
  Real box[3];
  for (int a = 0; a < 3; ++a) {
    const Real s = inert[(a + 1) % 3] + inert[(a + 2) % 3] - inert[a];
    box[a] = sqrtf((s > kMinVal ? s : kMinVal) / mass * 6);
  }

  // body velocity at the com, in the inertial frame, relative to the wind
  Real lvel[6], wind[6] = {0, 0, 0, m.opt.wind[0], m.opt.wind[1], m.opt.wind[2]}, lwind[6];
  const Real* root_com = d.subtree_com[m.body_rootid[i]];
  motion_transform(lvel, d.cvel[i], d.xipos[i], root_com, d.ximat[i]);
  motion_transform(lwind, wind, d.xipos[i], root_com, d.ximat[i]);
  for (int k = 3; k < 6; ++k)
    lvel[k] -= lwind[k];

  Real lfrc[6] = {0, 0, 0, 0, 0, 0};
  if (m.opt.viscosity > 0) {
    const Real diam = (box[0] + box[1] + box[2]) / 3;
    const Real rot = -kPi * diam * diam * diam * m.opt.viscosity;
    const Real lin = -3 * kPi * diam * m.opt.viscosity;
    for (int k = 0; k < 3; ++k) {
      lfrc[k] = rot * lvel[k];
      lfrc[3 + k] = lin * lvel[3 + k];
    }
  }
  if (m.opt.density > 0) {
    const Real rho = m.opt.density;
    for (int a = 0; a < 3; ++a) {
      const Real b1 = box[(a + 1) % 3], b2 = box[(a + 2) % 3];
      const Real v = lvel[3 + a], w = lvel[a];
      lfrc[3 + a] -= 0.5f * rho * b1 * b2 * fabsf(v) * v;
      lfrc[a] -= rho * box[a] * (b1 * b1 * b1 * b1 + b2 * b2 * b2 * b2) * fabsf(w) * w / 64;
    }
  }

  Real torque[3], force[3];
  mat_vec3(torque, d.ximat[i], lfrc);
  mat_vec3(force, d.ximat[i], lfrc + 3);
  apply_force_torque(m, d, i, force, torque, d.xipos[i], qfrc);
}

template <class D>
STAMPEDE_HD void passive(const Model& m, D& d) {
  const int nv = m.nv;
  for (int j = 0; j < nv; ++j)
    d.qfrc_passive[j] = 0;
  const bool spring = !(m.opt.disableflags & kDsblSpring);
  const bool damper = !(m.opt.disableflags & kDsblDamper);
  if (!spring && !damper) return;

  if (spring) joint_springs(m, d, d.qfrc_passive);
  if (damper) {
    for (int j = 0; j < nv; ++j)
      d.qfrc_passive[j] -= m.dof_damping[j] * d.qvel[j];
  }
  if (m.opt.viscosity > 0 || m.opt.density > 0) {
    for (int i = 1; i < m.nbody; ++i) {
      if (m.body_mass[i] < kMinVal) continue;
      inertia_box_fluid(m, d, i, d.qfrc_passive);
    }
  }
}

}  // namespace stampede
