#include "support/rollouts.hpp"

#include <limits>

#include "core/rng.hpp"

namespace stampede::testing {

RolloutBuffer random_rollout(int steps, int envs, uint64_t seed, float p_term, float p_trunc) {
  RolloutBuffer r;
  r.resize(RolloutShape{steps, envs, 1, 1, 1});
  Rng rng(seed, RngPurpose::kInit, 0, 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t k = 0; k < r.size(); ++k) {
    r.rewards[k] = rng.uniform(-1.0f, 2.0f);
    r.values[k] = rng.uniform(-3.0f, 3.0f);
    const float u = rng.uniform();
    r.terminated[k] = u < p_term;
    r.truncated[k] = !r.terminated[k] && u < p_term + p_trunc;
    // a value only where the step truncated: anything else must never be read
    r.trunc_values[k] = r.truncated[k] ? rng.uniform(-3.0f, 3.0f) : nan;
  }
  for (float& v : r.last_values)
    v = rng.uniform(-3.0f, 3.0f);
  return r;
}

}  // namespace stampede::testing
