// Running mean and variance merged batch by batch (Chan et al.'s parallel update), as Gymnasium's
// NormalizeObservation / NormalizeReward keep them: count starts at 1e-4, var at 1.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "core/math.hpp"

namespace stampede {

constexpr double kRunningStatsInitialCount = 1e-4;

// merges one dimension's batch moments (mean, population variance, count) into the running ones
STAMPEDE_HD void merge_moments(double* mean, double* var, double count, double batch_mean,
                               double batch_var, double batch_count) {
  const double delta = batch_mean - *mean;
  const double total = count + batch_count;
  const double m2 =
      *var * count + batch_var * batch_count + delta * delta * count * batch_count / total;
  *mean += delta * batch_count / total;
  *var = m2 / total;
}

// Gymnasium's NormalizeObservation epsilon (also what the exports state and bake in)
inline constexpr float kObsNormEpsilon = 1e-8f;

// the normalised observation entry, clipped as Gymnasium/CleanRL clip it
STAMPEDE_HD float normalize_obs(float x, float mean, float var, float clip) {
  const float z = (x - mean) / sqrtf(var + kObsNormEpsilon);
  return fminf(fmaxf(z, -clip), clip);
}

// the running observation statistics as the policy reads them (mean and var in double, as
// Gymnasium keeps them); disabled: observations pass through unchanged
struct ObsNormalizer {
  bool enabled = true;
  float clip = 10.0f;
  const double* mean = nullptr;  // [obs_dim]
  const double* var = nullptr;   // [obs_dim]

  STAMPEDE_HD void apply(const float* raw, int dim, float* out) const {
    for (int d = 0; d < dim; ++d) {
      out[d] = enabled ? normalize_obs(raw[d], static_cast<float>(mean[d]),
                                       static_cast<float>(var[d]), clip)
                       : raw[d];
    }
  }
};

// Gymnasium's NormalizeReward, one environment's step: the discounted return it tracks (reset
// by termination) ...
STAMPEDE_HD float discounted_return(float acc, float gamma, bool terminated, float reward) {
  return acc * gamma * (terminated ? 0.0f : 1.0f) + reward;
}

// ... and the reward divided by the std of that return's running statistics, then clipped
STAMPEDE_HD float scaled_reward(float reward, double return_var, float clip) {
  return clamp_to(reward * (1.0f / sqrtf(static_cast<float>(return_var) + 1e-8f)), -clip, clip);
}

}  // namespace stampede
