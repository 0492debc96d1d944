// Swimmer-v5 (swimmer_v5.py, swimmer.xml): a three-link swimmer in a viscous medium (MuJoCo's
// inertia-box fluid model). obs = [qpos[2:], qvel] (8); reward = x velocity (qpos[0] change over
// dt) - 1e-4 sum(a^2); never terminates; reset noise U(+-0.1) on qpos and qvel; frame_skip 4
// (dt 0.04); 1000-step limit.
#pragma once

#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

struct Swimmer : MujocoTask<5, 5, 2, DataSizes<5, 5, 4, 5, 4, 0, 2, 4>> {
  static constexpr const char* kName = "swimmer";
  static constexpr const char* kGymId = "Swimmer-v5";

  static constexpr int kStateDim = Layout::kExtras;
  static constexpr int kObsDim = 8;

  int frame_skip = 4;
  float forward_reward_weight = 1.0f;
  float ctrl_cost_weight = 1e-4f;
  float reset_noise_scale = 0.1f;

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[kNq], qvel[kNv];
    noisy_qpos0(reset_noise_scale, rng, qpos);
    uniform_qvel(reset_noise_scale, rng, qvel);
    set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    return run_forward(s, action, frame_skip, forward_reward_weight, ctrl_cost_weight);
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const { observe_qpos_qvel(s, 2, 0.0f, obs); }
};

}  // namespace stampede
