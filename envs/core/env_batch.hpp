// N environments of one type in structure-of-arrays buffers, and the per-environment step that
// both backends run: the CPU backend loops i over [0, N), the CUDA env-step kernel runs one thread
// per i. Episodes end by termination (the task says so) or truncation (the time limit); either
// way the observation that ended the episode is kept in final_obs for bootstrapping and the
// environment resets in place.
#pragma once

#include <cstdint>

#include "envs/core/env_api.hpp"

namespace stampede {

// pointers into host or device memory; passed by value to kernels
struct EnvBatch {
  int num_envs = 0;
  float* state = nullptr;            // [state_dim, N] one row per state variable (coalesced on GPU)
  float* obs = nullptr;              // [N, obs_dim] observation the policy sees next
  float* final_obs = nullptr;        // [N, obs_dim] observation that ended the episode (where done)
  float* reward = nullptr;           // [N] raw reward of the last step
  uint8_t* terminated = nullptr;     // [N]
  uint8_t* truncated = nullptr;      // [N]
  int32_t* episode_length = nullptr;  // [N] steps so far in the running episode
  float* episode_return = nullptr;   // [N] undiscounted return so far in the running episode
  // completed episodes since the statistics were last cleared (one accumulator per env, so the
  // reduction over envs runs in a fixed order on both backends)
  int32_t* done_count = nullptr;        // [N]
  float* done_return_sum = nullptr;     // [N]
  float* done_length_sum = nullptr;     // [N]
  int32_t* bad_state_resets = nullptr;  // [N] diverged physics states reset (optional)
};

template <class Env>
STAMPEDE_HD void load_state(const EnvBatch& b, int i, float* s) {
  for (int k = 0; k < Env::kStateDim; ++k) s[k] = b.state[k * b.num_envs + i];
}

template <class Env>
STAMPEDE_HD void store_state(const EnvBatch& b, int i, const float* s) {
  for (int k = 0; k < Env::kStateDim; ++k) b.state[k * b.num_envs + i] = s[k];
}

// draws env i's initial state; `step` is the global step count at which the episode starts
template <class Env>
STAMPEDE_HD void reset_env(const Env& env, const EnvBatch& b, int i, uint64_t seed, uint64_t step) {
  float s[Env::kStateDim];
  Rng rng(seed, RngPurpose::kReset, static_cast<uint32_t>(i), step);
  env.reset(s, rng);
  store_state<Env>(b, i, s);
  env.observe(s, b.obs + static_cast<int64_t>(i) * Env::kObsDim);
  b.episode_length[i] = 0;
  b.episode_return[i] = 0.0f;
}

// advances env i by one step under `action` ([act_dim]); `step` is the global step count
template <class Env>
STAMPEDE_HD void step_env(const Env& env, const EnvBatch& b, int i, const float* action,
                          uint64_t seed, uint64_t step) {
  float s[Env::kStateDim];
  load_state<Env>(b, i, s);
  Rng rng(seed, RngPurpose::kEnvStep, static_cast<uint32_t>(i), step);
  const StepOutcome out = env.step(s, action, rng);
  if (b.bad_state_resets && out.bad_state_resets) b.bad_state_resets[i] += out.bad_state_resets;

  const int length = b.episode_length[i] + 1;
  const float ret = b.episode_return[i] + out.reward;
  const bool truncated = !out.terminated && length >= env.max_episode_steps();
  b.reward[i] = out.reward;
  b.terminated[i] = out.terminated ? 1 : 0;
  b.truncated[i] = truncated ? 1 : 0;

  float* obs = b.obs + static_cast<int64_t>(i) * Env::kObsDim;
  if (out.terminated || truncated) {
    env.observe(s, b.final_obs + static_cast<int64_t>(i) * Env::kObsDim);
    b.done_count[i] += 1;
    b.done_return_sum[i] += ret;
    b.done_length_sum[i] += static_cast<float>(length);
    reset_env(env, b, i, seed, step + 1);
    return;
  }
  store_state<Env>(b, i, s);
  env.observe(s, obs);
  b.episode_length[i] = length;
  b.episode_return[i] = ret;
}

}  // namespace stampede
