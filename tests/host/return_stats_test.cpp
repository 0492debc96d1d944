// Return statistics of fixed policies over 200 episodes, Stampede's locomotion tasks against
// Gymnasium's (tests/data/returns.json, from scripts/gen_return_stats.py): a random policy
// (actions uniform in the action space) and the trained policy of a committed checkpoint
// (tests/data/policies/<task>.ckpt, deterministic). The two sides draw different reset noise and
// random actions, so agreement is statistical: the means, and the standard deviations, differ by
// at most three standard errors of the difference: about 6% of the mean for the trained Hopper and
// Walker2d, 0.4% for HalfCheetah (whose returns vary little), more for the short random episodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"
#include "host/cpu/parallel.hpp"
#include "host/eval.hpp"
#include "host/task_model.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

struct ReturnStats {
  double mean = 0, std = 0, std_se = 0, mean_length = 0;
  int n = 0;
};

// sample mean and std, and the standard error of the std from the fourth central moment
// (Var(s^2) ~ (m4 - s^4 (n - 3) / (n - 1)) / n, SE(s) ~ SE(s^2) / 2s), which does not assume
// normal returns; the script computes the same
ReturnStats stats_of(const std::vector<float>& returns, const std::vector<int>& lengths) {
  ReturnStats s;
  s.n = static_cast<int>(returns.size());
  for (size_t i = 0; i < returns.size(); ++i) {
    s.mean += returns[i];
    s.mean_length += lengths[i];
  }
  s.mean /= s.n;
  s.mean_length /= s.n;
  double m2 = 0, m4 = 0;
  for (float r : returns) {
    const double d = r - s.mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  const double var = m2 / (s.n - 1);
  m4 /= s.n;
  s.std = std::sqrt(var);
  const double var_of_var = std::max(0.0, (m4 - var * var * (s.n - 3.0) / (s.n - 1.0)) / s.n);
  s.std_se = std::sqrt(var_of_var) / (2.0 * s.std);
  return s;
}

ReturnStats random_policy_returns(const TrainConfig& config, int episodes, uint64_t seed) {
  return visit_env(config.env, task_model(config), [&](auto env) {
    using Env = decltype(env);
    auto envs = HostEnvBatch::of<Env>(episodes);
    const EnvBatch b = env_batch_view(envs);
    for (int i = 0; i < episodes; ++i)
      reset_env(env, b, i, seed, 0);
    const EnvSpec spec = task_spec(config);
    std::vector<float> returns(episodes);
    std::vector<int> lengths(episodes);
    parallel_for(episodes, 1, [&](int64_t env_index) {
      const int i = static_cast<int>(env_index);
      float action[Env::kActDim];
      for (uint64_t step = 0; envs.done_count[i] == 0; ++step) {
        Rng rng(seed, RngPurpose::kEval, static_cast<uint32_t>(i), step);
        for (int j = 0; j < Env::kActDim; ++j)
          action[j] = rng.uniform(spec.action_low[j], spec.action_high[j]);
        step_env(env, b, i, action, seed, step);
      }
      returns[i] = envs.done_return_sum[i];
      lengths[i] = static_cast<int>(envs.done_length_sum[i]);
    });
    return stats_of(returns, lengths);
  });
}

nlohmann::json load_reference() {
  std::ifstream in(std::string(STAMPEDE_TEST_DATA) + "/returns.json");
  EXPECT_TRUE(in) << "missing tests/data/returns.json";
  return nlohmann::json::parse(in);
}

void expect_agreement(const std::string& what, const ReturnStats& ours, const nlohmann::json& ref) {
  const double n_ref = ref.at("episodes").get<double>();
  const double mean_ref = ref.at("mean"), std_ref = ref.at("std");
  const double std_se_ref = ref.at("std_se");
  const double mean_se = std::hypot(ours.std / std::sqrt(ours.n), std_ref / std::sqrt(n_ref));
  const double std_se = std::hypot(ours.std_se, std_se_ref);
  std::printf(
      "%s: return %.1f +/- %.1f (length %.1f) vs Gymnasium %.1f +/- %.1f (length %.1f); "
      "mean gap %.2f SE, std gap %.2f SE\n",
      what.c_str(), ours.mean, ours.std, ours.mean_length, mean_ref, std_ref,
      ref.at("mean_length").get<double>(), std::fabs(ours.mean - mean_ref) / mean_se,
      std::fabs(ours.std - std_ref) / std_se);
  EXPECT_LE(std::fabs(ours.mean - mean_ref), 3.0 * mean_se) << what << ": mean return";
  EXPECT_LE(std::fabs(ours.std - std_ref), 3.0 * std_se) << what << ": spread of the return";
}

class ReturnStatsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReturnStatsTest, RandomPolicyMatchesGymnasium) {
  const nlohmann::json ref = load_reference().at("tasks").at(GetParam()).at("random");
  TrainConfig config;  // the task's embedded model
  config.env = Task(GetParam());
  const int episodes = ref.at("episodes");
  expect_agreement(GetParam() + " random", random_policy_returns(config, episodes, 77), ref);
}

TEST_P(ReturnStatsTest, TrainedPolicyMatchesGymnasium) {
  const nlohmann::json ref = load_reference().at("tasks").at(GetParam()).at("trained");
  const Checkpoint ck = load_checkpoint(std::string(STAMPEDE_SOURCE_DIR) + "/" +
                                        ref.at("checkpoint").get<std::string>());
  ASSERT_EQ(ck.config.env.name(), GetParam());
  const int episodes = ref.at("episodes");
  const EvalResult eval = evaluate_policy(ck, episodes, false, 91);
  expect_agreement(GetParam() + " trained", stats_of(eval.returns, eval.lengths), ref);
}

INSTANTIATE_TEST_SUITE_P(Locomotion, ReturnStatsTest,
                         ::testing::Values("hopper", "walker2d", "half_cheetah"));

}  // namespace
}  // namespace stampede
