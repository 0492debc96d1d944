// Host memory behind an EnvBatch. The CPU backend, evaluation, benchmarks and tests step
// environments through this, so the structure-of-arrays wiring lives in one place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "envs/core/env_batch.hpp"

namespace stampede {

struct HostEnvBatch {
  int num_envs = 0;
  std::vector<float> state;                                                     // [state_dim, N]
  std::vector<float> obs;                                                       // [N, obs_dim]
  std::vector<float> final_obs;                                                 // [N, obs_dim]
  std::vector<float> reward, episode_return, done_return_sum, done_length_sum;  // [N]
  std::vector<uint8_t> terminated, truncated;                                   // [N]
  std::vector<int32_t> episode_length, done_count, bad_state_resets;            // [N]

  HostEnvBatch() = default;
  HostEnvBatch(int n, int state_dim, int obs_dim)
      : num_envs(n),
        state(static_cast<size_t>(state_dim) * n, 0.0f),
        obs(static_cast<size_t>(obs_dim) * n, 0.0f),
        final_obs(static_cast<size_t>(obs_dim) * n, 0.0f),
        reward(n, 0.0f),
        episode_return(n, 0.0f),
        done_return_sum(n, 0.0f),
        done_length_sum(n, 0.0f),
        terminated(n, 0),
        truncated(n, 0),
        episode_length(n, 0),
        done_count(n, 0),
        bad_state_resets(n, 0) {}

  template <class Env>
  static HostEnvBatch of(int n) {
    return HostEnvBatch(n, Env::kStateDim, Env::kObsDim);
  }

  // pointers into the vectors above; take a new view after resizing or reassigning any of them
  EnvBatch view() {
    EnvBatch b;
    b.num_envs = num_envs;
    b.state = state.data();
    b.obs = obs.data();
    b.final_obs = final_obs.data();
    b.reward = reward.data();
    b.terminated = terminated.data();
    b.truncated = truncated.data();
    b.episode_length = episode_length.data();
    b.episode_return = episode_return.data();
    b.done_count = done_count.data();
    b.done_return_sum = done_return_sum.data();
    b.done_length_sum = done_length_sum.data();
    b.bad_state_resets = bad_state_resets.data();
    return b;
  }

  // the completed-episode accumulators, cleared at the start of each iteration
  void clear_episode_stats() {
    std::fill(done_count.begin(), done_count.end(), 0);
    std::fill(done_return_sum.begin(), done_return_sum.end(), 0.0f);
    std::fill(done_length_sum.begin(), done_length_sum.end(), 0.0f);
    std::fill(bad_state_resets.begin(), bad_state_resets.end(), 0);
  }
};

}  // namespace stampede
