// InvertedPendulum-v5 (gymnasium/envs/mujoco/inverted_pendulum_v5.py, inverted_pendulum.xml):
// a cart on a limited rail balancing a hinged pole. obs = [qpos, qvel]; reward 1 while the pole
// stays within 0.2 rad, 0 on the terminating step; reset noise U(+-0.01) on qpos and qvel;
// frame_skip 2 (dt 0.04); 1000-step limit.
#pragma once

#include <cmath>

#include "envs/mujoco/mujoco_task.hpp"

namespace stampede {

struct InvertedPendulum {
  static constexpr int kNq = 2, kNv = 2, kNu = 1;
  using Layout = PhysicsStateLayout<kNq, kNv>;
  using PhysData = DataT<DataSizes<kNq, kNv, 3, 2, 3, 0, kNu, 4>>;
  static constexpr int kStateDim = Layout::kExtras;
  static constexpr int kObsDim = 4;
  static constexpr int kActDim = 1;
  static constexpr int kNumActions = 0;

  const Model* model = nullptr;  // compiled inverted_pendulum.xml, host or device memory
  int frame_skip = 2;
  float reset_noise_scale = 0.01f;
  int episode_steps = 1000;

  // the sizes this task's layout and body indices assume
  static bool matches(const Model& m) {
    return m.nq == kNq && m.nv == kNv && m.nu == kNu && PhysData::fits(m);
  }

  STAMPEDE_HD int max_episode_steps() const { return episode_steps; }
  // Gymnasium's action space is the actuators' ctrlrange
  STAMPEDE_HD float action_low(int j) const { return model->actuator_ctrlrange[j][0]; }
  STAMPEDE_HD float action_high(int j) const { return model->actuator_ctrlrange[j][1]; }

  // Gymnasium's set_state: a fresh episode state at (qpos, qvel)
  STAMPEDE_HD void set_state(float* s, const float* qpos, const float* qvel) const {
    PhysData d;
    for (int k = 0; k < kNq; ++k)
      d.qpos[k] = qpos[k];
    for (int k = 0; k < kNv; ++k)
      d.qvel[k] = qvel[k];
    set_physics_state<Layout>(*model, d, s);
  }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    float qpos[kNq], qvel[kNv];
    for (int k = 0; k < kNq; ++k) {
      qpos[k] = model->qpos0[k] + rng.uniform(-reset_noise_scale, reset_noise_scale);
    }
    for (int k = 0; k < kNv; ++k)
      qvel[k] = rng.uniform(-reset_noise_scale, reset_noise_scale);
    set_state(s, qpos, qvel);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    const Model& m = *model;
    PhysData d;
    load_physics<Layout>(m, s, d);
    const int resets = do_simulation(m, d, action, frame_skip);
    s[Layout::kResets] += static_cast<float>(resets);
    store_physics<Layout>(m, d, s);
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
