// Shared helpers of the GPU tests: a fixture that skips without a usable device (so ctest reports
// SKIPPED, never passed, on CI machines), poisoned device buffers and an error measure.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "host/cpu/update_cpu.hpp"
#include "host/cuda/cuda_backend_impl.hpp"

namespace stampede::testing {

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string reason = cuda_probe();
    if (!reason.empty()) GTEST_SKIP() << "no GPU: " << reason;
  }
};

// max |a - b| / max(max |b|, floor): error relative to the reference vector's scale, so entries
// near zero (cancellation in sums) do not dominate
template <class T>
double rel_error(const std::vector<T>& a, const std::vector<T>& b, double floor = 1e-6) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0.0, scale = floor;
  for (size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    const double x = a[k], y = b[k];
    if (std::isnan(x) != std::isnan(y)) return std::numeric_limits<double>::infinity();
    diff = std::max(diff, std::fabs(x - y));
    scale = std::max(scale, std::fabs(y));
  }
  return diff / scale;
}

inline std::vector<float> nan_vector(size_t n) {
  return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN());
}

// a small config of one task for the kernel tests
inline TrainConfig small_config(const std::string& env, int n = 64, int t = 16) {
  TrainConfig c;
  c.env = Task(env);
  c.device = "cuda";
  c.num_envs = n;
  c.num_steps = t;
  c.minibatch_size = n * t / 4;
  c.total_steps = static_cast<int64_t>(n) * t * 100;
  c.seed = 7;
  return c;
}

}  // namespace stampede::testing
