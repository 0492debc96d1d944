// Finite-difference checks of the analytic backward passes of the CPU reference: the action
// distributions' derivatives and the batched MLP backward (the whole minibatch loss gradient is
// in minibatch_gradient_test.cpp). See finite_diff.hpp for the two-step-size method.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "host/backend.hpp"
#include "host/config.hpp"
#include "host/cpu/mlp_cpu.hpp"
#include "host/cpu/update_cpu.hpp"
#include "ppo/distributions.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/ppo_loss.hpp"
#include "support/finite_diff.hpp"

namespace stampede {
namespace {

using testing::fd_agrees;
using testing::fd_two_steps;
using testing::FdResult;
using testing::mlp_shape;
using testing::random_mlp_params;
using testing::uniform;

// --- distributions ------------------------------------------------------------------------------

TEST(PpoDistributions, GaussianLogProbGradient) {
  Rng rng(11, RngPurpose::kInit, 0, 0);
  for (int dim : {1, 3, 6}) {
    std::vector<float> mean(dim), log_std(dim), action(dim), d_mean(dim), d_log_std(dim);
    for (int j = 0; j < dim; ++j) {
      mean[j] = uniform(rng, -1, 1);
      log_std[j] = uniform(rng, -1, 0.5f);
      action[j] = mean[j] + uniform(rng, -2, 2) * std::exp(log_std[j]);
    }
    gaussian_log_prob_grad(mean.data(), log_std.data(), action.data(), dim, d_mean.data(),
                           d_log_std.data());
    auto f = [&] { return gaussian_log_prob(mean.data(), log_std.data(), action.data(), dim); };
    for (int j = 0; j < dim; ++j) {
      EXPECT_TRUE(fd_agrees(d_mean[j], fd_two_steps(f, mean.data(), j, 1e-2f), 4e-4))
          << "d mean " << j;
      EXPECT_TRUE(fd_agrees(d_log_std[j], fd_two_steps(f, log_std.data(), j, 1e-2f), 4e-4))
          << "d log_std " << j;
    }
    // the log-density itself, in double: sum -0.5 z^2 - log_std - 0.5 log(2 pi)
    double ref = 0.0;
    for (int j = 0; j < dim; ++j) {
      const double z = (static_cast<double>(action[j]) - mean[j]) / std::exp(double{log_std[j]});
      ref += -0.5 * z * z - log_std[j] - 0.5 * std::log(2.0 * M_PI);
    }
    EXPECT_NEAR(f(), ref, 1e-5);
  }
}

TEST(PpoDistributions, GaussianKlValueAndGradient) {
  Rng rng(12, RngPurpose::kInit, 0, 0);
  const int dim = 4;
  std::vector<float> old_mean(dim), old_log_std(dim), mean(dim), log_std(dim), dm(dim), dl(dim);
  for (int j = 0; j < dim; ++j) {
    old_mean[j] = uniform(rng, -1, 1);
    old_log_std[j] = uniform(rng, -1, 0.5f);
    mean[j] = old_mean[j] + uniform(rng, -0.5f, 0.5f);
    log_std[j] = old_log_std[j] + uniform(rng, -0.3f, 0.3f);
  }
  const float kl = gaussian_kl(old_mean.data(), old_log_std.data(), mean.data(), log_std.data(),
                               dim, dm.data(), dl.data());
  // KL(old || new) = log(s/s_old) + (s_old^2 + (m - m_old)^2) / (2 s^2) - 1/2, in double
  double ref = 0.0;
  for (int j = 0; j < dim; ++j) {
    const double s = std::exp(double{log_std[j]}), so = std::exp(double{old_log_std[j]});
    const double d = double{mean[j]} - old_mean[j];
    ref += std::log(s / so) + (so * so + d * d) / (2 * s * s) - 0.5;
  }
  EXPECT_NEAR(kl, ref, 1e-6);
  EXPECT_GT(kl, 0.0f);
  auto f = [&] {
    return gaussian_kl(old_mean.data(), old_log_std.data(), mean.data(), log_std.data(), dim,
                       nullptr, nullptr);
  };
  for (int j = 0; j < dim; ++j) {
    EXPECT_TRUE(fd_agrees(dm[j], fd_two_steps(f, mean.data(), j, 1e-2f), 4e-4)) << j;
    EXPECT_TRUE(fd_agrees(dl[j], fd_two_steps(f, log_std.data(), j, 1e-2f), 4e-4)) << j;
  }
  // KL of a distribution with itself is zero with zero gradient
  EXPECT_NEAR(gaussian_kl(mean.data(), log_std.data(), mean.data(), log_std.data(), dim, dm.data(),
                          dl.data()),
              0.0, 1e-6);
  for (int j = 0; j < dim; ++j) {
    EXPECT_NEAR(dm[j], 0.0, 1e-6);
    EXPECT_NEAR(dl[j], 0.0, 1e-6);
  }
}

TEST(PpoDistributions, CategoricalKlGradient) {
  Rng rng(13, RngPurpose::kInit, 0, 0);
  for (int n : {2, 5, 9}) {
    std::vector<float> old_logits(n), logits(n), old_log_p(n), log_p(n), d(n);
    for (int k = 0; k < n; ++k) {
      old_logits[k] = uniform(rng, -2, 2);
      logits[k] = old_logits[k] + uniform(rng, -1, 1);
    }
    log_softmax(old_logits.data(), n, old_log_p.data());
    log_softmax(logits.data(), n, log_p.data());
    const float kl = categorical_kl(old_log_p.data(), log_p.data(), n, d.data());
    double ref = 0.0;
    for (int k = 0; k < n; ++k)
      ref += std::exp(double{old_log_p[k]}) * (old_log_p[k] - log_p[k]);
    EXPECT_NEAR(kl, ref, 1e-6);
    // derivative with respect to the new logits, through the log-softmax
    auto f = [&] {
      std::vector<float> lp(n);
      log_softmax(logits.data(), n, lp.data());
      return categorical_kl(old_log_p.data(), lp.data(), n, nullptr);
    };
    for (int k = 0; k < n; ++k) {
      EXPECT_TRUE(fd_agrees(d[k], fd_two_steps(f, logits.data(), k, 1e-2f), 4e-4)) << k;
    }
  }
}

// log-prob and entropy of the categorical head have no derivative function of their own: they
// live in categorical_policy_loss. Isolate each: objective none with ent_coef 0 and weight -1/A
// leaves d log p(a) / d z; A = 0 with ent_coef -1 leaves dH / dz.
TEST(PpoDistributions, CategoricalLogProbAndEntropyGradients) {
  Rng rng(14, RngPurpose::kInit, 0, 0);
  for (int n : {2, 4, 7}) {
    std::vector<float> logits(n), old_log_p(n), d(n);
    for (int k = 0; k < n; ++k)
      logits[k] = uniform(rng, -2, 2);
    log_softmax(logits.data(), n, old_log_p.data());
    const int action = n - 1;
    // ratio = 1 at these logits, so r A = A and the gradient is -w A d log p / dz = d log p / dz
    LossCoeffs c;
    c.objective = Objective::kNone;
    c.ent_coef = 0.0f;
    c.weight = 1.0f;
    categorical_policy_loss(logits.data(), old_log_p.data(), action, old_log_p[action], -1.0f, n, c,
                            d.data());
    auto logp = [&] {
      std::vector<float> lp(n);
      log_softmax(logits.data(), n, lp.data());
      return lp[action];
    };
    for (int k = 0; k < n; ++k) {
      EXPECT_TRUE(fd_agrees(d[k], fd_two_steps(logp, logits.data(), k, 1e-2f), 4e-4)) << k;
    }
    c.ent_coef = -1.0f;  // loss = +H
    categorical_policy_loss(logits.data(), old_log_p.data(), action, old_log_p[action], 0.0f, n, c,
                            d.data());
    auto entropy = [&] {
      std::vector<float> lp(n);
      log_softmax(logits.data(), n, lp.data());
      return categorical_entropy(lp.data(), n);
    };
    for (int k = 0; k < n; ++k) {
      EXPECT_TRUE(fd_agrees(d[k], fd_two_steps(entropy, logits.data(), k, 1e-2f), 4e-4)) << k;
    }
  }
}

// every output of the per-sample losses against finite differences of the per-sample loss
// -w surrogate - w c2 H, for all objectives, with ratios well inside or outside the clip band
TEST(PpoDistributions, PerSampleLossGradients) {
  Rng rng(15, RngPurpose::kInit, 0, 0);
  const float log_ratios[] = {-0.5f, -0.08f, 0.07f, 0.5f};  // band edges at log 0.8, log 1.2
  for (Objective obj :
       {Objective::kClip, Objective::kKlAdaptive, Objective::kKlFixed, Objective::kNone}) {
    LossCoeffs c;
    c.objective = obj;
    c.beta = 0.8f;
    c.ent_coef = 0.05f;
    c.weight = 0.5f;
    for (float lr : log_ratios) {
      for (float adv : {1.7f, -0.9f}) {
        SCOPED_TRACE(::testing::Message()
                     << "objective " << static_cast<int>(obj) << " log r " << lr << " adv " << adv);
        // Gaussian, 3 components
        const int dim = 3;
        std::vector<float> mean(dim), log_std(dim), old_mean(dim), old_log_std(dim), act(dim);
        for (int j = 0; j < dim; ++j) {
          mean[j] = uniform(rng, -1, 1);
          log_std[j] = uniform(rng, -0.8f, 0.2f);
          old_mean[j] = mean[j] + uniform(rng, -0.3f, 0.3f);
          old_log_std[j] = log_std[j] + uniform(rng, -0.2f, 0.2f);
          act[j] = mean[j] + uniform(rng, -1.5f, 1.5f) * std::exp(log_std[j]);
        }
        const float old_logp = gaussian_log_prob(mean.data(), log_std.data(), act.data(), dim) - lr;
        std::vector<float> dm(dim), dl(dim), scratch_m(dim), scratch_l(dim);
        gaussian_policy_loss(mean.data(), log_std.data(), old_mean.data(), old_log_std.data(),
                             act.data(), old_logp, adv, dim, c, dm.data(), dl.data());
        auto g = [&] {
          const SampleTerms t = gaussian_policy_loss(mean.data(), log_std.data(), old_mean.data(),
                                                     old_log_std.data(), act.data(), old_logp, adv,
                                                     dim, c, scratch_m.data(), scratch_l.data());
          return c.weight * (-double{t.surrogate} - c.ent_coef * double{t.entropy});
        };
        for (int j = 0; j < dim; ++j) {
          EXPECT_TRUE(fd_agrees(dm[j], fd_two_steps(g, mean.data(), j, 4e-3f), 6e-4)) << j;
          EXPECT_TRUE(fd_agrees(dl[j], fd_two_steps(g, log_std.data(), j, 4e-3f), 6e-4)) << j;
        }
        // categorical, 5 choices
        const int n = 5;
        std::vector<float> logits(n), old_logits(n), old_log_p(n), d(n), scratch(n), lp(n);
        for (int k = 0; k < n; ++k) {
          logits[k] = uniform(rng, -1.5f, 1.5f);
          old_logits[k] = logits[k] + uniform(rng, -0.5f, 0.5f);
        }
        log_softmax(old_logits.data(), n, old_log_p.data());
        log_softmax(logits.data(), n, lp.data());
        const int a = static_cast<int>(rng.next_u32() % n);
        const float old_lp = lp[a] - lr;
        categorical_policy_loss(logits.data(), old_log_p.data(), a, old_lp, adv, n, c, d.data());
        auto h = [&] {
          const SampleTerms t = categorical_policy_loss(logits.data(), old_log_p.data(), a, old_lp,
                                                        adv, n, c, scratch.data());
          return c.weight * (-double{t.surrogate} - c.ent_coef * double{t.entropy});
        };
        for (int k = 0; k < n; ++k) {
          EXPECT_TRUE(fd_agrees(d[k], fd_two_steps(h, logits.data(), k, 4e-3f), 6e-4)) << k;
        }
      }
    }
  }
}

// --- batched MLP --------------------------------------------------------------------------------

TEST(MlpBackward, ForwardMatchesSingleRowKernel) {
  Rng rng(21, RngPurpose::kInit, 0, 0);
  const MlpShape s = mlp_shape(5, {7, 3, 64}, 4);
  const std::vector<float> p = random_mlp_params(s, rng);
  const int rows = 6;
  std::vector<float> x(rows * s.in);
  for (float& v : x)
    v = uniform(rng, -2, 2);
  MlpActivations acts;
  mlp_forward_batch(p.data(), s, x.data(), rows, &acts);
  ASSERT_EQ(acts.layers.size(), 4u);
  std::vector<float> y(s.out), scratch(2 * s.max_width());
  for (int r = 0; r < rows; ++r) {
    mlp_forward_row(p.data(), s, &x[r * s.in], y.data(), scratch.data());
    for (int o = 0; o < s.out; ++o)
      EXPECT_NEAR(acts.layers.back()[r * s.out + o], y[o], 1e-5);
  }
  // hidden activations are tanh'd
  for (float a : acts.layers[0])
    EXPECT_LE(std::fabs(a), 1.0f);
}

// L = sum_{r,o} c[r,o] y[r,o] with fixed random c: d_out = c
void check_mlp_backward(const MlpShape& s, int rows, uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << "in " << s.in << " hidden " << s.num_hidden << " out "
                                    << s.out << " rows " << rows);
  Rng rng(seed, RngPurpose::kInit, 0, 0);
  std::vector<float> p = random_mlp_params(s, rng);
  std::vector<float> x(static_cast<size_t>(rows) * s.in), c(static_cast<size_t>(rows) * s.out);
  for (float& v : x)
    v = uniform(rng, -1.5f, 1.5f);
  for (float& v : c)
    v = uniform(rng, -1, 1);

