// Soft constraints as MuJoCo builds them (mj_makeConstraint): joint limits, one row per violated
// or nearly violated side, then the contacts' rows (contact_rows.hpp); per row the impedance from
// solimp, stiffness and damping from solref, the regulariser R from the diagonal approximation
// (invweight0), and the reference acceleration aref that the solver tracks.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/contact_rows.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

inline constexpr Real kMinImp = 0.0001f;  // solimp bounds keep 0 < imp < 1
inline constexpr Real kMaxImp = 0.9999f;

STAMPEDE_HD Real clampr(Real x, Real lo, Real hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

// a ball joint's limit acts on its rotation angle: one row along the rotation axis
template <class D>
STAMPEDE_HD void instantiate_ball_limit(const Model& m, D& d, int i, Real* jac) {
  const int qa = m.jnt_qposadr[i], da = m.jnt_dofadr[i];
  Real q[4] = {d.qpos[qa], d.qpos[qa + 1], d.qpos[qa + 2], d.qpos[qa + 3]};
  quat_normalize(q);
  Real axis[3] = {q[1], q[2], q[3]};
  const Real sin_half = normalize3(axis);
  Real angle = 2 * atan2f(sin_half, q[0]);
  if (angle > kPi) angle -= 2 * kPi;
  // the signed angle times the unit axis is the rotation vector; its norm is the joint angle
  Real rot[3] = {axis[0] * angle, axis[1] * angle, axis[2] * angle};
  const Real value = normalize3(rot);
  const Real dist = fmaxf(m.jnt_range[i][0], m.jnt_range[i][1]) - value;
  if (dist < m.jnt_margin[i]) {
    for (int k = 0; k < 3; ++k)
      jac[da + k] = -rot[k];
    add_constraint_row(m, d, kCnstrLimitJoint, i, jac, dist, m.jnt_margin[i], m.dof_invweight0[da]);
    for (int k = 0; k < 3; ++k)
      jac[da + k] = 0;
  }
}

// a joint limit side is active once its distance drops below the margin
template <class D>
STAMPEDE_HD void instantiate_limits(const Model& m, D& d) {
  if (m.opt.disableflags & kDsblLimit) return;
  Real jac[D::Sizes::kNv];
  for (int j = 0; j < m.nv; ++j)
    jac[j] = 0;
  for (int i = 0; i < m.njnt; ++i) {
    if (!m.jnt_limited[i]) continue;
    const int type = m.jnt_type[i];
    if (type == kJntBall) {
      if (D::Sizes::kBall) instantiate_ball_limit(m, d, i, jac);
      continue;
    }
    if (type != kJntSlide && type != kJntHinge) continue;  // free joints have no limits
    const Real q = d.qpos[m.jnt_qposadr[i]];
    const int da = m.jnt_dofadr[i];
    for (int side = -1; side <= 1; side += 2) {
      const Real dist = side * (m.jnt_range[i][(side + 1) / 2] - q);
      if (dist < m.jnt_margin[i]) {
        jac[da] = static_cast<Real>(-side);
        add_constraint_row(m, d, kCnstrLimitJoint, i, jac, dist, m.jnt_margin[i],
                           m.dof_invweight0[da]);
        jac[da] = 0;
      }
    }
  }
}

// solref and solimp of a row (the joint's, or the contact pair's), with the integrator-safety and
// range rules applied
template <class D>
STAMPEDE_HD void row_solver_params(const Model& m, const D& d, int r, Real* solref, Real* solimp) {
  const int id = d.efc_id[r];
  const bool contact = d.efc_type[r] != kCnstrLimitJoint;
  const Real* ref = contact ? m.pair_solref[d.contact_pair[id]] : m.jnt_solref[id];
  const Real* imp = contact ? m.pair_solimp[d.contact_pair[id]] : m.jnt_solimp[id];
  for (int k = 0; k < 2; ++k)
    solref[k] = ref[k];
  for (int k = 0; k < 5; ++k)
    solimp[k] = imp[k];
  if ((solref[0] > 0) != (solref[1] > 0)) {  // mixed formats: MuJoCo's default
    solref[0] = 0.02f;
    solref[1] = 1;
  }
  if (!(m.opt.disableflags & kDsblRefsafe) && solref[0] > 0) {
    solref[0] = fmaxf(solref[0], 2 * m.opt.timestep);
  }
  solimp[0] = clampr(solimp[0], kMinImp, kMaxImp);
  solimp[1] = clampr(solimp[1], kMinImp, kMaxImp);
  solimp[2] = fmaxf(0.0f, solimp[2]);
  solimp[3] = clampr(solimp[3], kMinImp, kMaxImp);
  solimp[4] = fmaxf(1.0f, solimp[4]);
}

STAMPEDE_HD Real pow_fast(Real a, Real b) {
  return b == 1 ? a : (b == 2 ? a * a : powf(a, b));
}

// impedance (and its derivative in pos) from the solimp sigmoid of |pos - margin| / width
STAMPEDE_HD void impedance(const Real* solimp, Real pos, Real margin, Real* imp, Real* imp_d) {
  if (solimp[0] == solimp[1] || solimp[2] <= kMinVal) {
    *imp = 0.5f * (solimp[0] + solimp[1]);
    *imp_d = 0;
    return;
  }
  Real x = (pos - margin) / solimp[2];
  Real sgn = 1;
  if (x < 0) {
    x = -x;
    sgn = -1;
  }
  if (x >= 1 || x <= 0) {
    *imp = x >= 1 ? solimp[1] : solimp[0];
    *imp_d = 0;
    return;
  }
  const Real p = solimp[4], mid = solimp[3];
  Real y, yd;
  if (p == 1) {
    y = x;
    yd = 1;
  } else if (x <= mid) {
    const Real a = 1 / pow_fast(mid, p - 1);
    y = a * pow_fast(x, p);
    yd = p * a * pow_fast(x, p - 1);
  } else {
    const Real b = 1 / pow_fast(1 - mid, p - 1);
    y = 1 - b * pow_fast(1 - x, p);
    yd = p * b * pow_fast(1 - x, p - 1);
  }
  *imp = solimp[0] + y * (solimp[1] - solimp[0]);
  *imp_d = yd * sgn * (solimp[1] - solimp[0]) / solimp[2];
}

// The friction edges of a pyramid share one R (mj_makeImpedance): with R1 = R0 / impratio and the
// regularised friction mu = friction[0] sqrt(R1 / R0), every edge gets 2 mu^2 R0, R0 being the
// first edge's own R.
template <class D>
STAMPEDE_HD void pyramid_regulariser(const Model& m, D& d) {
  for (int c = 0; c < d.ncon; ++c) {
    const int r = d.contact_efc_address[c];
    if (r < 0 || d.efc_type[r] != kCnstrContactPyramidal) continue;
    const int p = d.contact_pair[c];
    const Real R0 = d.efc_R[r];
    const Real R1 = R0 / fmaxf(kMinVal, m.opt.impratio);
    const Real mu = m.pair_friction[p][0] * sqrtf(R1 / R0);
    const Real shared = 2 * mu * mu * R0;
    for (int k = 0; k < contact_rows(m.pair_dim[p]) && r + k < d.nefc; ++k)
      d.efc_R[r + k] = shared;
  }
}

// R, D and (K, B, imp, imp') per row
template <class D>
STAMPEDE_HD void make_impedance(const Model& m, D& d) {
  for (int r = 0; r < d.nefc; ++r) {
    Real solref[2], solimp[5], imp, imp_d;
    row_solver_params(m, d, r, solref, solimp);
    impedance(solimp, d.efc_pos[r], d.efc_margin[r], &imp, &imp_d);
    const Real R = fmaxf(kMinVal, (1 - imp) * d.efc_diagApprox[r] / imp);
    const Real dmax = solimp[1];
    const Real K =
        solref[0] > 0
            ? 1 / fmaxf(kMinVal, dmax * dmax * solref[0] * solref[0] * solref[1] * solref[1])
            : -solref[0] / fmaxf(kMinVal, dmax * dmax);
    const Real B =
        solref[1] > 0 ? 2 / fmaxf(kMinVal, dmax * solref[0]) : -solref[1] / fmaxf(kMinVal, dmax);
    d.efc_R[r] = R;
    d.efc_KBIP[r][0] = K;
    d.efc_KBIP[r][1] = B;
    d.efc_KBIP[r][2] = imp;
    d.efc_KBIP[r][3] = imp_d;
  }
  pyramid_regulariser(m, d);
  for (int r = 0; r < d.nefc; ++r) {
    const Real R = d.efc_R[r], imp = d.efc_KBIP[r][2];
    d.efc_D[r] = 1 / R;
    d.efc_diagApprox[r] = R * imp / (1 - imp);
  }
}

template <class D>
STAMPEDE_HD void make_constraint(const Model& m, D& d) {
  d.nefc = 0;
  if (m.opt.disableflags & kDsblConstraint) return;
  instantiate_limits(m, d);
  instantiate_contacts(m, d);
  make_impedance(m, d);
}

// velocity-dependent part: efc_vel = J qvel, aref = -B vel - K imp (pos - margin)
template <class D>
STAMPEDE_HD void reference_constraint(const Model& m, D& d) {
  for (int r = 0; r < d.nefc; ++r) {
    Real v = 0;
    for (int j = 0; j < m.nv; ++j)
      v += d.efc_J[r][j] * d.qvel[j];
    d.efc_vel[r] = v;
    d.efc_aref[r] = -d.efc_KBIP[r][1] * v -
                    d.efc_KBIP[r][0] * d.efc_KBIP[r][2] * (d.efc_pos[r] - d.efc_margin[r]);
  }
}

}  // namespace stampede
