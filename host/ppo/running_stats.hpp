// Running mean and variance merged batch by batch (Chan et al.'s parallel update), as Gymnasium's
// NormalizeObservation / NormalizeReward keep them: count starts at 1e-4, var at 1.
#pragma once

#include <cmath>

#include "envs/core/hd.hpp"

namespace stampede {

constexpr double kRunningStatsInitialCount = 1e-4;

// merges one dimension's batch moments (mean, population variance, count) into the running ones
STAMPEDE_HD void merge_moments(double* mean, double* var, double count, double batch_mean,
                               double batch_var, double batch_count) {
  const double delta = batch_mean - *mean;
  const double total = count + batch_count;
  const double m2 = *var * count + batch_var * batch_count + delta * delta * count * batch_count / total;
  *mean += delta * batch_count / total;
  *var = m2 / total;
}

// the normalised observation entry, clipped as Gymnasium/CleanRL clip it
STAMPEDE_HD float normalize_obs(float x, float mean, float var, float clip) {
  const float z = (x - mean) / sqrtf(var + 1e-8f);
  return fminf(fmaxf(z, -clip), clip);
}

}  // namespace stampede