  MlpActivations acts;
  mlp_forward_batch(p.data(), s, x.data(), rows, &acts);
  std::vector<float> d_out = c;
  // the backward adds into grad: start from a known offset
  std::vector<float> grad(p.size(), 0.25f);
  mlp_backward_batch(p.data(), s, x.data(), rows, acts, &d_out, grad.data());
  for (float& g : grad)
    g -= 0.25f;

  auto loss = [&] {
    MlpActivations a;
    mlp_forward_batch(p.data(), s, x.data(), rows, &a);
    double l = 0.0;
    for (size_t k = 0; k < c.size(); ++k)
      l += double{c[k]} * a.layers.back()[k];
    return l;
  };
  double scale = 0.0;
  for (float g : grad)
    scale = std::max(scale, double{std::fabs(g)});
  // every bias, and all weights of small nets or a fixed sample of 400 of large ones
  std::vector<int64_t> coords;
  const int64_t n = static_cast<int64_t>(p.size());
  if (n <= 600) {
    for (int64_t k = 0; k < n; ++k)
      coords.push_back(k);
  } else {
    for (int l = 0; l < s.num_layers(); ++l) {
      for (int o = 0; o < s.layer_out(l); ++o)
        coords.push_back(s.bias_offset(l) + o);
      // first and last weight of every layer, then random ones
      coords.push_back(s.weight_offset(l));
      coords.push_back(s.bias_offset(l) - 1);
    }
    for (int k = 0; k < 400; ++k)
      coords.push_back(rng.next_u32() % n);
  }
  int failures = 0;
  for (int64_t k : coords) {
    const FdResult fd = fd_two_steps(loss, p.data(), k, 1e-2f);
    const ::testing::AssertionResult ok = fd_agrees(grad[k], fd, 3e-3, 0.1 * scale);
    if (!ok && ++failures <= 5) ADD_FAILURE() << "param " << k << ": " << ok.message();
  }
  EXPECT_EQ(failures, 0);
}

TEST(MlpBackward, FiniteDifferencesOneToFourHiddenLayers) {
  check_mlp_backward(mlp_shape(1, {1}, 1), 3, 1);
  check_mlp_backward(mlp_shape(3, {64}, 2), 4, 2);
  check_mlp_backward(mlp_shape(4, {5, 9}, 1), 5, 3);
  check_mlp_backward(mlp_shape(2, {1, 3}, 3), 2, 4);
  check_mlp_backward(mlp_shape(6, {16, 16, 16}, 4), 3, 5);
  check_mlp_backward(mlp_shape(8, {64, 64}, 3), 3, 6);
  check_mlp_backward(mlp_shape(3, {64, 32, 8, 1}, 2), 3, 7);
  check_mlp_backward(mlp_shape(5, {7, 64, 2, 33}, 6), 4, 8);
  check_mlp_backward(mlp_shape(17, {}, 3), 4, 9);  // no hidden layer: plain linear
}

}  // namespace
}  // namespace stampede
