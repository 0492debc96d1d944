// Finite-difference checks of the whole minibatch loss gradient (minibatch_loss_grad) for all
// four objectives on discrete and continuous layouts, with and without advantage normalisation
// and value clipping. See finite_diff.hpp for the two-step-size method.
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
  f.rollout.resize({steps, envs, layout.obs_dim, layout.act_dim, head});
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

double fixture_loss(const Fixture& f, const float* params, float beta, LossTerms* out,
                    std::vector<float>* grad) {
  grad->assign(f.params.size(), 0.0f);
  const int rows = static_cast<int>(f.index.size());
  const LossTerms t =
      minibatch_loss_grad(f.config, f.layout, f.rollout, f.index.data(), rows, params,
                          f.layout.discrete() ? nullptr : f.old_log_std.data(), beta, grad->data());
  if (out) *out = t;
  return (-t.surrogate + f.config.vf_coef * t.value_loss - f.config.ent_coef * t.entropy) / rows;
}

PolicyLayout small_layout(const std::string& env, std::vector<int> actor, std::vector<int> critic) {
  TrainConfig c;
  c.env = Task(env);
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

  LossTerms terms;
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
  const LossTerms t = minibatch_loss_grad(config, layout, f.rollout, f.index.data(), rows,
                                          f.params.data(), f.old_log_std.data(), 0.5f, grad.data());
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
    LossTerms t;
    fixture_loss(f, f.params.data(), 1.0f, &t, &grad);
    EXPECT_NEAR(t.surrogate, expected, 2e-5 * rows) << "norm_adv " << norm_adv;
  }
}

}  // namespace
}  // namespace stampede
