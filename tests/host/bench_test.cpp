// `stampede bench` on the CPU: every figure is produced and written to JSON, and bad options are
// one clear usage error (exit 2 through the CLI).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "host/backend.hpp"
#include "host/bench.hpp"
#include "host/config.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::ScratchDir;

// small enough to finish in well under a second
BenchOptions tiny_cpu_bench(const std::string& env, const std::string& json_path) {
  BenchOptions o;
  o.env = Task(env);
  o.device = "cpu";
  o.num_envs = {32, 64};
  o.env_steps = 4;
  o.num_steps = 4;
  o.train_iters = 1;
  o.warmup = 0;
  o.repeats = 1;
  o.update_widths = {16, 32};
  o.update_minibatch = 128;
  o.json_path = json_path;
  return o;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

TEST(Bench, CpuWritesEveryFigureToStdoutAndJson) {
  ScratchDir dir("bench");
  std::ostringstream out;
  ASSERT_EQ(run_bench(tiny_cpu_bench("cartpole", dir.sub("b.json")), out), 0);
  EXPECT_NE(out.str().find("cartpole on cpu"), std::string::npos) << out.str();
  const nlohmann::json j = read_json(dir.sub("b.json"));
  EXPECT_EQ(j["device"], "cpu");
  ASSERT_EQ(j["throughput"].size(), 2u);
  EXPECT_EQ(j["throughput"][1]["num_envs"], 64);
  for (const auto& row : j["throughput"]) {
    EXPECT_GT(row["env_sps"].get<double>(), 0.0);
    EXPECT_GT(row["env_infer_sps"].get<double>(), 0.0);
    EXPECT_GT(row["train_sps"].get<double>(), 0.0);
  }
  ASSERT_EQ(j["update"].size(), 2u);
  for (const auto& row : j["update"]) {
    EXPECT_EQ(row["path"], "cpu");
    EXPECT_GT(row["ns_per_sample"].get<double>(), 0.0);
  }
  // the bandwidth line is a GPU figure
  EXPECT_FALSE(j.contains("env_bandwidth"));
}

TEST(Bench, PhysicsTaskAlsoReportsPhysicsOnlyRate) {
  ScratchDir dir("bench");
  BenchOptions o = tiny_cpu_bench("swimmer", dir.sub("s.json"));
  o.skip_update = true;
  std::ostringstream out;
  ASSERT_EQ(run_bench(o, out), 0);
  const nlohmann::json j = read_json(dir.sub("s.json"));
  EXPECT_GT(j["physics_cpu_steps_per_s"].get<double>(), 0.0);
  EXPECT_TRUE(j["update"].empty());
}

TEST(Bench, BadOptionsAreUsageErrors) {
  std::ostringstream out;
  auto expect_usage = [&](BenchOptions o, const std::string& fragment) {
    try {
      run_bench(o, out);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  // task names are resolved where they enter (the command line): Task("cartpol") is the check
  try {
    Task("cartpol");
    ADD_FAILURE() << "no error for cartpol";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown env 'cartpol'"), std::string::npos) << e.what();
  }
  BenchOptions o = tiny_cpu_bench("cartpole", "");
  o.num_envs = {64, 0};
  expect_usage(o, "env count 0");
  o = tiny_cpu_bench("cartpole", "");
  o.update_widths = {64, -3};
  expect_usage(o, "update width -3");
  o = tiny_cpu_bench("cartpole", "");
  o.repeats = 0;
  expect_usage(o, "must be >= 1");
  o = tiny_cpu_bench("cartpole", "");
  o.device = "tpu";
  expect_usage(o, "unknown device 'tpu'");
  o = tiny_cpu_bench("cartpole", "/nonexistent-dir/b.json");
  expect_usage(o, "cannot write '/nonexistent-dir/b.json'");
}

TEST(Bench, CudaWithoutAGpuSaysWhy) {
  const std::string reason = cuda_unavailable_reason();
  if (reason.empty()) GTEST_SKIP() << "a GPU is present: tests/gpu covers the CUDA bench";
  BenchOptions o = tiny_cpu_bench("cartpole", "");
  o.device = "cuda";
  std::ostringstream out;
  try {
    run_bench(o, out);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--device cuda was asked for, but " + reason),
              std::string::npos)
        << e.what();
  }
}

TEST(Bench, CliBadOptionExitsTwo) {
  testing::expect_usage_error(
      testing::run_cli_args({"bench", "--num-envs", "0", "--device", "cpu"}), "env count 0");
}

}  // namespace
}  // namespace stampede
