// The CPU learner around the loss: the epoch shuffle, ppo_update_cpu (Adam wiring with gradient
// clipping, the adaptive-KL rule, non-finite detection, loss going down), mean_kl_cpu,
// explained_variance, and the initial parameters (orthogonal init).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "host/backend.hpp"
#include "host/config.hpp"
#include "host/cpu/mlp_cpu.hpp"
#include "host/cpu/update_cpu.hpp"
#include "ppo/adam.hpp"
#include "ppo/distributions.hpp"
#include "ppo/policy_layout.hpp"

namespace stampede {
namespace {

// --- shuffle ------------------------------------------------------------------------------------

TEST(Shuffle, IsAPermutation) {
  for (int64_t count : {0, 1, 2, 17, 1000}) {
    std::vector<int32_t> perm;
    shuffle_indices(7, 3, count, &perm);
    ASSERT_EQ(static_cast<int64_t>(perm.size()), count);
    std::vector<int32_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t k = 0; k < count; ++k)
      EXPECT_EQ(sorted[k], k);
  }
}

TEST(Shuffle, DeterministicPerSeedAndCounter) {
  std::vector<int32_t> a, b, c, d;
  shuffle_indices(42, 5, 512, &a);
  shuffle_indices(42, 5, 512, &b);
  EXPECT_EQ(a, b);
  shuffle_indices(42, 6, 512, &c);
  shuffle_indices(43, 5, 512, &d);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  // not merely rotated: most positions differ, and the order is not the identity
  int same_c = 0, same_d = 0, fixed = 0;
  for (int k = 0; k < 512; ++k) {
    same_c += a[k] == c[k];
    same_d += a[k] == d[k];
    fixed += a[k] == k;
  }
  EXPECT_LT(same_c, 20);
  EXPECT_LT(same_d, 20);
  EXPECT_LT(fixed, 20);
}

// --- explained variance -------------------------------------------------------------------------

TEST(PpoUpdate, ExplainedVariance) {
  const std::vector<float> ret = {1.0f, 2.0f, 3.0f, 4.0f};
  EXPECT_NEAR(explained_variance(ret, ret), 1.0f, 1e-7);
  // errors [0, 0, 0, -1]: var 0.1875 against var(ret) 1.25 -> 1 - 0.15
  EXPECT_NEAR(explained_variance({1.0f, 2.0f, 3.0f, 5.0f}, ret), 0.85f, 1e-6);
  // a constant prediction explains nothing, a constant offset everything
  EXPECT_NEAR(explained_variance({7.0f, 7.0f, 7.0f, 7.0f}, ret), 0.0f, 1e-6);
  EXPECT_NEAR(explained_variance({0.0f, 1.0f, 2.0f, 3.0f}, ret), 1.0f, 1e-6);
  EXPECT_EQ(explained_variance({1.0f, 2.0f}, {3.0f, 3.0f}), 0.0f);  // no variance to explain
}

// --- a synthetic rollout collected by the initial policy ----------------------------------------

struct UpdateCase {
  TrainConfig config;
  PolicyLayout layout;
  RolloutBuffer rollout;
  LearnerState learner;
  std::vector<float> old_log_std;
};

UpdateCase make_case(const std::string& env, const std::string& objective, uint64_t seed) {
  UpdateCase u;
  TrainConfig& c = u.config;
  c.env = Task(env);
  c.objective = objective;
  c.seed = seed;
  c.num_envs = 4;
  c.num_steps = 32;
  c.minibatch_size = 32;
  c.epochs = 4;
  c.actor_hidden = {16, 16};
  c.critic_hidden = {16, 16};
  c.learning_rate = 3e-3f;
  c.ent_coef = 0.0f;
  u.layout = make_policy_layout(c);
  const PolicyLayout& l = u.layout;
  const TrainState s = initial_train_state(c);
  u.learner.params = s.params;
  u.learner.adam_m.assign(s.params.size(), 0.0f);
  u.learner.adam_v.assign(s.params.size(), 0.0f);
  u.learner.beta = s.beta;
  if (!l.discrete()) {
    const float* ls = s.params.data() + l.log_std_offset();
    u.old_log_std.assign(ls, ls + l.act_dim);
  }

  RolloutBuffer& r = u.rollout;
  const int head = l.head_dim();
  r.resize({c.num_steps, c.num_envs, l.obs_dim, l.act_dim, head});
  Rng rng(seed, RngPurpose::kAction, 0, 0);
  for (float& o : r.obs)
    o = rng.uniform(-1.5f, 1.5f);
  const int rows = static_cast<int>(r.size());
  MlpActivations a, v;
  mlp_forward_batch(s.params.data() + l.actor_offset(), l.actor, r.obs.data(), rows, &a);
  mlp_forward_batch(s.params.data() + l.critic_offset(), l.critic, r.obs.data(), rows, &v);
  for (int k = 0; k < rows; ++k) {
    const float* h = &a.layers.back()[static_cast<size_t>(k) * head];
    const float* obs = &r.obs[static_cast<size_t>(k) * l.obs_dim];
    float quality;  // a reward that depends on the action, so the policy has something to learn
    if (l.discrete()) {
      float* lp = &r.dist[static_cast<size_t>(k) * head];
      log_softmax(h, head, lp);
      const int act = categorical_sample(lp, head, rng.uniform());
      r.actions[k] = static_cast<float>(act);
      r.logp[k] = lp[act];
      quality = (act == 1) == (obs[0] > 0.0f) ? 1.0f : -1.0f;
    } else {
      const float* ls = u.old_log_std.data();
      for (int j = 0; j < head; ++j) {
        r.dist[static_cast<size_t>(k) * head + j] = h[j];
        r.actions[static_cast<size_t>(k) * l.act_dim + j] = h[j] + std::exp(ls[j]) * rng.normal();
      }
      r.logp[k] = gaussian_log_prob(h, ls, &r.actions[static_cast<size_t>(k) * l.act_dim], head);
      quality = -std::fabs(r.actions[static_cast<size_t>(k) * l.act_dim] - obs[0]);
    }
    r.values[k] = v.layers.back()[k];
    r.rewards[k] = quality + 0.5f * obs[1];
    const float end = rng.uniform();
    r.terminated[k] = end < 0.03f;
    r.truncated[k] = end >= 0.03f && end < 0.05f;
    r.trunc_values[k] = r.truncated[k] ? rng.uniform(-1.0f, 1.0f) : 0.0f;
  }
  for (float& x : r.last_values)
    x = rng.uniform(-1.0f, 1.0f);
  compute_advantages_cpu(&r, c.gamma, c.gae_lambda);
  return u;
}

// the loss over the whole batch as one minibatch, at `params`
double batch_loss(const UpdateCase& u, const std::vector<float>& params, float beta,
                  LossTerms* terms = nullptr) {
  const int rows = static_cast<int>(u.rollout.size());
  std::vector<int32_t> index(rows);
  std::iota(index.begin(), index.end(), 0);
  std::vector<float> grad(params.size(), 0.0f);
  const LossTerms t = minibatch_loss_grad(
      u.config, u.layout, u.rollout, index.data(), rows, params.data(),
      u.old_log_std.empty() ? nullptr : u.old_log_std.data(), beta, grad.data());
  if (terms) *terms = t;
  return (-t.surrogate + u.config.vf_coef * t.value_loss - u.config.ent_coef * t.entropy) / rows;
}

// --- mean KL ------------------------------------------------------------------------------------

TEST(PpoUpdate, MeanKlIsZeroForTheCollectingPolicyAndAveragesPerSampleKl) {
  for (const char* env : {"cartpole", "pendulum"}) {
    SCOPED_TRACE(env);
    UpdateCase u = make_case(env, "clip", 3);
    const std::vector<float>& p = u.learner.params;
    const float* ols = u.old_log_std.empty() ? nullptr : u.old_log_std.data();
    EXPECT_NEAR(mean_kl_cpu(u.layout, u.rollout, p.data(), ols), 0.0, 1e-7);
    // move the actor and the log-std, then compare against per-row KL in double
    std::vector<float> q = p;
    Rng rng(5, RngPurpose::kInit, 3, 0);
    for (int64_t k = 0; k < u.layout.critic_offset(); ++k)
      q[k] += rng.uniform(-0.05f, 0.05f);
    const int head = u.layout.head_dim();
    std::vector<float> h(head), lp(head), scratch(2 * u.layout.actor.max_width());
    double sum = 0.0;
    for (int64_t k = 0; k < u.rollout.size(); ++k) {
      mlp_forward_row(q.data(), u.layout.actor, &u.rollout.obs[k * u.layout.obs_dim], h.data(),
                      scratch.data());
      const float* old = &u.rollout.dist[k * head];
      for (int j = 0; j < head; ++j) {
        if (u.layout.discrete()) {
          log_softmax(h.data(), head, lp.data());
          sum += std::exp(double{old[j]}) * (double{old[j]} - lp[j]);
        } else {
          const double s = std::exp(double{q[u.layout.log_std_offset() + j]});
          const double so = std::exp(double{ols[j]});
          const double d = double{h[j]} - old[j];
          sum += std::log(s / so) + (so * so + d * d) / (2 * s * s) - 0.5;
        }
      }
    }
    const double ref = sum / u.rollout.size();
    const double kl = mean_kl_cpu(u.layout, u.rollout, q.data(), ols);
    EXPECT_GT(ref, 1e-5);
    EXPECT_NEAR(kl, ref, 1e-3 * ref + 1e-8);
  }
}

// the KL pass runs in chunks of 4096 rows; a batch of 4100 crosses a chunk boundary
TEST(PpoUpdate, MeanKlAcrossChunks) {
  TrainConfig c;
  c.env = Task("cartpole");
  c.actor_hidden = {4};
  c.critic_hidden = {4};
  const PolicyLayout l = make_policy_layout(c);
  RolloutBuffer r;
  r.resize({1025, 4, l.obs_dim, l.act_dim, l.head_dim()});
  Rng rng(9, RngPurpose::kInit, 0, 0);
  std::vector<float> p(l.num_params());
  for (float& x : p)
    x = rng.uniform(-1.0f, 1.0f);
  for (float& o : r.obs)
    o = rng.uniform(-2.0f, 2.0f);
  const float uniform_lp = std::log(0.5f);
  std::fill(r.dist.begin(), r.dist.end(), uniform_lp);
  double sum = 0.0;
  std::vector<float> h(2), lp(2), scratch(2 * l.actor.max_width());
  for (int64_t k = 0; k < r.size(); ++k) {
    mlp_forward_row(p.data(), l.actor, &r.obs[k * l.obs_dim], h.data(), scratch.data());
    log_softmax(h.data(), 2, lp.data());
    sum += categorical_kl(&r.dist[k * 2], lp.data(), 2, nullptr);
  }
  EXPECT_NEAR(mean_kl_cpu(l, r, p.data(), nullptr), sum / r.size(), 1e-6);
}

// --- one Adam step through ppo_update_cpu -------------------------------------------------------

// one epoch, one minibatch holding the whole batch: the update must be exactly one Adam step on
// the clipped minibatch gradient, and the statistics those of the starting parameters
TEST(PpoUpdate, OneMinibatchIsOneClippedAdamStep) {
  for (const char* env : {"cartpole", "pendulum"}) {
    SCOPED_TRACE(env);
    UpdateCase u = make_case(env, "clip", 11);
    u.config.epochs = 1;
    u.config.minibatch_size = static_cast<int>(u.rollout.size());
    u.config.max_grad_norm = 0.01f;  // small enough that Adam's eps makes clipping visible
    u.config.value_clip = 0.2f;
    const std::vector<float> p0 = u.learner.params;
    LossTerms t0;
    batch_loss(u, p0, u.learner.beta, &t0);
    std::vector<float> grad(p0.size(), 0.0f);
    {
      std::vector<int32_t> index(u.rollout.size());
      std::iota(index.begin(), index.end(), 0);
      minibatch_loss_grad(
          u.config, u.layout, u.rollout, index.data(), static_cast<int>(index.size()), p0.data(),
          u.old_log_std.empty() ? nullptr : u.old_log_std.data(), u.learner.beta, grad.data());
    }
    double sq = 0.0;
    for (float g : grad)
      sq += double{g} * g;
    const double norm = std::sqrt(sq);
    ASSERT_GT(norm, 0.1);  // clipping is active
    const double scale = u.config.max_grad_norm / (norm + 1e-6);

    const float lr = 1e-3f;
    const IterationStats st = ppo_update_cpu(u.config, u.layout, u.rollout, 0, lr, &u.learner);
    ASSERT_EQ(st.nonfinite, 0);
    EXPECT_EQ(u.learner.adam_step, 1);
    // first Adam step: p -= lr * g / (|g| + eps) with g the clipped gradient
    int moved_less_than_lr = 0;
    for (size_t k = 0; k < p0.size(); ++k) {
      const double g = grad[k] * scale;
      const double expected = p0[k] - lr * g / (std::fabs(g) + u.config.adam_eps);
      EXPECT_NEAR(u.learner.params[k], expected, 2e-6 * lr + 1e-7 * std::fabs(p0[k])) << k;
      moved_less_than_lr += std::fabs(g) > 0 && std::fabs(u.learner.params[k] - p0[k]) < 0.5 * lr;
    }
    EXPECT_GT(moved_less_than_lr, 10);  // the eps effect that only clipping produces here
    const double rows = static_cast<double>(u.rollout.size());
    EXPECT_NEAR(st.grad_norm, norm, 1e-5 * norm);
    EXPECT_NEAR(st.policy_loss, -t0.surrogate / rows, 1e-6);
    EXPECT_NEAR(st.value_loss, t0.value_loss / rows, 1e-5 * st.value_loss);
    EXPECT_NEAR(st.entropy, t0.entropy / rows, 1e-5);
    EXPECT_EQ(st.clip_frac, 0.0f);  // the rollout's own policy: every ratio is 1
    EXPECT_NEAR(st.kl,
                mean_kl_cpu(u.layout, u.rollout, u.learner.params.data(),
                            u.old_log_std.empty() ? nullptr : u.old_log_std.data()),
                1e-9);
    EXPECT_GT(st.kl, 0.0f);
    EXPECT_EQ(st.explained_var, explained_variance(u.rollout.values, u.rollout.returns));
    EXPECT_EQ(st.beta, u.learner.beta);
  }
}

// --- the adaptive KL rule -----------------------------------------------------------------------

TEST(PpoUpdate, AdaptiveBetaHalvesWhenKlIsSmall) {
  for (const char* env : {"cartpole", "pendulum"}) {
    UpdateCase u = make_case(env, "kl_adaptive", 21);
    u.config.kl_target = 0.01f;
    u.learner.beta = 1.0f;
    const IterationStats st = ppo_update_cpu(u.config, u.layout, u.rollout, 0, 1e-8f, &u.learner);
    ASSERT_EQ(st.nonfinite, 0);
    EXPECT_LT(st.kl, 0.01f / 1.5f) << env;
    EXPECT_EQ(u.learner.beta, 0.5f) << env;
    EXPECT_EQ(st.beta, 0.5f) << env;
    // and again on the next iteration
    ppo_update_cpu(u.config, u.layout, u.rollout, 1, 1e-8f, &u.learner);
    EXPECT_EQ(u.learner.beta, 0.25f) << env;
  }
}

TEST(PpoUpdate, AdaptiveBetaDoublesWhenKlIsLarge) {
  for (const char* env : {"cartpole", "pendulum"}) {
    UpdateCase u = make_case(env, "kl_adaptive", 22);
    u.config.kl_target = 0.01f;
    u.learner.beta = 1.0f;
    const IterationStats st = ppo_update_cpu(u.config, u.layout, u.rollout, 0, 0.05f, &u.learner);
    ASSERT_EQ(st.nonfinite, 0);
    EXPECT_GT(st.kl, 0.01f * 1.5f) << env;
    EXPECT_EQ(u.learner.beta, 2.0f) << env;
    EXPECT_EQ(st.beta, 2.0f) << env;
  }
}

TEST(PpoUpdate, AdaptiveBetaKeptInsideTheBand) {
  // measure the KL one update produces, then put d_targ there: d_targ / 1.5 < d < 1.5 d_targ
  UpdateCase u = make_case("pendulum", "kl_adaptive", 23);
  u.learner.beta = 1.0f;
  LearnerState probe = u.learner;
  const IterationStats st0 = ppo_update_cpu(u.config, u.layout, u.rollout, 0, 1e-3f, &probe);
  ASSERT_GT(st0.kl, 0.0f);
  u.config.kl_target = st0.kl;
  const IterationStats st = ppo_update_cpu(u.config, u.layout, u.rollout, 0, 1e-3f, &u.learner);
  EXPECT_EQ(st.kl, st0.kl);  // deterministic
  EXPECT_EQ(u.learner.beta, 1.0f);
  // just outside either edge the rule fires
  UpdateCase lo = make_case("pendulum", "kl_adaptive", 23);
  lo.learner.beta = 1.0f;
  lo.config.kl_target = st0.kl * 1.6f;  // d < d_targ / 1.5
  ppo_update_cpu(lo.config, lo.layout, lo.rollout, 0, 1e-3f, &lo.learner);
  EXPECT_EQ(lo.learner.beta, 0.5f);
  UpdateCase hi = make_case("pendulum", "kl_adaptive", 23);
  hi.learner.beta = 1.0f;
  hi.config.kl_target = st0.kl / 1.6f;  // d > 1.5 d_targ
  ppo_update_cpu(hi.config, hi.layout, hi.rollout, 0, 1e-3f, &hi.learner);
  EXPECT_EQ(hi.learner.beta, 2.0f);
}

TEST(PpoUpdate, OtherObjectivesKeepBeta) {
  for (const char* obj : {"kl_fixed", "clip", "none"}) {
    for (float lr : {1e-8f, 0.05f}) {  // KL far below and far above the adaptive band
      UpdateCase u = make_case("cartpole", obj, 24);
      u.learner.beta = 0.7f;
      const IterationStats st = ppo_update_cpu(u.config, u.layout, u.rollout, 0, lr, &u.learner);
      ASSERT_EQ(st.nonfinite, 0);
      EXPECT_EQ(u.learner.beta, 0.7f) << obj << " lr " << lr;
      EXPECT_EQ(st.beta, 0.7f) << obj << " lr " << lr;
    }
  }
}

// --- non-finite detection -----------------------------------------------------------------------

TEST(PpoUpdate, NanInAdvantagesIsReported) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (bool norm_adv : {true, false}) {
    for (const char* env : {"cartpole", "pendulum"}) {
      SCOPED_TRACE(::testing::Message() << env << " norm_adv " << norm_adv);
      // every advantage NaN: the very first minibatch stops the update before Adam runs
      UpdateCase u = make_case(env, "clip", 31);
      u.config.norm_adv = norm_adv;
      std::fill(u.rollout.advantages.begin(), u.rollout.advantages.end(), nan);
      const std::vector<float> before = u.learner.params;
      IterationStats st = ppo_update_cpu(u.config, u.layout, u.rollout, 0, 1e-3f, &u.learner);
      EXPECT_EQ(st.nonfinite, 1);
      EXPECT_EQ(u.learner.adam_step, 0);
      EXPECT_EQ(u.learner.params, before);
      // a single NaN somewhere in the batch is found too
      UpdateCase w = make_case(env, "clip", 31);
      w.config.norm_adv = norm_adv;
      w.rollout.advantages[77] = nan;
      st = ppo_update_cpu(w.config, w.layout, w.rollout, 0, 1e-3f, &w.learner);
      EXPECT_EQ(st.nonfinite, 1);
    }
  }
}

