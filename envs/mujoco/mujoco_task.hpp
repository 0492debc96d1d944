// What the Gymnasium MuJoCo tasks share (gymnasium/envs/mujoco/mujoco_env.py): the environment
// state is the physics state plus the few derived quantities an observation needs, and one
// environment step writes the raw action to ctrl and runs frame_skip physics steps. MuJoCo clamps
// ctrl inside actuation only, so control costs see the raw action. A state that turns bad (NaN,
// |x| > 1e10) is reset to qpos0 and the step carries on, as MuJoCo's auto-reset does; each such
// reset is counted in the state so the backend can report it.
//
// State layout of every task: [qpos (nq) | qvel (nv) | qacc_warmstart (nv) | resets | extras].
#pragma once

#include "core/math.hpp"
#include "envs/core/env_api.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/forward.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

template <int NQ, int NV>
struct PhysicsStateLayout {
  static constexpr int kNq = NQ, kNv = NV;
  static constexpr int kQpos = 0;
  static constexpr int kQvel = NQ;
  static constexpr int kWarmstart = NQ + NV;
  static constexpr int kResets = NQ + 2 * NV;  // bad-state auto-resets in this episode
  static constexpr int kExtras = NQ + 2 * NV + 1;
};

// physics state <- environment state (the task's matches() ensures nq, nv equal the layout's)
template <class L, class D>
STAMPEDE_HD void load_physics(const Model& m, const float* s, D& d) {
  d.time = 0;
  for (int k = 0; k < L::kNq; ++k)
    d.qpos[k] = s[L::kQpos + k];
  for (int k = 0; k < L::kNv; ++k) {
    d.qvel[k] = s[L::kQvel + k];
    d.qacc_warmstart[k] = s[L::kWarmstart + k];
  }
}

// environment state <- physics state
template <class L, class D>
STAMPEDE_HD void store_physics(const Model& m, const D& d, float* s) {
  for (int k = 0; k < L::kNq; ++k)
    s[L::kQpos + k] = d.qpos[k];
  for (int k = 0; k < L::kNv; ++k) {
    s[L::kQvel + k] = d.qvel[k];
    s[L::kWarmstart + k] = d.qacc_warmstart[k];
  }
}

// Gymnasium's reset: mj_resetData (zero warmstart and controls), qpos and qvel as drawn, then
// mj_forward so that derived quantities match the new state
template <class L, class D>
STAMPEDE_HD void set_physics_state(const Model& m, D& d, float* s) {
  d.time = 0;
  for (int k = 0; k < m.nv; ++k)
    d.qacc_warmstart[k] = 0;
  for (int k = 0; k < m.nu; ++k)
    d.ctrl[k] = 0;
  forward(m, d);
  store_physics<L>(m, d, s);
  s[L::kResets] = 0;
}

// ctrl = action, then frame_skip steps; returns how many bad states were reset on the way
template <class D>
STAMPEDE_HD int do_simulation(const Model& m, D& d, const float* action, int frame_skip) {
  for (int u = 0; u < m.nu; ++u)
    d.ctrl[u] = action[u];
  int resets = 0;
  for (int k = 0; k < frame_skip; ++k)
    resets += step_or_reset(m, d) ? 1 : 0;
  return resets;
}

STAMPEDE_HD float squared_norm(const float* a, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i)
    s += a[i] * a[i];
  return s;
}

// What every MuJoCo task has: the model it steps, its time limit, Gymnasium's action space (the
// actuators' ctrlrange), and Gymnasium's set_state and reset noise. Tasks derive from it (plain
// inheritance, no virtual functions, so it works the same in device code).
template <int NQ, int NV, int NU, class Sizes, int kDefaultEpisodeSteps = 1000>
struct MujocoTask {
  static constexpr int kNq = NQ, kNv = NV, kNu = NU;
  static constexpr int kActDim = NU;
  static constexpr int kNumActions = 0;
  using Layout = PhysicsStateLayout<NQ, NV>;
  using PhysData = DataT<Sizes>;

  const Model* model = nullptr;  // the task's compiled model, in host or device memory
  int episode_steps = kDefaultEpisodeSteps;

  // the sizes the state layout and data capacities assume; tasks add their own conditions
  static bool sizes_match(const Model& m) {
    return m.nq == NQ && m.nv == NV && m.nu == NU && PhysData::fits(m);
  }

