// PPO learns the classic tasks on the CPU backend with the tuned configs and fixed seeds. Each
// trains through the command line with configs/<task>.toml, then evaluates the deterministic
// policy on 50 fresh episodes. Thresholds are the issue's: CartPole >= 475, Acrobot >= -100,
// Pendulum >= -300.
#include <gtest/gtest.h>

#include "host/eval.hpp"
#include "test_helpers.hpp"

namespace stampede {
namespace {

using testing::run_cli_args;
using testing::ScratchDir;

double train_and_evaluate(const std::string& env) {
  ScratchDir dir("learn-" + env);
  const auto r = run_cli_args({"train", "--config", testing::config_path(env + ".toml"),
                               "--device", "cpu", "--run-dir", dir.sub("run"), "-q"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::printf("%s", r.out.c_str());
  const Checkpoint ck = load_checkpoint(dir.sub("run/checkpoint.bin"));
  const EvalResult eval = evaluate_policy(ck, 50, false, 2024);
  std::printf("%s: evaluation mean return %.2f +/- %.2f over 50 episodes\n", env.c_str(),
              eval.mean, eval.std);
  return eval.mean;
}

TEST(Learning, CartPoleReaches475) { EXPECT_GE(train_and_evaluate("cartpole"), 475.0); }

TEST(Learning, AcrobotReachesMinus100) { EXPECT_GE(train_and_evaluate("acrobot"), -100.0); }

TEST(Learning, PendulumReachesMinus300) { EXPECT_GE(train_and_evaluate("pendulum"), -300.0); }

}  // namespace
}  // namespace stampede
