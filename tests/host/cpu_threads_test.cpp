// The CPU backend's threads: every parallel phase keeps the serial arithmetic order, so a run is
// bit-identical whatever the thread count. Configurations are sized so that every parallel_for in
// the rollout, GAE, shuffle, update, Adam and evaluation actually splits its loop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "host/backend.hpp"
#include "host/checkpoint.hpp"
#include "host/cpu/parallel.hpp"
#include "host/eval.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

// restores the default thread count when a test ends, so others are not affected
struct ThreadsGuard {
  ~ThreadsGuard() { set_cpu_threads(0); }
};

// a CPU run of `iterations` iterations of N x T steps, minibatches of M
TrainConfig cpu_config(const std::string& env, int n, int t, int m, int iterations) {
  TrainConfig c;
  c.env = Task(env);
  c.device = "cpu";
  c.num_envs = n;
  c.num_steps = t;
  c.minibatch_size = m;
  c.total_steps = iterations * c.batch_size();
  return c;
}

struct RunResult {
  TrainState state;
  std::vector<IterationStats> stats;
};

RunResult run_iterations(const TrainConfig& config, int threads, int iterations) {
  set_cpu_threads(threads);
  std::unique_ptr<Backend> backend = make_cpu_backend(config);
  RunResult r;
  for (int it = 0; it < iterations; ++it) {
    r.stats.push_back(backend->run_iteration(IterationControl{it, config.learning_rate}));
  }
  r.state = backend->save_state();
  return r;
}

void expect_bit_identical(const RunResult& a, const RunResult& b) {
  testing::expect_same_train_state(a.state, b.state);
  ASSERT_EQ(a.stats.size(), b.stats.size());
  for (size_t i = 0; i < a.stats.size(); ++i) {
    EXPECT_EQ(a.stats[i].policy_loss, b.stats[i].policy_loss) << "iteration " << i;
    EXPECT_EQ(a.stats[i].value_loss, b.stats[i].value_loss) << "iteration " << i;
    EXPECT_EQ(a.stats[i].entropy, b.stats[i].entropy) << "iteration " << i;
    EXPECT_EQ(a.stats[i].kl, b.stats[i].kl) << "iteration " << i;
    EXPECT_EQ(a.stats[i].grad_norm, b.stats[i].grad_norm) << "iteration " << i;
    EXPECT_EQ(a.stats[i].episode_return_sum, b.stats[i].episode_return_sum) << "iteration " << i;
    EXPECT_EQ(a.stats[i].episodes, b.stats[i].episodes) << "iteration " << i;
  }
}

TEST(CpuThreads, OutOfRangeCountsAreUsageErrors) {
  ThreadsGuard guard;
  EXPECT_THROW(set_cpu_threads(-1), UsageError);
  EXPECT_THROW(set_cpu_threads(kMaxCpuThreads + 1), UsageError);
  set_cpu_threads(3);
  EXPECT_EQ(cpu_threads(), 3);
  set_cpu_threads(0);
  EXPECT_GE(cpu_threads(), 1);
}

TEST(CpuThreads, ParallelForVisitsEachIndexOnceAndStaysSerialWhenShort) {
  ThreadsGuard guard;
  set_cpu_threads(3);
  const std::thread::id main_thread = std::this_thread::get_id();
  std::vector<std::atomic<int>> visits(1000);
  std::atomic<int> off_main{0};
  parallel_for(1000, 1, [&](int64_t i) {
    visits[i] += 1;
    if (std::this_thread::get_id() != main_thread) {
      off_main += 1;
      return;
    }
    // the calling thread holds on (up to 20 s) until another thread has taken a share
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (off_main == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  });
  for (size_t i = 0; i < visits.size(); ++i)
    ASSERT_EQ(visits[i], 1) << "index " << i;
  EXPECT_GT(off_main, 0) << "a long loop should be shared out";

  off_main = 0;
  parallel_for(100, 64, [&](int64_t) {
    if (std::this_thread::get_id() != main_thread) off_main += 1;
  });
  EXPECT_EQ(off_main, 0) << "a loop shorter than two threads' minimum should stay serial";
}

// discrete actions, a wide network (Adam splits at 2 x 8192 parameters) and enough envs for the
// classic-control step and GAE to split
TEST(CpuThreads, CartPoleRunIsBitIdenticalForOneTwoAndThreeThreads) {
  ThreadsGuard guard;
  TrainConfig c = cpu_config("cartpole", 2048, 4, 2048, 2);
  c.epochs = 1;
  c.actor_hidden = {128, 128};
  c.critic_hidden = {128, 128};
  const RunResult one = run_iterations(c, 1, 2);
  expect_bit_identical(one, run_iterations(c, 2, 2));
  expect_bit_identical(one, run_iterations(c, 3, 2));
}

// Gaussian policy (log-std gradient), reward scaling and the adaptive KL penalty, on the physics
// engine (its step splits from 8 envs)
TEST(CpuThreads, ContinuousPhysicsRunIsBitIdenticalForOneAndThreeThreads) {
  ThreadsGuard guard;
  for (const char* env : {"pendulum", "inverted_double_pendulum"}) {
    SCOPED_TRACE(env);
    TrainConfig c = cpu_config(env, 64, 16, 256, 3);
    c.epochs = 2;
    c.norm_reward = true;
    c.objective = "kl_adaptive";
    expect_bit_identical(run_iterations(c, 1, 3), run_iterations(c, 3, 3));
  }
}

TEST(CpuThreads, EvaluationIsIdenticalForOneAndThreeThreads) {
  ThreadsGuard guard;
  const TrainConfig c = cpu_config("pendulum", 8, 32, 64, 2);
  Checkpoint ck;
  ck.config = c;
  ck.state = run_iterations(c, 1, 2).state;
  for (bool stochastic : {false, true}) {
    set_cpu_threads(1);
    const EvalResult serial = evaluate_policy(ck, 7, stochastic, 99);
    set_cpu_threads(3);
    const EvalResult threaded = evaluate_policy(ck, 7, stochastic, 99);
    EXPECT_EQ(serial.returns, threaded.returns);
    EXPECT_EQ(serial.lengths, threaded.lengths);
    EXPECT_EQ(serial.mean, threaded.mean);
  }
}

TEST(CpuThreads, CommandLineValidatesThreadsAndAllowsThemOnResume) {
  ThreadsGuard guard;
  testing::ScratchDir dir("threads");
  testing::expect_usage_error(
      testing::run_cli_args({"train", "--threads", "-1", "--run-dir", dir.sub("bad")}),
      "--threads");
  testing::expect_usage_error(testing::run_cli_args({"eval", dir.sub("bad"), "--threads", "5000"}),
                              "--threads");
  testing::expect_usage_error(
      testing::run_cli_args({"bench", "--device", "cpu", "--threads", "-2"}), "--threads");

  const std::vector<std::string> train = {
      "train", "--env",         "cartpole",     "--num-envs",
      "4",     "--num-steps",   "16",           "--minibatch-size",
      "32",    "--total-steps", "64",           "--device",
      "cpu",   "--run-dir",     dir.sub("run"), "--threads",
      "2"};
  const testing::CliRun first = testing::run_cli_args(train);
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("on cpu (2 threads)"), std::string::npos) << first.out;
  const testing::CliRun resumed = testing::run_cli_args(
      {"train", "--resume", dir.sub("run"), "--total-steps", "128", "--threads", "1", "-q"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("on cpu (1 thread)"), std::string::npos) << resumed.out;
}

}  // namespace
}  // namespace stampede
