// InvertedDoublePendulum-v5 (inverted_double_pendulum_v5.py, inverted_double_pendulum.xml): a cart
// with two hinged poles. obs = [qpos[0], sin(qpos[1:]), cos(qpos[1:]), clip(qvel, +-10),
// clip(qfrc_constraint[0], +-10)] (9); reward = 10 [alive] - (0.01 x^2 + (y - 2)^2) -
// (1e-3 v1^2 + 5e-3 v2^2) with (x, _, y) the tip site and v = qvel[1:3]; terminated when y <= 1.
// The tip and qfrc_constraint come from the last forward evaluation (RK4's 4th stage), as in
// Gymnasium. Reset: qpos + U(+-0.1), qvel + 0.1 N(0, 1); frame_skip 5 (dt 0.05); 1000 steps.
#pragma once

#include <cmath>

#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

struct InvertedDoublePendulum : MujocoTask<3, 3, 1, DataSizes<3, 3, 4, 3, 5, 1, 1, 2>> {
  static constexpr const char* kName = "inverted_double_pendulum";
  static constexpr const char* kGymId = "InvertedDoublePendulum-v5";

  static constexpr int kQfrcConstraint0 = Layout::kExtras;  // observed constraint force
  static constexpr int kStateDim = Layout::kExtras + 1;
  static constexpr int kObsDim = 9;
  static constexpr int kTipSite = 0;

  int frame_skip = 5;
  float reset_noise_scale = 0.1f;
  float healthy_reward = 10.0f;

  static bool matches(const Model& m) { return sizes_match(m) && m.nsite >= 1; }

  // Gymnasium's set_state: a fresh episode state at (qpos, qvel), forward() for the observation
  STAMPEDE_HD void set_state(float* s, const float* qpos, const float* qvel) const {
    PhysData d;
    set_physics(s, qpos, qvel, d);
    s[kQfrcConstraint0] = d.qfrc_constraint[0];
  }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[kNq], qvel[kNv];
    noisy_qpos0(reset_noise_scale, rng, qpos);
    normal_qvel(reset_noise_scale, rng, qvel);
    set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    PhysData d;
    const int resets = simulate(s, action, frame_skip, d);
    s[kQfrcConstraint0] = d.qfrc_constraint[0];

    const float x = d.site_xpos[kTipSite][0], y = d.site_xpos[kTipSite][2];
    const bool terminated = y <= 1.0f;
    const float v1 = d.qvel[1], v2 = d.qvel[2];
    const float dist_penalty = 0.01f * x * x + (y - 2) * (y - 2);
    const float vel_penalty = 1e-3f * v1 * v1 + 5e-3f * v2 * v2;
    const float alive = terminated ? 0.0f : healthy_reward;
    return {alive - dist_penalty - vel_penalty, terminated, resets};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    const float* q = s + Layout::kQpos;
    obs[0] = q[0];
    obs[1] = sinf(q[1]);
    obs[2] = sinf(q[2]);
    obs[3] = cosf(q[1]);
    obs[4] = cosf(q[2]);
    for (int k = 0; k < kNv; ++k)
      obs[5 + k] = clamp_to(s[Layout::kQvel + k], -10, 10);
    obs[8] = clamp_to(s[kQfrcConstraint0], -10, 10);
  }
};

}  // namespace stampede