  STAMPEDE_HD int max_episode_steps() const { return episode_steps; }
  STAMPEDE_HD float action_low(int j) const { return model->actuator_ctrlrange[j][0]; }
  STAMPEDE_HD float action_high(int j) const { return model->actuator_ctrlrange[j][1]; }

  // Gymnasium's set_state: d holds (qpos, qvel) after mj_resetData and mj_forward, and s the
  // episode's first state; tasks read their extra observed quantities from d
  STAMPEDE_HD void set_physics(float* s, const float* qpos, const float* qvel, PhysData& d) const {
    for (int k = 0; k < NQ; ++k)
      d.qpos[k] = qpos[k];
    for (int k = 0; k < NV; ++k)
      d.qvel[k] = qvel[k];
    set_physics_state<Layout>(*model, d, s);
  }

  // tasks whose observation needs nothing beyond qpos and qvel use these two as they are;
  // the others define their own (hiding these: no virtual dispatch)
  static bool matches(const Model& m) { return sizes_match(m); }
  STAMPEDE_HD void set_state(float* s, const float* qpos, const float* qvel) const {
    PhysData d;
    set_physics(s, qpos, qvel, d);
  }

  // qpos0 + U(-scale, scale), the positional reset noise of every task
  STAMPEDE_HD void noisy_qpos0(float scale, Rng& rng, float* qpos) const {
    for (int k = 0; k < NQ; ++k)
      qpos[k] = model->qpos0[k] + rng.uniform(-scale, scale);
  }

  // U(-scale, scale) on every velocity
  STAMPEDE_HD void uniform_qvel(float scale, Rng& rng, float* qvel) const {
    for (int k = 0; k < NV; ++k)
      qvel[k] = rng.uniform(-scale, scale);
  }

  // scale N(0, 1) on every velocity
  STAMPEDE_HD void normal_qvel(float scale, Rng& rng, float* qvel) const {
    for (int k = 0; k < NV; ++k)
      qvel[k] = scale * rng.normal();
  }

  // Gymnasium's do_simulation on the environment state s: ctrl = action, then frame_skip physics
  // steps; d is left with the last forward evaluation; returns the diverged states reset
  STAMPEDE_HD int simulate(float* s, const float* action, int frame_skip, PhysData& d) const {
    load_physics<Layout>(*model, s, d);
    const int resets = do_simulation(*model, d, action, frame_skip);
    s[Layout::kResets] += static_cast<float>(resets);
    store_physics<Layout>(*model, d, s);
    return resets;
  }

  // simulate(), returning Gymnasium's x_velocity: qpos[0]'s change over the environment step
  STAMPEDE_HD float simulate_x_velocity(float* s, const float* action, int frame_skip, PhysData& d,
                                        int* resets) const {
    const float x_before = s[Layout::kQpos];
    *resets = simulate(s, action, frame_skip, d);
    const float dt = model->opt.timestep * static_cast<float>(frame_skip);
    return (d.qpos[0] - x_before) / dt;
  }

  // the runners' step (Swimmer, HalfCheetah): reward = forward_weight x_velocity - ctrl_weight
  // |action|^2, never terminated
  STAMPEDE_HD StepOutcome run_forward(float* s, const float* action, int frame_skip,
                                      float forward_weight, float ctrl_weight) const {
    PhysData d;
    int resets;
    const float x_velocity = simulate_x_velocity(s, action, frame_skip, d, &resets);
    const float reward = forward_weight * x_velocity - ctrl_weight * squared_norm(action, NU);
    return {reward, false, resets};
  }

  // the locomotion tasks' observation: qpos without its first `skip` entries (the position along
  // the floor), then qvel, clipped to +-vel_clip when vel_clip > 0
  STAMPEDE_HD void observe_qpos_qvel(const float* s, int skip, float vel_clip, float* obs) const {
    for (int k = skip; k < NQ; ++k)
      obs[k - skip] = s[Layout::kQpos + k];
    for (int k = 0; k < NV; ++k) {
      const float v = s[Layout::kQvel + k];
      obs[NQ - skip + k] = vel_clip > 0 ? clamp_to(v, -vel_clip, vel_clip) : v;
    }
  }
};

}  // namespace stampede
