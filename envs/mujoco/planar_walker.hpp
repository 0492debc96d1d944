// What Hopper-v5 and Walker2d-v5 share (hopper_v5.py, walker2d_v5.py): obs = [qpos[1:],
// clip(qvel, +-10)]; reward = x velocity (qpos[0] change over dt) + healthy_reward while healthy
// - 1e-3 sum(a^2); the episode terminates once unhealthy; reset noise U(+-5e-3) on qpos and
// qvel; frame_skip 4 (dt 0.008); 1000-step limit. Each task says what healthy means
// (Task::healthy(qpos, qvel)).
#pragma once

#include "core/math.hpp"
#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

template <class Task, int NQ, int NV, int NU, class Sizes>
struct PlanarWalker : MujocoTask<NQ, NV, NU, Sizes> {
  using Base = MujocoTask<NQ, NV, NU, Sizes>;
  using Layout = typename Base::Layout;
  using PhysData = typename Base::PhysData;

  static constexpr int kStateDim = Layout::kExtras;
  static constexpr int kObsDim = NQ - 1 + NV;

  int frame_skip = 4;
  float forward_reward_weight = 1.0f;
  float ctrl_cost_weight = 1e-3f;
  float healthy_reward = 1.0f;
  bool terminate_when_unhealthy = true;
  float reset_noise_scale = 5e-3f;

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[NQ], qvel[NV];
    this->noisy_qpos0(reset_noise_scale, rng, qpos);
    this->uniform_qvel(reset_noise_scale, rng, qvel);
    this->set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    PhysData d;
    int resets;
    const float x_velocity = this->simulate_x_velocity(s, action, frame_skip, d, &resets);
    const bool healthy =
        static_cast<const Task*>(this)->healthy(s + Layout::kQpos, s + Layout::kQvel);
    const float reward = forward_reward_weight * x_velocity + (healthy ? healthy_reward : 0.0f) -
                         ctrl_cost_weight * squared_norm(action, NU);
    return {reward, terminate_when_unhealthy && !healthy, resets};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    this->observe_qpos_qvel(s, 1, 10.0f, obs);
  }
};

}  // namespace stampede
