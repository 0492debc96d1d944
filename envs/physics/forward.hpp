// The pipeline: forward() composes the stages into accelerations for the current state, step()
// checks the state, runs forward() and integrates. Stage order follows MuJoCo: position
// (kinematics, com, mass matrix, constraints), velocity (com velocities, passive, constraint
// reference, bias), actuation, smooth acceleration, constraint solve.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/actuation.hpp"
#include "envs/physics/collision.hpp"
#include "envs/physics/com_pos.hpp"
#include "envs/physics/constraint.hpp"
#include "envs/physics/crb.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/factor.hpp"
#include "envs/physics/integrate.hpp"
#include "envs/physics/kinematics.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/passive.hpp"
#include "envs/physics/rne.hpp"
#include "envs/physics/solver.hpp"

namespace stampede {

// why step() refused to integrate; the caller resets the environment, as MuJoCo auto-resets
// (kStepOverflow: a contact or constraint row found no room in the data, which binding a model
// only to data that DataT::fits rules out; the step is reported rather than run on missing rows)
enum StepStatus : int32_t {
  kStepOk = 0,
  kStepBadQpos = 1,
  kStepBadQvel = 2,
  kStepBadQacc = 3,
  kStepOverflow = 4,
};

inline constexpr Real kMaxVal = 1e10f;  // MuJoCo's mjMAXVAL: larger magnitudes count as diverged

STAMPEDE_HD bool is_bad(Real x) {
  return !(fabsf(x) <= kMaxVal);
}  // also true for NaN

STAMPEDE_HD bool any_bad(const Real* x, int n) {
  for (int i = 0; i < n; ++i) {
    if (is_bad(x[i])) return true;
  }
  return false;
}

template <class D>
STAMPEDE_HD void fwd_position(const Model& m, D& d) {
  kinematics(m, d);
  com_pos(m, d);
  mass_matrix(m, d);
  factor_mass(m, d);
  collision(m, d);
  make_constraint(m, d);
}

template <class D>
STAMPEDE_HD void fwd_velocity(const Model& m, D& d) {
  com_vel(m, d);
  passive(m, d);
  reference_constraint(m, d);
  rne_bias(m, d);
}

template <class D>
STAMPEDE_HD void fwd_acceleration(const Model& m, D& d) {
  for (int j = 0; j < m.nv; ++j) {
    d.qfrc_smooth[j] = d.qfrc_passive[j] - d.qfrc_bias[j] + d.qfrc_actuator[j];
  }
  solve_mass(m, d, d.qacc_smooth, d.qfrc_smooth);
}

// not inlined on the device: RK4 calls it once per stage, and four inlined copies of the whole
// pipeline multiplied compile time and code size (docs/design.md, "Build time")
template <class D>
STAMPEDE_HD_NOINLINE void forward(const Model& m, D& d) {
  d.overflow = 0;
  fwd_position(m, d);
  fwd_velocity(m, d);
  actuation(m, d);
  fwd_acceleration(m, d);
  fwd_constraint(m, d);
}

// classic RK4 (A = [1/2; 0 1/2; 0 0 1], B = [1/6 1/3 1/3 1/6]); forward() already ran at X0
template <class D>
STAMPEDE_HD void runge_kutta4(const Model& m, D& d) {
  const int nq = m.nq, nv = m.nv;
  const Real h = m.opt.timestep;
  const Real t0 = d.time;
  const Real stage_c[3] = {0.5f, 0.5f, 1.0f};  // X[i] = X0 + c_i h F[i-1]
  const Real weight[4] = {1.0f / 6, 1.0f / 3, 1.0f / 3, 1.0f / 6};

  for (int k = 0; k < nq; ++k)
    d.rk_qpos0[k] = d.qpos[k];
  for (int k = 0; k < nv; ++k) {
    d.rk_qvel0[k] = d.qvel[k];
    d.rk_stage_qvel[0][k] = d.qvel[k];
    d.rk_stage_qacc[0][k] = d.qacc[k];
  }
  for (int i = 1; i < 4; ++i) {
    const Real c = stage_c[i - 1];
    Real dq[D::Sizes::kNv];
    for (int k = 0; k < nv; ++k)
      dq[k] = c * d.rk_stage_qvel[i - 1][k];
    for (int k = 0; k < nq; ++k)
      d.qpos[k] = d.rk_qpos0[k];
    integrate_pos<typename D::Sizes>(m, d.qpos, dq, h);
    for (int k = 0; k < nv; ++k)
      d.qvel[k] = d.rk_qvel0[k] + h * c * d.rk_stage_qacc[i - 1][k];
    d.time = t0 + c * h;
    const int32_t overflow = d.overflow;
    forward(m, d);
    d.overflow |= overflow;
    for (int k = 0; k < nv; ++k) {
      d.rk_stage_qvel[i][k] = d.qvel[k];
      d.rk_stage_qacc[i][k] = d.qacc[k];
    }
  }

  // weighted velocity and acceleration, applied from the initial state
  Real dqvel[D::Sizes::kNv], dqacc[D::Sizes::kNv];
  for (int k = 0; k < nv; ++k) {
    dqvel[k] = dqacc[k] = 0;
    for (int i = 0; i < 4; ++i) {
      dqvel[k] += weight[i] * d.rk_stage_qvel[i][k];
      dqacc[k] += weight[i] * d.rk_stage_qacc[i][k];
    }
  }
  d.time = t0;
  for (int k = 0; k < nq; ++k)
    d.qpos[k] = d.rk_qpos0[k];
  for (int k = 0; k < nv; ++k)
    d.qvel[k] = d.rk_qvel0[k];
  advance(m, d, dqacc, dqvel);
}

// one timestep; on a bad state nothing is integrated and the status says what was bad
template <class D>
STAMPEDE_HD StepStatus step(const Model& m, D& d) {
  if (any_bad(d.qpos, m.nq)) return kStepBadQpos;
  if (any_bad(d.qvel, m.nv)) return kStepBadQvel;
  forward(m, d);
  if (d.overflow) return kStepOverflow;
  if (any_bad(d.qacc, m.nv)) return kStepBadQacc;
  if (m.opt.integrator == kIntRK4) {
    runge_kutta4(m, d);
    if (d.overflow) return kStepOverflow;
  } else {
    euler(m, d);
  }
  return kStepOk;
}

// mj_resetData's state part: qpos0, zero velocities, controls, warmstart and time
template <class D>
STAMPEDE_HD void reset_data(const Model& m, D& d) {
  d.time = 0;
  for (int k = 0; k < m.nq; ++k)
    d.qpos[k] = m.qpos0[k];
  for (int k = 0; k < m.nv; ++k)
    d.qvel[k] = d.qacc_warmstart[k] = 0;
  for (int k = 0; k < m.nu; ++k)
    d.ctrl[k] = 0;
}

// mj_step with its auto-reset: a state that turns bad (NaN, |x| > 1e10) is reset to qpos0
// (mj_resetData, the controls kept) and stepped on from there; true when it was reset
template <class D>
STAMPEDE_HD bool step_or_reset(const Model& m, D& d) {
  if (step(m, d) == kStepOk) return false;
  Real ctrl[D::Sizes::kNu] = {};  // only on the rare reset path
  for (int u = 0; u < m.nu; ++u)
    ctrl[u] = d.ctrl[u];
  reset_data(m, d);
  for (int u = 0; u < m.nu; ++u)
    d.ctrl[u] = ctrl[u];
  step(m, d);
  return true;
}

}  // namespace stampede
