// N environments of one type in structure-of-arrays buffers, and the per-environment step that
// both backends run: the CPU backend loops i over [0, N), the CUDA env-step kernel runs one thread
// per i. Episodes end by termination (the task says so) or truncation (the time limit); either
// way the observation that ended the episode is kept in final_obs for bootstrapping and the
// environment resets in place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "core/arrays.hpp"
#include "envs/core/env_api.hpp"

namespace stampede {

struct EnvBatchShape {
  int num_envs = 0, state_dim = 0, obs_dim = 0;
};

// N environments' storage (core/arrays.hpp): HostEnvBatch on the host, a DeviceBuffer storage in
// the CUDA backend, and EnvBatch, the view of either that step_env reads and writes
template <template <class> class Array>
struct EnvBatchStorage {
  EnvBatchShape shape;
  Array<float> state{};             // [state_dim, N] one row per state variable (coalesced on GPU)
  Array<float> obs{};               // [N, obs_dim] observation the policy sees next
  Array<float> final_obs{};         // [N, obs_dim] observation that ended the episode (where done)
  Array<float> reward{};            // [N] raw reward of the last step
  Array<uint8_t> terminated{};      // [N]
  Array<uint8_t> truncated{};       // [N]
  Array<int32_t> episode_length{};  // [N] steps so far in the running episode
  Array<float> episode_return{};    // [N] undiscounted return so far in the running episode
  // completed episodes since the statistics were last cleared (one accumulator per env, so the
  // reduction over envs runs in a fixed order on both backends)
  Array<int32_t> done_count{};        // [N]
  Array<float> done_return_sum{};     // [N]
  Array<float> done_length_sum{};     // [N]
  Array<int32_t> bad_state_resets{};  // [N] diverged physics states reset

  STAMPEDE_HD int num_envs() const { return shape.num_envs; }

  // The arrays with their lengths, in three groups that together list every field once.
  // What a checkpoint keeps of the environments (TrainState::env_arrays, in this order):
  template <class Self>
  static auto persistent(Self& s) {
    const int64_t n = s.shape.num_envs;
    return std::make_tuple(Sized{s.state, n * s.shape.state_dim}, Sized{s.obs, n * s.shape.obs_dim},
                           Sized{s.episode_length, n}, Sized{s.episode_return, n});
  }
  // what one step writes for the rollout
  template <class Self>
  static auto step_outputs(Self& s) {
    const int64_t n = s.shape.num_envs;
    return std::make_tuple(Sized{s.final_obs, n * s.shape.obs_dim}, Sized{s.reward, n},
                           Sized{s.terminated, n}, Sized{s.truncated, n});
  }
  // the completed-episode accumulators, cleared at the start of every iteration
  template <class Self>
  static auto episode_stats(Self& s) {
    const int64_t n = s.shape.num_envs;
    return std::make_tuple(Sized{s.done_count, n}, Sized{s.done_return_sum, n},
                           Sized{s.done_length_sum, n}, Sized{s.bad_state_resets, n});
  }
  template <class Self>
  static auto fields(Self& s) {
    return std::tuple_cat(persistent(s), step_outputs(s), episode_stats(s));
  }

  void resize(const EnvBatchShape& new_shape) {
    shape = new_shape;
    resize_storage(*this);
  }

  // storage for n environments of type Env, zero-filled
  template <class Env>
  static EnvBatchStorage of(int n) {
    EnvBatchStorage s;
    s.resize(EnvBatchShape{n, Env::kStateDim, Env::kObsDim});
    return s;
  }
};

using EnvBatch = EnvBatchStorage<Ptr>;
using HostEnvBatch = EnvBatchStorage<HostArray>;

template <class S>
EnvBatch env_batch_view(S& storage) {
  return view_of<EnvBatch>(storage);
}

// zeroes the completed-episode accumulators, at the start of each iteration
inline void clear_episode_stats(HostEnvBatch& envs) {
  for_each_field(HostEnvBatch::episode_stats(envs),
                 [](auto& f) { std::fill(f.array.begin(), f.array.end(), 0); });
}

template <class Env>
STAMPEDE_HD void load_state(const EnvBatch& b, int i, float* s) {
  for (int k = 0; k < Env::kStateDim; ++k)
    s[k] = b.state[k * b.shape.num_envs + i];
}

template <class Env>
STAMPEDE_HD void store_state(const EnvBatch& b, int i, const float* s) {
  for (int k = 0; k < Env::kStateDim; ++k)
    b.state[k * b.shape.num_envs + i] = s[k];
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
