// InvertedPendulum-v5 (gymnasium/envs/mujoco/inverted_pendulum_v5.py, inverted_pendulum.xml):
// a cart on a limited rail balancing a hinged pole. obs = [qpos, qvel]; reward 1 while the pole
// stays within 0.2 rad, 0 on the terminating step; reset noise U(+-0.01) on qpos and qvel;
// frame_skip 2 (dt 0.04); 1000-step limit.
#pragma once

#include <cmath>

#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

struct InvertedPendulum : MujocoTask<2, 2, 1, DataSizes<2, 2, 3, 2, 3, 0, 1, 4>> {
  static constexpr const char* kName = "inverted_pendulum";
  static constexpr const char* kGymId = "InvertedPendulum-v5";

  static constexpr int kStateDim = Layout::kExtras;
  static constexpr int kObsDim = 4;

  int frame_skip = 2;
  float reset_noise_scale = 0.01f;

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[kNq], qvel[kNv];
    noisy_qpos0(reset_noise_scale, rng, qpos);
    uniform_qvel(reset_noise_scale, rng, qvel);
    set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    PhysData d;
    const int resets = simulate(s, action, frame_skip, d);
    bool finite = true;  // |x| <= FLT_MAX is false for NaN and infinities
    for (int k = 0; k < kNq + kNv; ++k)
      finite = finite && fabsf(s[k]) <= 3.402823466e38f;
    const bool terminated = !finite || fabsf(s[Layout::kQpos + 1]) > 0.2f;
    return {terminated ? 0.0f : 1.0f, terminated, resets};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    for (int k = 0; k < kNq; ++k)
      obs[k] = s[Layout::kQpos + k];
    for (int k = 0; k < kNv; ++k)
      obs[kNq + k] = s[Layout::kQvel + k];
  }
};

}  // namespace stampede
