// `stampede bench --device cuda`: every figure comes back positive, in the table and the JSON,
// including the env-only memory traffic against the device's bandwidth. Small sizes: this checks
// that the measurement runs and reports, not how fast it is.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "envs/classic/cartpole.hpp"
#include "gpu_test_common.hpp"
#include "host/bench.hpp"
#include "host/config.hpp"
#include "host/cuda/cuda_backend.hpp"
#include "support/test_helpers.hpp"

namespace stampede::testing {
namespace {

class GpuBenchTest : public GpuTest {};

TEST_F(GpuBenchTest, EveryFigureIsMeasuredAndWritten) {
  register_cuda();              // what main() does: the bench finds the CUDA hooks
  ScratchDir dir("gpu-bench");  // removed however the test ends
  const std::string path = dir.sub("bench.json");
  BenchOptions o;
  o.env = Task("cartpole");
  o.device = "cuda";
  o.num_envs = {256, 1024};
  o.env_steps = 8;
  o.num_steps = 4;
  o.train_iters = 1;
  o.warmup = 1;
  o.repeats = 1;
  o.update_widths = {32, 160};  // 160: wider than the fused kernel, so cuBLAS only
  o.update_minibatch = 512;
  o.json_path = path;
  std::ostringstream out;
  ASSERT_EQ(run_bench(o, out), 0);
  std::ifstream f(path);
  const nlohmann::json j = nlohmann::json::parse(f);

  EXPECT_NE(j["device"].get<std::string>().find("cuda:"), std::string::npos);
  ASSERT_EQ(j["throughput"].size(), 2u);
  for (const auto& row : j["throughput"]) {
    EXPECT_GT(row["env_sps"].get<double>(), 0.0) << row;
    EXPECT_GT(row["env_infer_sps"].get<double>(), 0.0) << row;
    EXPECT_GT(row["train_sps"].get<double>(), 0.0) << row;
  }
  // width 32: fused and cuBLAS (both math modes); width 160: cuBLAS only
  ASSERT_EQ(j["update"].size(), 5u);
  EXPECT_EQ(j["update"][0]["path"], "fused");
  EXPECT_EQ(j["update"][1]["path"], "cublas");
  EXPECT_EQ(j["update"][2]["path"], "cublas-pedantic");
  EXPECT_EQ(j["update"][3]["path"], "cublas");
  EXPECT_EQ(j["update"][4]["path"], "cublas-pedantic");
  for (const auto& row : j["update"])
    EXPECT_GT(row["ns_per_sample"].get<double>(), 0.0) << row;

  const nlohmann::json& bw = j["env_bandwidth"];
  EXPECT_EQ(bw["bytes_per_step_min"], env_step_min_bytes<CartPole>());
  EXPECT_GT(bw["copy_bytes_per_s"].get<double>(), 0.0);
  EXPECT_GT(bw["peak_bytes_per_s"].get<double>(), 0.0);
  const double best = std::max(j["throughput"][0]["env_sps"].get<double>(),
                               j["throughput"][1]["env_sps"].get<double>());
  EXPECT_DOUBLE_EQ(bw["traffic_bytes_per_s"].get<double>(), best * env_step_min_bytes<CartPole>());
  EXPECT_NE(out.str().find("env-only memory traffic"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace stampede::testing
