// The training loop: exact resume, clean stop on divergence, the run directory's files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/checkpoint.hpp"
#include "host/trainer.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::ScratchDir;

TrainConfig tiny_config(const std::string& env, const std::string& run_dir) {
  TrainConfig c;
  c.env = Task(env);
  c.device = "cpu";
  c.num_envs = 4;
  c.num_steps = 64;
  c.minibatch_size = 64;
  c.epochs = 2;
  c.total_steps = 6 * c.batch_size();
  c.checkpoint_every = 2;
  c.norm_reward = true;  // exercise every piece of state a checkpoint must carry
  c.actor_hidden = {16, 16};
  c.critic_hidden = {16};
  c.run_dir = run_dir;
  return c;
}

TrainOptions quiet() {
  TrainOptions o;
  o.quiet = true;
  return o;
}

class ResumeTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ResumeTest, InterruptedAndResumedRunIsBitIdentical) {
  const auto [env, objective] = GetParam();
  ScratchDir dir("resume");
  std::ostringstream sink;

  TrainConfig straight = tiny_config(env, dir.sub("straight"));
  straight.objective = objective;
  train(straight, quiet(), sink);

  // the same run, interrupted after 3 iterations (last checkpoint at 2), then resumed
  TrainConfig split = straight;
  split.run_dir = dir.sub("split");
  TrainOptions interrupted = quiet();
  interrupted.stop_after_iterations = 3;
  train(split, interrupted, sink);
  ASSERT_EQ(load_checkpoint(checkpoint_path_in(split.run_dir)).state.iteration, 2);
  TrainOptions resume = quiet();
  resume.resume_dir = split.run_dir;
  const TrainResult r = train(TrainConfig{}, resume, sink);
  EXPECT_EQ(r.iterations, 6);

  const Checkpoint a = load_checkpoint(checkpoint_path_in(straight.run_dir));
  const Checkpoint b = load_checkpoint(checkpoint_path_in(split.run_dir));
  EXPECT_EQ(a.state.iteration, 6);
  testing::expect_same_train_state(a.state, b.state);
}

INSTANTIATE_TEST_SUITE_P(EnvsAndObjectives, ResumeTest,
                         ::testing::Values(std::make_pair("cartpole", "clip"),
                                           std::make_pair("pendulum", "kl_adaptive"),
                                           std::make_pair("acrobot", "kl_fixed"),
                                           std::make_pair("mountain_car_continuous", "none")));

TEST(Trainer, SameSeedSameRunDifferentSeedDifferentRun) {
  ScratchDir dir("seed");
  std::ostringstream sink;
  TrainConfig a = tiny_config("cartpole", dir.sub("a"));
  TrainConfig b = a;
  b.run_dir = dir.sub("b");
  TrainConfig c = a;
  c.run_dir = dir.sub("c");
  c.seed = 2;
  train(a, quiet(), sink);
  train(b, quiet(), sink);
  train(c, quiet(), sink);
  const auto pa = load_checkpoint(checkpoint_path_in(a.run_dir)).state.params;
  EXPECT_EQ(pa, load_checkpoint(checkpoint_path_in(b.run_dir)).state.params);
  EXPECT_NE(pa, load_checkpoint(checkpoint_path_in(c.run_dir)).state.params);
}

// a CPU backend whose iteration `bad_at` reports a non-finite loss
class DivergingBackend final : public Backend {
 public:
  DivergingBackend(const TrainConfig& config, int64_t bad_at)
      : inner_(make_cpu_backend(config)), bad_at_(bad_at) {}
  IterationStats run_iteration(const IterationControl& control) override {
    IterationStats s = inner_->run_iteration(control);
    if (control.iteration == bad_at_) s.nonfinite = 1;
    return s;
  }
  void load_state(const TrainState& state) override { inner_->load_state(state); }
  TrainState save_state() override { return inner_->save_state(); }
  std::string device_name() const override { return "cpu"; }

 private:
  std::unique_ptr<Backend> inner_;
  int64_t bad_at_;
};

TEST(Trainer, DivergenceStopsNamingTheIterationAndKeepsTheLastGoodCheckpoint) {
  ScratchDir dir("nan");
  std::ostringstream sink;
  TrainConfig config = tiny_config("cartpole", dir.sub("run"));
  TrainOptions options = quiet();
  options.make_backend = [](const TrainConfig& c) {
    return std::make_unique<DivergingBackend>(c, 4);  // the 5th iteration
  };
  try {
    train(config, options, sink);
    FAIL() << "training should have stopped";
  } catch (const TrainingDiverged& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("iteration 5"), std::string::npos) << msg;
    EXPECT_NE(msg.find("iteration 4) is kept"), std::string::npos) << msg;
  }
  const Checkpoint kept = load_checkpoint(checkpoint_path_in(config.run_dir));
  EXPECT_EQ(kept.state.iteration, 4);
}

TEST(Trainer, WritesConfigAndCsvLogAndRefusesToOverwriteARun) {
  ScratchDir dir("files");
  std::ostringstream sink;
  TrainConfig config = tiny_config("pendulum", dir.sub("run"));
  const TrainResult r = train(config, quiet(), sink);
  EXPECT_TRUE(std::filesystem::exists(dir.sub("run/config.json")));
  std::ifstream log(r.log_path);
  std::string header, line;
  std::getline(log, header);
  EXPECT_EQ(header.rfind("iteration,env_steps,wall_s,steps_per_s,episodes,mean_return", 0), 0u);
  int rows = 0;
  while (std::getline(log, line))
    ++rows;
  EXPECT_EQ(rows, 6);
  EXPECT_THROW(train(config, quiet(), sink), UsageError);
}

}  // namespace
}  // namespace stampede
