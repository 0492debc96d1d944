// Finite-difference helpers shared by the backward-pass tests: central differences at two step
// sizes h and h/2 that must agree (a kink or a badly chosen step would separate them) before an
// analytic derivative is compared with the smaller-step estimate.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <vector>

#include "core/rng.hpp"
#include "ppo/policy_layout.hpp"

namespace stampede::testing {

// central difference of f() with respect to x[i]; divides by the step float can represent
template <class F>
inline double central_diff(F&& f, float* x, int64_t i, float h) {
  const float x0 = x[i];
  x[i] = x0 + h;
  const float xp = x[i];
  const double fp = f();
  x[i] = x0 - h;
  const float xm = x[i];
  const double fm = f();
  x[i] = x0;
  return (fp - fm) / (static_cast<double>(xp) - static_cast<double>(xm));
}

struct FdResult {
  double fd_h = 0, fd_h2 = 0;
};

template <class F>
inline FdResult fd_two_steps(F&& f, float* x, int64_t i, float h) {
  return {central_diff(f, x, i, h), central_diff(f, x, i, 0.5f * h)};
}

// analytic vs the finite difference, tolerance relative to max(1, |d|) scaled by `scale`
// (the typical gradient magnitude, so tiny entries are compared at the precision float allows)
inline ::testing::AssertionResult fd_agrees(double analytic, const FdResult& fd, double tol,
                                            double scale = 1.0) {
  const double bound = tol * std::max(scale, std::fabs(fd.fd_h2));
  if (std::fabs(fd.fd_h - fd.fd_h2) > bound) {
    return ::testing::AssertionFailure()
           << "step sizes disagree: fd(h) " << fd.fd_h << " fd(h/2) " << fd.fd_h2;
  }
  if (std::fabs(analytic - fd.fd_h2) > bound) {
    return ::testing::AssertionFailure()
           << "analytic " << analytic << " vs fd " << fd.fd_h2 << " (bound " << bound << ")";
  }
  return ::testing::AssertionSuccess();
}

inline float uniform(Rng& rng, float lo, float hi) {
  return rng.uniform(lo, hi);
}

// small random networks for the backward-pass checks
inline MlpShape mlp_shape(int in, std::vector<int> hidden, int out) {
  MlpShape s;
  s.in = in;
  s.out = out;
  s.num_hidden = static_cast<int>(hidden.size());
  for (size_t l = 0; l < hidden.size(); ++l)
    s.hidden[l] = hidden[l];
  return s;
}

inline std::vector<float> random_mlp_params(const MlpShape& s, Rng& rng) {
  std::vector<float> p(s.num_params());
  for (int l = 0; l < s.num_layers(); ++l) {
    const float scale = 1.5f / std::sqrt(static_cast<float>(s.layer_in(l)));
    const int64_t w = s.weight_offset(l), b = s.bias_offset(l);
    for (int64_t k = w; k < b; ++k)
      p[k] = uniform(rng, -scale, scale);
    for (int o = 0; o < s.layer_out(l); ++o)
      p[b + o] = uniform(rng, -0.3f, 0.3f);
  }
  return p;
}

}  // namespace stampede::testing
