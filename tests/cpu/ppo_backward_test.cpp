// Finite-difference checks of every analytic backward pass of the CPU reference: the action
// distributions' derivatives, the batched MLP backward, and the whole minibatch loss gradient for
// all four objectives on discrete and continuous layouts. Central differences are taken at two
// step sizes h and h/2; the two must agree (a kink or a badly chosen step would separate them)
// before the analytic gradient is compared with the smaller-step estimate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "envs/core/rng.hpp"
#include "host/backend.hpp"
#include "host/config.hpp"
#include "host/cpu/mlp_cpu.hpp"
#include "host/cpu/update_cpu.hpp"
#include "host/ppo/distributions.hpp"
#include "host/ppo/policy_layout.hpp"
#include "host/ppo/ppo_loss.hpp"

namespace stampede {
namespace {

// central difference of f() with respect to x[i]; divides by the step float can represent
template <class F>
double central_diff(F&& f, float* x, int64_t i, float h) {
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
FdResult fd_two_steps(F&& f, float* x, int64_t i, float h) {
  return {central_diff(f, x, i, h), central_diff(f, x, i, 0.5f * h)};
}

// analytic vs the finite difference, tolerance relative to max(1, |d|) scaled by `scale`
// (the typical gradient magnitude, so tiny entries are compared at the precision float allows)
::testing::AssertionResult fd_agrees(double analytic, const FdResult& fd, double tol,
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

float uniform(Rng& rng, float lo, float hi) {
  return rng.uniform(lo, hi);
}

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

MlpShape mlp_shape(int in, std::vector<int> hidden, int out) {
  MlpShape s;
  s.in = in;
  s.out = out;
  s.num_hidden = static_cast<int>(hidden.size());
  for (size_t l = 0; l < hidden.size(); ++l)
    s.hidden[l] = hidden[l];
  return s;
}

std::vector<float> random_mlp_params(const MlpShape& s, Rng& rng) {
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

// --- the full minibatch loss gradient -----------------------------------------------------------

struct Fixture {
  TrainConfig config;
  PolicyLayout layout;
  RolloutBuffer rollout;
  std::vector<float> params, old_log_std;
  std::vector<int32_t> index;
};

// A synthetic rollout whose stored quantities put every sample away from a kink: log-ratios
// from {-0.5, -0.08, 0.07, 0.5} (clip band edges at log 0.8 and log 1.2), value offsets from
// {-0.5, -0.1, 0.1, 0.5} around a value clip of 0.2, and returns kept 0.1 away from where the
// clipped and unclipped value errors tie.
Fixture make_fixture(const PolicyLayout& layout, const TrainConfig& config, uint64_t seed) {
  Fixture f;
  f.config = config;
  f.layout = layout;
  Rng rng(seed, RngPurpose::kInit, 1, 0);
  const int steps = 4, envs = 5, head = layout.head_dim();
  f.rollout.resize(steps, envs, layout.obs_dim, layout.act_dim, head);
  RolloutBuffer& r = f.rollout;
  const int64_t batch = r.size();

  f.params.resize(layout.num_params());
  const std::vector<float> actor = random_mlp_params(layout.actor, rng);
  const std::vector<float> critic = random_mlp_params(layout.critic, rng);
  std::copy(actor.begin(), actor.end(), f.params.begin() + layout.actor_offset());
  std::copy(critic.begin(), critic.end(), f.params.begin() + layout.critic_offset());
  if (!layout.discrete()) {
    for (int j = 0; j < layout.act_dim; ++j) {
      f.params[layout.log_std_offset() + j] = uniform(rng, -0.7f, 0.2f);
      f.old_log_std.push_back(f.params[layout.log_std_offset() + j] + uniform(rng, -0.2f, 0.2f));
    }
  }
  for (float& o : r.obs)
    o = uniform(rng, -1.5f, 1.5f);

  MlpActivations acts, vacts;
  mlp_forward_batch(f.params.data() + layout.actor_offset(), layout.actor, r.obs.data(),
                    static_cast<int>(batch), &acts);
  mlp_forward_batch(f.params.data() + layout.critic_offset(), layout.critic, r.obs.data(),
                    static_cast<int>(batch), &vacts);
  const float log_ratios[] = {-0.5f, -0.08f, 0.07f, 0.5f};
  const float value_offsets[] = {-0.5f, -0.1f, 0.1f, 0.5f};
  for (int64_t k = 0; k < batch; ++k) {
    const float* h = &acts.layers.back()[k * head];
    float logp = 0.0f;
    if (layout.discrete()) {
      std::vector<float> lp(head), old_logits(head);
      log_softmax(h, head, lp.data());
      const int a = static_cast<int>(rng.next_u32() % head);
      r.actions[k] = static_cast<float>(a);
      logp = lp[a];
      for (int j = 0; j < head; ++j)
        old_logits[j] = h[j] + uniform(rng, -0.4f, 0.4f);
      log_softmax(old_logits.data(), head, &r.dist[k * head]);
    } else {
      const float* ls = f.params.data() + layout.log_std_offset();
      for (int j = 0; j < head; ++j) {
        r.actions[k * head + j] = h[j] + uniform(rng, -1.5f, 1.5f) * std::exp(ls[j]);
        r.dist[k * head + j] = h[j] + uniform(rng, -0.3f, 0.3f);
      }
      logp = gaussian_log_prob(h, ls, &r.actions[k * head], head);
    }
    r.logp[k] = logp - log_ratios[k % 4];
    r.advantages[k] = uniform(rng, -2.0f, 2.0f);
    const float v = vacts.layers.back()[k];
    const float off = value_offsets[(k / 4) % 4];
    r.values[k] = v - off;  // V - V_old = off
    const float v_clip = r.values[k] + std::clamp(off, -0.2f, 0.2f);
    float ret;
    do {
      ret = v + uniform(rng, -1.0f, 1.0f);
    } while (std::fabs(ret - 0.5f * (v + v_clip)) < 0.1f && std::fabs(off) > 0.2f);
    r.returns[k] = ret;
  }
  // a shuffled subset of the batch, as the update uses it
  for (int64_t k = 0; k < batch; ++k)
    f.index.push_back(static_cast<int32_t>((k * 7 + 3) % batch));
  f.index.resize(16);
  return f;
}

double fixture_loss(const Fixture& f, const float* params, float beta, MinibatchTerms* out,
                    std::vector<float>* grad) {
  grad->assign(f.params.size(), 0.0f);
  const int rows = static_cast<int>(f.index.size());
  const MinibatchTerms t =
      minibatch_loss_grad(f.config, f.layout, f.rollout, f.index.data(), rows, params,
                          f.layout.discrete() ? nullptr : f.old_log_std.data(), beta, grad->data());
  if (out) *out = t;
  return (-t.surrogate + f.config.vf_coef * t.value_loss - f.config.ent_coef * t.entropy) / rows;
}

PolicyLayout small_layout(const std::string& env, std::vector<int> actor, std::vector<int> critic) {
  TrainConfig c;
  c.env = env;
  c.actor_hidden = std::move(actor);
  c.critic_hidden = std::move(critic);
  return make_policy_layout(c);
}

// a layout no registered task has: 3-component Gaussian on 5 observations
PolicyLayout wide_gaussian_layout() {
  PolicyLayout l;
  l.obs_dim = 5;
  l.act_dim = 3;
  l.num_actions = 0;
  l.actor = mlp_shape(5, {6, 4}, 3);
  l.critic = mlp_shape(5, {7}, 1);
  return l;
}

void check_minibatch_gradient(const PolicyLayout& layout, const std::string& objective,
                              bool norm_adv, float value_clip, uint64_t seed) {
  SCOPED_TRACE(::testing::Message()
               << "objective " << objective << " norm_adv " << norm_adv << " value_clip "
               << value_clip << " discrete " << layout.discrete() << " act_dim " << layout.act_dim);
  TrainConfig config;
  config.objective = objective;
  config.norm_adv = norm_adv;
  config.value_clip = value_clip;
  config.clip_eps = 0.2f;
  config.vf_coef = 0.7f;
  config.ent_coef = 0.03f;
  Fixture f = make_fixture(layout, config, seed);
  const float beta = 0.6f;

  MinibatchTerms terms;
  std::vector<float> grad, scratch;
  fixture_loss(f, f.params.data(), beta, &terms, &grad);
  // the fixture really exercises the branches it is meant to
  if (objective == "clip") {
    EXPECT_GE(terms.clipped, 6.0);
    EXPECT_LE(terms.clipped, 10.0);
  }
  EXPECT_GT(terms.kl, 0.0);

  auto loss = [&] { return fixture_loss(f, f.params.data(), beta, nullptr, &scratch); };
  double scale = 0.0;
  for (float g : grad)
    scale = std::max(scale, double{std::fabs(g)});
  ASSERT_GT(scale, 0.0);
  int failures = 0;
  for (int64_t k = 0; k < static_cast<int64_t>(f.params.size()); ++k) {
    const FdResult fd = fd_two_steps(loss, f.params.data(), k, 1e-2f);
    const ::testing::AssertionResult ok = fd_agrees(grad[k], fd, 4e-3, 0.1 * scale);
    if (!ok && ++failures <= 5) ADD_FAILURE() << "param " << k << ": " << ok.message();
  }
  EXPECT_EQ(failures, 0);

  // a directional derivative along a random direction through every parameter at once
  Rng rng(seed + 100, RngPurpose::kInit, 2, 0);
  std::vector<float> dir(f.params.size()), base = f.params;
  double dot = 0.0;
  for (size_t k = 0; k < dir.size(); ++k) {
    dir[k] = uniform(rng, -1, 1);
    dot += double{dir[k]} * grad[k];
  }
  auto along = [&](float t) {
    std::vector<float> p(base.size());
    for (size_t k = 0; k < p.size(); ++k)
      p[k] = base[k] + t * dir[k];
    return fixture_loss(f, p.data(), beta, nullptr, &scratch);
  };
  const double t = 1e-3;
  const double fd_dir = (along(t) - along(-t)) / (2 * t);
  EXPECT_NEAR(dot, fd_dir, 5e-3 * std::max(1.0, std::fabs(fd_dir)));
}

TEST(PpoBackward, MinibatchGradientCartPole) {
  const PolicyLayout layout = small_layout("cartpole", {6, 5}, {5, 4});
  ASSERT_TRUE(layout.discrete());
  uint64_t seed = 1;
  for (const char* obj : {"clip", "kl_adaptive", "kl_fixed", "none"}) {
    for (bool norm_adv : {false, true}) {
      for (float value_clip : {0.0f, 0.2f}) {
        check_minibatch_gradient(layout, obj, norm_adv, value_clip, seed++);
      }
    }
  }
}

TEST(PpoBackward, MinibatchGradientPendulum) {
  const PolicyLayout layout = small_layout("pendulum", {6, 5}, {8});
  ASSERT_FALSE(layout.discrete());
  ASSERT_EQ(layout.act_dim, 1);
  uint64_t seed = 50;
  for (const char* obj : {"clip", "kl_adaptive", "kl_fixed", "none"}) {
    for (bool norm_adv : {false, true}) {
      for (float value_clip : {0.0f, 0.2f}) {
        check_minibatch_gradient(layout, obj, norm_adv, value_clip, seed++);
      }
    }
  }
}

TEST(PpoBackward, MinibatchGradientMultiDimGaussian) {
  const PolicyLayout layout = wide_gaussian_layout();
  uint64_t seed = 90;
  for (const char* obj : {"clip", "kl_adaptive", "kl_fixed", "none"}) {
    check_minibatch_gradient(layout, obj, true, 0.2f, seed++);
  }
}

// the returned sums are sums over rows of the per-sample terms; the gradient is added into grad
TEST(PpoBackward, MinibatchTermsAndAccumulation) {
  const PolicyLayout layout = small_layout("pendulum", {6, 5}, {8});
  TrainConfig config;
  config.objective = "kl_fixed";
  config.value_clip = 0.0f;
  config.norm_adv = false;
  Fixture f = make_fixture(layout, config, 7);
  const int rows = static_cast<int>(f.index.size());
  std::vector<float> grad(f.params.size(), 0.0f), grad2(f.params.size(), 1.0f);
  const MinibatchTerms t =
      minibatch_loss_grad(config, layout, f.rollout, f.index.data(), rows, f.params.data(),
                          f.old_log_std.data(), 0.5f, grad.data());
  minibatch_loss_grad(config, layout, f.rollout, f.index.data(), rows, f.params.data(),
                      f.old_log_std.data(), 0.5f, grad2.data());
  for (size_t k = 0; k < grad.size(); ++k)
    EXPECT_FLOAT_EQ(grad2[k], grad[k] + 1.0f) << k;

  // value loss: 0.5 (V - R)^2 summed over rows
  MlpActivations v;
  std::vector<float> x;
  for (int32_t k : f.index) {
    for (int j = 0; j < layout.obs_dim; ++j)
      x.push_back(f.rollout.obs[k * layout.obs_dim + j]);
  }
  mlp_forward_batch(f.params.data() + layout.critic_offset(), layout.critic, x.data(), rows, &v);
  double value_loss = 0.0, entropy = 0.0;
  for (int m = 0; m < rows; ++m) {
    const double e = double{v.layers.back()[m]} - f.rollout.returns[f.index[m]];
    value_loss += 0.5 * e * e;
    entropy += gaussian_entropy(f.params.data() + layout.log_std_offset(), 1);
  }
  EXPECT_NEAR(t.value_loss, value_loss, 1e-4 * value_loss);
  EXPECT_NEAR(t.entropy, entropy, 1e-4 * std::fabs(entropy));
  // 8 of the 16 rows have |log r| = 0.5, outside the 0.2 band
  EXPECT_EQ(t.clipped, 8.0);
}

// per-minibatch advantage normalisation: (A - mean) / (unbiased std + 1e-8) over the minibatch's
// rows, as CleanRL's torch code does; checked through the plain surrogate sum r_i A_i
TEST(PpoBackward, MinibatchAdvantageNormalisation) {
  const PolicyLayout layout = small_layout("cartpole", {6, 5}, {5, 4});
  for (bool norm_adv : {false, true}) {
    TrainConfig config;
    config.objective = "none";
    config.norm_adv = norm_adv;
    Fixture f = make_fixture(layout, config, 8);
    const int rows = static_cast<int>(f.index.size());
    double mean = 0.0, sq = 0.0;
    for (int32_t k : f.index)
      mean += f.rollout.advantages[k];
    mean /= rows;
    for (int32_t k : f.index)
      sq += std::pow(f.rollout.advantages[k] - mean, 2);
    const double std = std::sqrt(sq / (rows - 1));
    const float log_ratios[] = {-0.5f, -0.08f, 0.07f, 0.5f};  // as make_fixture sets them
    double expected = 0.0;
    for (int32_t k : f.index) {
      const double a = f.rollout.advantages[k];
      expected += std::exp(double{log_ratios[k % 4]}) * (norm_adv ? (a - mean) / std : a);
    }
    std::vector<float> grad;
    MinibatchTerms t;
    fixture_loss(f, f.params.data(), 1.0f, &t, &grad);
    EXPECT_NEAR(t.surrogate, expected, 2e-5 * rows) << "norm_adv " << norm_adv;
  }
}

}  // namespace
}  // namespace stampede
