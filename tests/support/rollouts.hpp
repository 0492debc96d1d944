// Rollouts built for tests. For the update's inputs (observations, actions, log-probs, values,
// advantages) use random_update_rollout (host/bench.hpp), which the benchmarks time with too.
#pragma once

#include <cstdint>

#include "host/bench.hpp"
#include "ppo/rollout.hpp"

namespace stampede::testing {

// GAE's inputs: rewards in [-1, 2), values in [-3, 3), each step terminated with probability
// p_term or else truncated with probability p_trunc; trunc_values only where truncated (NaN
// elsewhere, so a read of one that should not be read shows); obs/act/head widths of 1
RolloutBuffer random_rollout(int steps, int envs, uint64_t seed, float p_term, float p_trunc);

}  // namespace stampede::testing
