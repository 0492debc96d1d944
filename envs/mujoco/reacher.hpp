// Reacher-v5 (reacher_v5.py, reacher.xml): a two-link arm reaching a target placed by two slide
// joints. obs = [cos(q0, q1), sin(q0, q1), qpos[2:4] (target), qvel[0:2], (fingertip -
// target)[:2]] (10), body positions from the last forward evaluation; reward = -|fingertip -
// target| - sum(a^2), computed after the step (v5). Never terminates; 50-step limit. Reset: qpos0
// + U(+-0.1), target uniform in the disc of radius 0.2 (rejection from the square), qvel U(+-0.005)
// with the target's zeroed; frame_skip 2 (dt 0.02).
#pragma once

#include <cmath>

#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

struct Reacher : MujocoTask<4, 4, 2, DataSizes<4, 4, 5, 4, 10, 0, 2, 6>, 50> {
  static constexpr const char* kName = "reacher";
  static constexpr const char* kGymId = "Reacher-v5";

  static constexpr int kTipToTarget = Layout::kExtras;  // fingertip - target, x and y
  static constexpr int kStateDim = Layout::kExtras + 2;
  static constexpr int kObsDim = 10;
  static constexpr int kFingertipBody = 3;
  static constexpr int kTargetBody = 4;

  int frame_skip = 2;
  float reward_dist_weight = 1.0f;
  float reward_control_weight = 1.0f;

  static bool matches(const Model& m) { return sizes_match(m) && m.nbody == 5; }

  // fingertip - target from the last forward evaluation
  STAMPEDE_HD static void tip_to_target(const PhysData& d, float* v) {
    for (int k = 0; k < 3; ++k)
      v[k] = d.xpos[kFingertipBody][k] - d.xpos[kTargetBody][k];
  }

  // Gymnasium's set_state: a fresh episode state at (qpos, qvel), forward() for the observation
  STAMPEDE_HD void set_state(float* s, const float* qpos, const float* qvel) const {
    PhysData d;
    set_physics(s, qpos, qvel, d);
    float v[3];
    tip_to_target(d, v);
    s[kTipToTarget] = v[0];
    s[kTipToTarget + 1] = v[1];
  }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[kNq], qvel[kNv];
    noisy_qpos0(0.1f, rng, qpos);
    // rejection sampling accepts with probability pi/4; the cap only guards the GPU loop
    float gx = 0, gy = 0;
    for (int attempt = 0; attempt < 64; ++attempt) {
      gx = rng.uniform(-0.2f, 0.2f);
      gy = rng.uniform(-0.2f, 0.2f);
      if (gx * gx + gy * gy < 0.04f) break;
      gx = gy = 0;
    }
    qpos[kNq - 2] = gx;
    qpos[kNq - 1] = gy;
    for (int k = 0; k < kNv; ++k)
      qvel[k] = rng.uniform(-0.005f, 0.005f);
    qvel[kNv - 2] = qvel[kNv - 1] = 0;
    set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    PhysData d;
    const int resets = simulate(s, action, frame_skip, d);
    float v[3];
    tip_to_target(d, v);
    s[kTipToTarget] = v[0];
    s[kTipToTarget + 1] = v[1];
    const float dist = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    const float reward =
        -reward_dist_weight * dist - reward_control_weight * squared_norm(action, kActDim);
    return {reward, false, resets};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    const float* q = s + Layout::kQpos;
    obs[0] = cosf(q[0]);
    obs[1] = cosf(q[1]);
    obs[2] = sinf(q[0]);
    obs[3] = sinf(q[1]);
    obs[4] = q[2];
    obs[5] = q[3];
    obs[6] = s[Layout::kQvel];
    obs[7] = s[Layout::kQvel + 1];
    obs[8] = s[kTipToTarget];
    obs[9] = s[kTipToTarget + 1];
  }
};

}  // namespace stampede
