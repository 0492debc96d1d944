// HalfCheetah-v5 (half_cheetah_v5.py, half_cheetah.xml): a planar runner on a floor, Euler
// integration with implicit joint damping. obs = [qpos[1:], qvel] (17, velocities unclipped);
// reward = x velocity (qpos[0] change over dt) - 0.1 sum(a^2); never terminates; reset qpos0 +
// U(+-0.1) and qvel 0.1 N(0, 1); frame_skip 5 (dt 0.05); 1000-step limit. Contacts: the eight
// capsules against the floor (condim 3, up to 2 contacts each).
#pragma once

#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

// capacities: 12 limit rows; 16 floor contacts x 4 rows
using HalfCheetahSizes = DataSizes<9, 9, 8, 9, 9, 0, 6, 76, 16>;

struct HalfCheetah : MujocoTask<9, 9, 6, HalfCheetahSizes> {
  static constexpr const char* kName = "half_cheetah";
  static constexpr const char* kGymId = "HalfCheetah-v5";

  static constexpr int kStateDim = Layout::kExtras;
  static constexpr int kObsDim = 17;

  int frame_skip = 5;
  float forward_reward_weight = 1.0f;
  float ctrl_cost_weight = 0.1f;
  float reset_noise_scale = 0.1f;

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[kNq], qvel[kNv];
    noisy_qpos0(reset_noise_scale, rng, qpos);
    normal_qvel(reset_noise_scale, rng, qvel);
    set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    return run_forward(s, action, frame_skip, forward_reward_weight, ctrl_cost_weight);
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const { observe_qpos_qvel(s, 1, 0.0f, obs); }
};

}  // namespace stampede
