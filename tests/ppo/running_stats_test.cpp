// Running observation / return statistics (Chan et al.'s parallel merge) against a two-pass
// mean and variance over the concatenated batches, and observation normalisation with clipping.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {
namespace {

std::vector<std::vector<double>> random_batches(uint64_t seed) {
  Rng rng(seed, RngPurpose::kInit, 0, 0);
  std::vector<std::vector<double>> batches;
  // different sizes and locations, including a single-sample batch
  const int sizes[] = {7, 1, 32, 5, 100, 3};
  const double shifts[] = {0.0, 50.0, -3.0, 10.0, 1000.0, -20.0};
  for (int b = 0; b < 6; ++b) {
    std::vector<double> x(sizes[b]);
    for (double& v : x)
      v = shifts[b] + 4.0 * rng.normal();
    batches.push_back(x);
  }
  return batches;
}

void batch_moments(const std::vector<double>& x, double* mean, double* var) {
  double s = 0.0;
  for (double v : x)
    s += v;
  *mean = s / x.size();
  double q = 0.0;
  for (double v : x)
    q += (v - *mean) * (v - *mean);
  *var = q / x.size();  // population variance, as numpy's var
}

TEST(RunningStats, MergeMatchesTwoPassOverConcatenation) {
  const auto batches = random_batches(4);
  double mean = 0.0, var = 0.0, count = 0.0;  // an empty start: exactly the data's moments
  std::vector<double> all;
  for (const auto& b : batches) {
    double bm, bv;
    batch_moments(b, &bm, &bv);
    merge_moments(&mean, &var, count, bm, bv, static_cast<double>(b.size()));
    count += b.size();
    all.insert(all.end(), b.begin(), b.end());
    double ref_mean, ref_var;
    batch_moments(all, &ref_mean, &ref_var);
    EXPECT_NEAR(mean, ref_mean, 1e-9 * (1 + std::fabs(ref_mean)));
    EXPECT_NEAR(var, ref_var, 1e-9 * ref_var);
  }
}

TEST(RunningStats, GymnasiumInitialCountActsAsAPseudoSample) {
  // Gymnasium starts at mean 0, var 1, count 1e-4: a pseudo-batch of weight c0 with variance 1,
  // so mean = sum x / (n + c0) and var = (c0 (1 + mean^2) + sum (x - mean)^2) / (n + c0)
  const auto batches = random_batches(9);
  const double c0 = kRunningStatsInitialCount;
  double mean = 0.0, var = 1.0, count = c0;
  std::vector<double> all;
  for (const auto& b : batches) {
    double bm, bv;
    batch_moments(b, &bm, &bv);
    merge_moments(&mean, &var, count, bm, bv, static_cast<double>(b.size()));
    count += b.size();
    all.insert(all.end(), b.begin(), b.end());
  }
  double sum = 0.0;
  for (double v : all)
    sum += v;
  const double n = static_cast<double>(all.size());
  const double ref_mean = sum / (n + c0);
  double q = c0 * (1.0 + ref_mean * ref_mean);
  for (double v : all)
    q += (v - ref_mean) * (v - ref_mean);
  EXPECT_NEAR(count, n + c0, 1e-12);
  EXPECT_NEAR(mean, ref_mean, 1e-9 * std::fabs(ref_mean));
  EXPECT_NEAR(var, q / (n + c0), 1e-9 * var);
  // and the prior is negligible next to the data
  double dm, dv;
  batch_moments(all, &dm, &dv);
  EXPECT_NEAR(mean, dm, 1e-4 * std::fabs(dm));
}

TEST(RunningStats, SingleMergeHandComputed) {
  // {1, 3} (mean 2, var 1) merged with {6} (mean 6, var 0): {1, 3, 6} has mean 10/3 and
  // population variance (49 + 1 + 64) / 27 = 114 / 27
  double mean = 2.0, var = 1.0;
  merge_moments(&mean, &var, 2.0, 6.0, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(mean, 10.0 / 3.0);
  EXPECT_NEAR(var, 114.0 / 27.0, 1e-14);
}

TEST(RunningStats, NormalizeObsClips) {
  // (x - mean) / sqrt(var + 1e-8)
  EXPECT_NEAR(normalize_obs(3.0f, 1.0f, 4.0f, 10.0f), 1.0f, 1e-6);
  EXPECT_NEAR(normalize_obs(-1.0f, 1.0f, 0.25f, 10.0f), -4.0f, 1e-5);
  EXPECT_EQ(normalize_obs(100.0f, 0.0f, 1.0f, 10.0f), 10.0f);
  EXPECT_EQ(normalize_obs(-100.0f, 0.0f, 1.0f, 10.0f), -10.0f);
  EXPECT_EQ(normalize_obs(7.0f, 0.0f, 1.0f, 5.0f), 5.0f);
  // zero variance does not divide by zero
  const float z = normalize_obs(1e-3f, 0.0f, 0.0f, 10.0f);
  EXPECT_TRUE(std::isfinite(z));
  EXPECT_EQ(z, 10.0f);
}

}  // namespace
}  // namespace stampede
