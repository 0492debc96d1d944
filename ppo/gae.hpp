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

#include "core/hd.hpp"
#include "ppo/rollout.hpp"

namespace stampede {

// writes env i's column of r.advantages and r.returns from its rewards, values, terminated,
// truncated, trunc_values and last value
STAMPEDE_HD void gae_one_env(const RolloutView& r, float gamma, float lambda, int i) {
  const int n = r.shape.num_envs;
  float next_adv = 0.0f;
  float next_value = r.last_values[i];
  for (int t = r.shape.steps - 1; t >= 0; --t) {
    const int64_t k = static_cast<int64_t>(t) * n + i;
    const bool terminated = r.terminated[k] != 0;
    const bool truncated = r.truncated[k] != 0;
    const float bootstrap = terminated ? 0.0f : (truncated ? r.trunc_values[k] : next_value);
    const float value = r.values[k];
    const float delta = r.rewards[k] + gamma * bootstrap - value;
    const float carry = (terminated || truncated) ? 0.0f : gamma * lambda * next_adv;
    const float adv = delta + carry;
    r.advantages[k] = adv;
    r.returns[k] = adv + value;
    next_adv = adv;
    next_value = value;
  }
}

}  // namespace stampede