TEST(PpoUpdate, NonFiniteParametersAreReported) {
  for (const char* env : {"cartpole", "pendulum"}) {
    SCOPED_TRACE(env);
    // NaN in a critic weight, an actor weight, and (continuous) the log-std
    std::vector<int64_t> where;
    UpdateCase probe = make_case(env, "clip", 32);
    where.push_back(probe.layout.critic_offset() + 3);
    where.push_back(probe.layout.actor_offset() + 5);
    if (!probe.layout.discrete()) where.push_back(probe.layout.log_std_offset());
    for (int64_t k : where) {
      for (float bad :
           {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        UpdateCase u = make_case(env, "clip", 32);
        u.learner.params[k] = bad;
        const IterationStats st =
            ppo_update_cpu(u.config, u.layout, u.rollout, 0, 1e-3f, &u.learner);
        EXPECT_EQ(st.nonfinite, 1) << "param " << k << " value " << bad;
      }
    }
    // a clean case reports nothing
    UpdateCase ok = make_case(env, "clip", 32);
    EXPECT_EQ(ppo_update_cpu(ok.config, ok.layout, ok.rollout, 0, 1e-3f, &ok.learner).nonfinite, 0);
  }
}

// --- learning on a fixed batch ------------------------------------------------------------------

TEST(PpoUpdate, EpochsOnAFixedBatchReduceTheLoss) {
  for (const char* env : {"cartpole", "pendulum"}) {
    for (const char* obj : {"clip", "kl_adaptive", "kl_fixed", "none"}) {
      for (float value_clip : {0.0f, 0.2f}) {
        SCOPED_TRACE(::testing::Message() << env << " " << obj << " value_clip " << value_clip);
        UpdateCase u = make_case(env, obj, 41);
        u.config.epochs = 8;
        u.config.minibatch_size = 32;
        u.config.value_clip = value_clip;
        const float beta = u.learner.beta;
        LossTerms before_terms, after_terms;
        const double before = batch_loss(u, u.learner.params, beta, &before_terms);
        const IterationStats st =
            ppo_update_cpu(u.config, u.layout, u.rollout, 0, 3e-3f, &u.learner);
        ASSERT_EQ(st.nonfinite, 0);
        const double after = batch_loss(u, u.learner.params, beta, &after_terms);
        // both halves improve: the policy surrogate rises, the value error falls (a clipped value
        // loss can fall only as far as the 0.2 band around the rollout's values lets it)
        EXPECT_GT(after_terms.surrogate, before_terms.surrogate + 0.5);
        if (value_clip > 0.0f) {
          EXPECT_LT(after, before - 0.02 * std::fabs(before));
          EXPECT_LT(after_terms.value_loss, 0.99 * before_terms.value_loss);
        } else {
          EXPECT_LT(after, before - 0.05 * std::fabs(before));
          EXPECT_LT(after_terms.value_loss, 0.95 * before_terms.value_loss);
        }
      }
    }
  }
}

TEST(PpoUpdate, DeterministicAndShuffledByIteration) {
  UpdateCase a = make_case("pendulum", "clip", 51), b = make_case("pendulum", "clip", 51),
             c = make_case("pendulum", "clip", 51);
  ppo_update_cpu(a.config, a.layout, a.rollout, 4, 1e-3f, &a.learner);
  ppo_update_cpu(b.config, b.layout, b.rollout, 4, 1e-3f, &b.learner);
  ppo_update_cpu(c.config, c.layout, c.rollout, 5, 1e-3f, &c.learner);
  EXPECT_EQ(a.learner.params, b.learner.params);
  EXPECT_EQ(a.learner.adam_m, b.learner.adam_m);
  EXPECT_EQ(a.learner.adam_v, b.learner.adam_v);
  EXPECT_EQ(a.learner.adam_step, 4 * 128 / 32);
  EXPECT_NE(a.learner.params, c.learner.params);  // another iteration draws other minibatches
}

// --- initial parameters -------------------------------------------------------------------------

// W [out, in] scaled by `gain` has orthonormal rows (out <= in) or columns (out > in)
void expect_orthogonal(const float* w, int out, int in, double gain, const std::string& what) {
  const bool rows = out <= in;
  const int count = rows ? out : in;
  double worst = 0.0;
  for (int a = 0; a < count; ++a) {
    for (int b = 0; b <= a; ++b) {
      double dot = 0.0;
      const int length = rows ? in : out;
      for (int k = 0; k < length; ++k) {
        const double x = rows ? w[a * in + k] : w[k * in + a];
        const double y = rows ? w[b * in + k] : w[k * in + b];
        dot += x * y;
      }
      const double expected = a == b ? gain * gain : 0.0;
      worst = std::max(worst, std::fabs(dot - expected) / (gain * gain));
    }
  }
  EXPECT_LT(worst, 1e-5) << what << " [" << out << " x " << in << "]";
}

void expect_initialised_mlp(const float* p, const MlpShape& s, double output_gain,
                            const std::string& what) {
  for (int l = 0; l < s.num_layers(); ++l) {
    const bool last = l == s.num_hidden;
    expect_orthogonal(p + s.weight_offset(l), s.layer_out(l), s.layer_in(l),
                      last ? output_gain : std::sqrt(2.0), what + " layer " + std::to_string(l));
    for (int o = 0; o < s.layer_out(l); ++o) {
      EXPECT_EQ(p[s.bias_offset(l) + o], 0.0f) << what << " bias " << l << "," << o;
    }
  }
}

TEST(InitTrainState, OrthogonalWeightsZeroBiasesAndLogStd) {
  struct Case {
    const char* env;
    std::vector<int> actor, critic;
  };
  for (const Case& c : {Case{"cartpole", {64, 64}, {64, 64}}, Case{"pendulum", {32, 8, 3}, {5}},
                        Case{"acrobot", {2, 64, 16, 7}, {64}}}) {
    SCOPED_TRACE(c.env);
    TrainConfig config;
    config.env = Task(c.env);
    config.actor_hidden = c.actor;
    config.critic_hidden = c.critic;
    config.init_log_std = -0.5f;
    config.kl_beta = 3.0f;
    config.seed = 17;
    const PolicyLayout l = make_policy_layout(config);
    const TrainState s = initial_train_state(config);
    ASSERT_EQ(static_cast<int64_t>(s.params.size()), l.num_params());
    // actor output layer at gain 0.01 (CleanRL's policy head), critic output at gain 1
    expect_initialised_mlp(s.params.data() + l.actor_offset(), l.actor, 0.01, "actor");
    expect_initialised_mlp(s.params.data() + l.critic_offset(), l.critic, 1.0, "critic");
    if (!l.discrete()) {
      for (int j = 0; j < l.act_dim; ++j)
        EXPECT_EQ(s.params[l.log_std_offset() + j], -0.5f);
    }
    EXPECT_EQ(s.beta, 3.0f);
    EXPECT_EQ(s.adam_m, std::vector<float>(s.params.size(), 0.0f));
    EXPECT_EQ(s.adam_v, std::vector<float>(s.params.size(), 0.0f));
    EXPECT_EQ(s.adam_step, 0);
  }
}

TEST(InitTrainState, SeedDeterminesParameters) {
  TrainConfig config;
  config.env = Task("pendulum");
  config.seed = 5;
  const TrainState a = initial_train_state(config), b = initial_train_state(config);
  EXPECT_EQ(a.params, b.params);
  config.seed = 6;
  const TrainState c = initial_train_state(config);
  ASSERT_EQ(a.params.size(), c.params.size());
  int differ = 0, weights = 0;
  for (size_t k = 0; k < a.params.size(); ++k) {
    if (a.params[k] == 0.0f && c.params[k] == 0.0f) continue;  // biases
    ++weights;
    differ += a.params[k] != c.params[k];
  }
  EXPECT_GT(weights, 1000);
  EXPECT_GT(differ, weights * 9 / 10);  // log_std (equal by design) aside, all differ
  // actor and critic are drawn from one stream but are not copies of each other
  const PolicyLayout l = make_policy_layout(config);
  EXPECT_NE(a.params[l.actor_offset()], a.params[l.critic_offset()]);
}

}  // namespace
}  // namespace stampede
