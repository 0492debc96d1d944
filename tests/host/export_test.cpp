// `stampede export --format safetensors`: the file follows the safetensors format (header length,
// JSON header, 8-aligned contiguous tensors), each tensor is the checkpoint's slice it names in
// PyTorch's layout, and a forward pass from the exported tensors is the policy's own.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/backend.hpp"
#include "host/export_onnx.hpp"
#include "host/export_safetensors.hpp"
#include "ppo/policy_layout.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

struct Parsed {
  nlohmann::json header;
  std::string data;
  template <class T>
  std::vector<T> tensor(const std::string& name) const {
    const auto& range = header.at(name).at("data_offsets");
    const size_t begin = range[0], end = range[1];
    std::vector<T> out((end - begin) / sizeof(T));
    std::memcpy(out.data(), data.data() + begin, end - begin);
    return out;
  }
};

Parsed parse(const std::string& bytes) {
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  EXPECT_EQ(length % 8, 0u);  // tensors start 8-aligned
  Parsed p;
  p.header = nlohmann::json::parse(bytes.substr(8, length));
  p.data = bytes.substr(8 + length);
  // data_offsets cover the data exactly, without gaps or overlaps
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const auto& [name, t] : p.header.items())
    if (name != "__metadata__")
      ranges.emplace_back(t.at("data_offsets")[0], t.at("data_offsets")[1]);
  std::sort(ranges.begin(), ranges.end());
  size_t at = 0;
  for (const auto& [begin, end] : ranges) {
    EXPECT_EQ(begin, at);
    at = end;
  }
  EXPECT_EQ(at, p.data.size());
  return p;
}

Checkpoint trained_looking(const char* task, std::vector<int> hidden) {
  TrainConfig config;
  config.env = Task(task);
  config.num_envs = 2;
  config.actor_hidden = hidden;
  config.critic_hidden = {7};
  Checkpoint ck{config, initial_train_state(config), 0};
  for (size_t k = 0; k < ck.state.params.size(); ++k)  // every parameter distinct
    ck.state.params[k] = 0.01f * std::sin(0.37f * static_cast<float>(k) + 1.0f);
  for (size_t d = 0; d < ck.state.obs_mean.size(); ++d) {
    ck.state.obs_mean[d] = 0.1 * d - 0.2;
    ck.state.obs_var[d] = 0.5 + d;
  }
  ck.state.iteration = 11;
  return ck;
}

TEST(ExportSafetensors, TensorsAreTheCheckpointsInPyTorchLayout) {
  const Checkpoint ck = trained_looking("hopper", {16, 12});
  const Parsed p = parse(safetensors_bytes(ck));
  const PolicyLayout L = make_policy_layout(ck.config);
  const float* params = ck.state.params.data();
  for (int l = 0; l < L.actor.num_layers(); ++l) {
    const std::string name = "actor." + std::to_string(l);
    const auto w = p.tensor<float>(name + ".weight");
    EXPECT_EQ(p.header[name + ".weight"]["shape"],
              nlohmann::json({L.actor.layer_out(l), L.actor.layer_in(l)}));
    EXPECT_EQ(p.header[name + ".weight"]["dtype"], "F32");
    ASSERT_EQ(w.size(), static_cast<size_t>(L.actor.layer_out(l) * L.actor.layer_in(l)));
    EXPECT_EQ(0, std::memcmp(w.data(), params + L.actor.weight_offset(l), w.size() * 4));
    const auto b = p.tensor<float>(name + ".bias");
    EXPECT_EQ(0, std::memcmp(b.data(), params + L.actor.bias_offset(l), b.size() * 4));
  }
  const auto log_std = p.tensor<float>("log_std");
  ASSERT_EQ(log_std.size(), 3u);  // Hopper's three actuators
  EXPECT_EQ(0, std::memcmp(log_std.data(), params + L.log_std_offset(), 12));
  EXPECT_EQ(p.tensor<double>("obs_norm.var"), ck.state.obs_var);
  EXPECT_EQ(p.header["obs_norm.mean"]["dtype"], "F64");
  const auto& meta = p.header["__metadata__"];
  EXPECT_EQ(meta["task"], "hopper");
  EXPECT_EQ(meta["gymnasium_id"], "Hopper-v5");
  EXPECT_EQ(meta["iteration"], "11");
  const auto spaces = nlohmann::json::parse(meta["spaces"].get<std::string>());
  EXPECT_EQ(spaces["action"]["low"], nlohmann::json({-1.0, -1.0, -1.0}));
  EXPECT_EQ(nlohmann::json::parse(meta["config"].get<std::string>())["actor_hidden"],
            nlohmann::json({16, 12}));
}

// the actor's output from the exported tensors, as a PyTorch user computes it (x W^T + b, tanh
// between layers), equals the engine's own forward pass of the checkpoint
TEST(ExportSafetensors, ForwardFromTheFileIsThePolicys) {
  for (const char* task : {"cartpole", "pendulum", "walker2d"}) {
    const Checkpoint ck = trained_looking(task, {9, 6});
    const Parsed p = parse(safetensors_bytes(ck));
    const PolicyLayout L = make_policy_layout(ck.config);
    EXPECT_EQ(p.header.contains("log_std"), !L.discrete()) << task;
    std::vector<float> x(L.obs_dim);
    for (int d = 0; d < L.obs_dim; ++d)
      x[d] = 0.3f * d - 0.5f;
    std::vector<float> ours(L.head_dim()), scratch(2 * L.actor.max_width());
    mlp_forward_row(ck.state.params.data(), L.actor, x.data(), ours.data(), scratch.data());
    std::vector<float> h = x;
    for (int l = 0; l < L.actor.num_layers(); ++l) {
      const auto w = p.tensor<float>("actor." + std::to_string(l) + ".weight");
      const auto b = p.tensor<float>("actor." + std::to_string(l) + ".bias");
      std::vector<float> next(b.size());
      for (size_t o = 0; o < b.size(); ++o) {
        double sum = b[o];
        for (size_t i = 0; i < h.size(); ++i)
          sum += static_cast<double>(w[o * h.size() + i]) * h[i];
        next[o] = l + 1 < L.actor.num_layers() ? std::tanh(sum) : sum;
      }
      h = next;
    }
    ASSERT_EQ(h.size(), ours.size()) << task;
    for (size_t k = 0; k < h.size(); ++k)
      EXPECT_NEAR(h[k], ours[k], 1e-6) << task;
  }
}

TEST(ExportSafetensors, CommandWritesBesideTheCheckpointAndRefusesUnknownFormats) {
  testing::ScratchDir dir("export");
  const Checkpoint ck = trained_looking("cartpole", {8});
  save_checkpoint(dir.sub("checkpoint.bin"), ck);
  const auto r = testing::run_cli_args({"export", dir.str()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("policy.safetensors"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.sub("policy.safetensors")));
  testing::expect_usage_error(testing::run_cli_args({"export", dir.str(), "--format", "tflite"}),
                              "unknown export format 'tflite'");
  // ONNX where the build has the onnx library (tests/export runs the file in onnxruntime)
  const auto onnx = testing::run_cli_args({"export", dir.str(), "--format", "onnx"});
  if (onnx_export_available()) {
    EXPECT_EQ(onnx.code, 0) << onnx.err;
    EXPECT_GT(std::filesystem::file_size(dir.sub("policy.onnx")), 1000u);
  } else {
    testing::expect_usage_error(onnx, "no ONNX support");
  }
  testing::expect_usage_error(testing::run_cli_args({"export", dir.str(), "--out", "/dev/full"}),
                              "not a regular file");
}

}  // namespace
}  // namespace stampede
