// GAE(gamma, lambda) of the CPU reference against the definition, evaluated naively: for each t,
// A_t = sum_l (gamma lambda)^l delta_{t+l} up to and including the step that ends the episode,
// where delta bootstraps from V(s_{t+1}), from V(final obs) on truncation and from 0 on
// termination.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/rng.hpp"
#include "host/cpu/update_cpu.hpp"
#include "ppo/gae.hpp"
#include "support/rollouts.hpp"

namespace stampede {
namespace {

using testing::random_rollout;

// the naive double loop, in double precision
void naive_gae(const RolloutBuffer& r, double gamma, double lambda, std::vector<double>* adv,
               std::vector<double>* ret) {
  const int T = r.shape.steps, N = r.shape.num_envs;
  adv->assign(static_cast<size_t>(T) * N, 0.0);
  ret->assign(static_cast<size_t>(T) * N, 0.0);
  auto delta = [&](int t, int i) {
    const size_t k = static_cast<size_t>(t) * N + i;
    double next;
    if (r.terminated[k]) {
      next = 0.0;
    } else if (r.truncated[k]) {
      next = r.trunc_values[k];
    } else if (t + 1 < T) {
      next = r.values[k + N];
    } else {
      next = r.last_values[i];
    }
    return r.rewards[k] + gamma * next - r.values[k];
  };
  for (int i = 0; i < N; ++i) {
    for (int t = 0; t < T; ++t) {
      double sum = 0.0, discount = 1.0;
      for (int u = t; u < T; ++u) {
        sum += discount * delta(u, i);
        const size_t k = static_cast<size_t>(u) * N + i;
        if (r.terminated[k] || r.truncated[k]) break;  // the episode ends at u
        discount *= gamma * lambda;
      }
      const size_t k = static_cast<size_t>(t) * N + i;
      (*adv)[k] = sum;
      (*ret)[k] = sum + r.values[k];
    }
  }
}

void expect_matches_naive(RolloutBuffer* r, float gamma, float lambda) {
  compute_advantages_cpu(r, gamma, lambda);
  std::vector<double> adv, ret;
  naive_gae(*r, gamma, lambda, &adv, &ret);
  for (int64_t k = 0; k < r->size(); ++k) {
    ASSERT_TRUE(std::isfinite(r->advantages[k])) << "k " << k;
    EXPECT_NEAR(r->advantages[k], adv[k], 2e-5 * (1.0 + std::fabs(adv[k])))
        << "t " << k / r->shape.num_envs << " env " << k % r->shape.num_envs;
    EXPECT_NEAR(r->returns[k], ret[k], 2e-5 * (1.0 + std::fabs(ret[k])));
  }
}

TEST(Gae, MatchesNaiveLoopWithTerminationsAndTruncations) {
  const int T = 48, N = 9;
  RolloutBuffer r = random_rollout(T, N, 3, 0.06f, 0.06f);
  // make sure every kind of ending occurs inside the horizon and at its last step
  r.terminated[(T - 1) * N + 0] = 1;
  r.terminated[(T - 1) * N + 1] = 0;
  r.truncated[(T - 1) * N + 1] = 1;
  r.trunc_values[(T - 1) * N + 1] = 2.5f;
  r.terminated[(T - 1) * N + 2] = 0;
  r.truncated[(T - 1) * N + 2] = 0;  // env 2 bootstraps from last_values
  r.terminated[10 * N + 3] = 0;
  r.truncated[10 * N + 3] = 1;
  r.trunc_values[10 * N + 3] = -1.25f;
  r.terminated[11 * N + 3] = 1;  // an episode of one step right after a truncation
  int terms = 0, truncs = 0;
  for (int64_t k = 0; k < r.size() - N; ++k) {
    terms += r.terminated[k];
    truncs += r.truncated[k];
  }
  ASSERT_GE(terms, 10);
  ASSERT_GE(truncs, 10);
  expect_matches_naive(&r, 0.99f, 0.95f);
  expect_matches_naive(&r, 0.9f, 0.5f);
  expect_matches_naive(&r, 0.97f, 1.0f);  // lambda 1: Monte Carlo returns with bootstrapping
}

TEST(Gae, NoEpisodeEnds) {
  RolloutBuffer r = random_rollout(32, 4, 5, 0.0f, 0.0f);
  expect_matches_naive(&r, 0.99f, 0.95f);
}

TEST(Gae, EveryStepEnds) {
  RolloutBuffer r = random_rollout(16, 4, 6, 0.5f, 0.5f);
  expect_matches_naive(&r, 0.99f, 0.95f);
  // one-step episodes: A_t = delta_t exactly
  for (int64_t k = 0; k < r.size(); ++k) {
    const double next = r.terminated[k] ? 0.0 : r.trunc_values[k];
    EXPECT_NEAR(r.advantages[k], r.rewards[k] + 0.99 * next - r.values[k], 1e-5);
  }
}

// lambda = 0 is TD(0): A_t = delta_t; truncation and termination differ only in the bootstrap
TEST(Gae, HandComputedSingleEnv) {
  RolloutBuffer r;
  r.resize({4, 1, 1, 1, 1});
  r.rewards = {1.0f, 1.0f, 1.0f, 1.0f};
  r.values = {0.5f, 0.25f, 2.0f, 4.0f};
  r.truncated = {0, 1, 0, 0};
  r.trunc_values = {0.0f, 8.0f, 0.0f, 0.0f};
  r.terminated = {0, 0, 0, 1};
  r.last_values = {100.0f};  // unused: the last step terminated
  compute_advantages_cpu(&r, 0.5f, 0.5f);
  // delta: t3 = 1 - 4 = -3; t2 = 1 + 0.5*4 - 2 = 1; t1 = 1 + 0.5*8 - 0.25 = 4.75;
  //        t0 = 1 + 0.5*0.25 - 0.5 = 0.625
  // A: t3 = -3; t2 = 1 + 0.25*(-3) = 0.25; t1 = 4.75 (truncated: no carry);
  //    t0 = 0.625 + 0.25*4.75 = 1.8125
  EXPECT_FLOAT_EQ(r.advantages[3], -3.0f);
  EXPECT_FLOAT_EQ(r.advantages[2], 0.25f);
  EXPECT_FLOAT_EQ(r.advantages[1], 4.75f);
  EXPECT_FLOAT_EQ(r.advantages[0], 1.8125f);
  EXPECT_FLOAT_EQ(r.returns[0], 2.3125f);
  EXPECT_FLOAT_EQ(r.returns[1], 5.0f);
  // the same rollout with the last step merely cut by the horizon bootstraps from last_values
  r.terminated[3] = 0;
  r.last_values[0] = 2.0f;
  compute_advantages_cpu(&r, 0.5f, 0.5f);
  EXPECT_FLOAT_EQ(r.advantages[3], 1.0f + 1.0f - 4.0f);
  EXPECT_FLOAT_EQ(r.advantages[2], 1.0f + 0.25f * -2.0f);
}

// the single-source per-env function on its own, with a [T, N] stride the driver would not pick
TEST(Gae, OneEnvFunctionStridesTimeMajor) {
  const int T = 20, N = 3;
  RolloutBuffer r = random_rollout(T, N, 8, 0.1f, 0.1f);
  std::vector<float> adv(T * N, -7.0f), ret(T * N, -7.0f);
  RolloutView view = rollout_view(r);
  view.advantages = adv.data();
  view.returns = ret.data();
  gae_one_env(view, 0.95f, 0.9f, 1);  // only env 1's column is written
  std::vector<double> ref_adv, ref_ret;
  naive_gae(r, 0.95, 0.9, &ref_adv, &ref_ret);
  for (int t = 0; t < T; ++t) {
    EXPECT_EQ(adv[t * N + 0], -7.0f);
    EXPECT_EQ(adv[t * N + 2], -7.0f);
    EXPECT_NEAR(adv[t * N + 1], ref_adv[t * N + 1], 2e-5 * (1.0 + std::fabs(ref_adv[t * N + 1])));
  }
}

}  // namespace
}  // namespace stampede
