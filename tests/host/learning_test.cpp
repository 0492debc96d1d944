// PPO learns the classic tasks on the CPU backend with the tuned configs and fixed seeds. Each
// trains through the command line with configs/<task>.toml, then evaluates the deterministic
// policy on fresh episodes. Thresholds are the issues': CartPole >= 475, Acrobot >= -100,
// Pendulum >= -300; InvertedPendulum >= 950, InvertedDoublePendulum >= 9000, Reacher >= -5,
// Swimmer >= 100.
#include <gtest/gtest.h>

#include "host/eval.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::run_cli_args;
using testing::ScratchDir;

double train_and_evaluate(const std::string& env, int episodes = 50) {
  ScratchDir dir("learn-" + env);
  const auto r = run_cli_args({"train", "--config", testing::config_path(env + ".toml"), "--device",
                               "cpu", "--run-dir", dir.sub("run"), "-q"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::printf("%s", r.out.c_str());
  const Checkpoint ck = load_checkpoint(dir.sub("run/checkpoint.bin"));
  const EvalResult eval = evaluate_policy(ck, episodes, false, 2024);
  std::printf("%s: evaluation mean return %.2f +/- %.2f over %d episodes\n", env.c_str(), eval.mean,
              eval.std, episodes);
  return eval.mean;
}

TEST(Learning, CartPoleReaches475) {
  EXPECT_GE(train_and_evaluate("cartpole"), 475.0);
}

TEST(Learning, AcrobotReachesMinus100) {
  EXPECT_GE(train_and_evaluate("acrobot"), -100.0);
}

TEST(Learning, PendulumReachesMinus300) {
  EXPECT_GE(train_and_evaluate("pendulum"), -300.0);
}

TEST(Learning, InvertedPendulumReaches950) {
  EXPECT_GE(train_and_evaluate("inverted_pendulum", 20), 950.0);
}

TEST(Learning, InvertedDoublePendulumReaches9000) {
  EXPECT_GE(train_and_evaluate("inverted_double_pendulum", 20), 9000.0);
}

TEST(Learning, ReacherReachesMinus5) {
  EXPECT_GE(train_and_evaluate("reacher", 50), -5.0);
}

TEST(Learning, SwimmerReaches100) {
  EXPECT_GE(train_and_evaluate("swimmer", 10), 100.0);
}

}  // namespace
}  // namespace stampede
