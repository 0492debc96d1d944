// Generalised advantage estimation for one environment: a reverse loop over the T steps of the
// rollout. Both backends run this function (CPU: a loop over envs; CUDA: one thread per env, so
// the [T, N] time-major loads are coalesced across the warp).
//
//   delta_t = r_t + gamma V(s_{t+1}) (1 - terminated_t) - V(s_t)
//   A_t     = delta_t + gamma lambda (1 - done_t) A_{t+1}
//
// where V(s_{t+1}) is the critic's value of the observation that followed step t: the next
// rollout value, or last_value after the final step, or, when step t truncated the episode, the
// value of the final observation (trunc_value), not of the reset observation that replaced it.
#pragma once

#include <cstdint>

#include "envs/core/hd.hpp"

namespace stampede {

struct GaeInputs {
  int steps = 0;                          // T
  int num_envs = 0;                       // N
  float gamma = 0.99f;
  float lambda = 0.95f;
  const float* rewards = nullptr;         // [T, N] (after reward scaling)
  const float* values = nullptr;          // [T, N] V(s_t)
  const uint8_t* terminated = nullptr;    // [T, N]
  const uint8_t* truncated = nullptr;     // [T, N]
  const float* trunc_values = nullptr;    // [T, N] V(final obs) where truncated
  const float* last_values = nullptr;     // [N] V(s_T)
};

STAMPEDE_HD void gae_one_env(const GaeInputs& in, int i, float* advantages /* [T, N] */,
                             float* returns /* [T, N] */) {
  const int n = in.num_envs;
  float next_adv = 0.0f;
  float next_value = in.last_values[i];
  for (int t = in.steps - 1; t >= 0; --t) {
    const int64_t k = static_cast<int64_t>(t) * n + i;
    const bool terminated = in.terminated[k] != 0;
    const bool truncated = in.truncated[k] != 0;
    const float bootstrap = terminated ? 0.0f : (truncated ? in.trunc_values[k] : next_value);
    const float value = in.values[k];
    const float delta = in.rewards[k] + in.gamma * bootstrap - value;
    const float carry = (terminated || truncated) ? 0.0f : in.gamma * in.lambda * next_adv;
    const float adv = delta + carry;
    advantages[k] = adv;
    returns[k] = adv + value;
    next_adv = adv;
    next_value = value;
  }
}

}  // namespace stampede
