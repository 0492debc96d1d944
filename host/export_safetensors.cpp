#include "host/export_safetensors.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "envs/task.hpp"
#include "host/backend.hpp"
#include "host/durable_file.hpp"
#include "host/task_model.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

namespace {

struct Tensor {
  std::string name;
  const char* dtype;  // "F32" or "F64"
  std::vector<int64_t> shape;
  std::string_view bytes;
};

template <class T>
std::string_view bytes_of(const T* data, int64_t count) {
  return {reinterpret_cast<const char*>(data), static_cast<size_t>(count) * sizeof(T)};
}

void add_mlp(std::vector<Tensor>* tensors, const std::string& prefix, const MlpShape& shape,
             const float* params) {
  for (int l = 0; l < shape.num_layers(); ++l) {
    const int64_t in = shape.layer_in(l), out = shape.layer_out(l);
    const std::string layer = prefix + "." + std::to_string(l);
    tensors->push_back(
        {layer + ".weight", "F32", {out, in}, bytes_of(params + shape.weight_offset(l), out * in)});
    tensors->push_back(
        {layer + ".bias", "F32", {out}, bytes_of(params + shape.bias_offset(l), out)});
  }
}

std::string spaces_json(const EnvSpec& spec) {
  nlohmann::json spaces;
  spaces["observation"] = {{"type", "Box"}, {"shape", {spec.obs_dim}}, {"dtype", "float32"}};
  if (spec.discrete()) {
    spaces["action"] = {{"type", "Discrete"}, {"n", spec.num_actions}};
  } else {
    spaces["action"] = {{"type", "Box"},
                        {"shape", {spec.act_dim}},
                        {"dtype", "float32"},
                        {"low", spec.action_low},
                        {"high", spec.action_high}};
  }
  return spaces.dump();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> policy_metadata(const Checkpoint& ck) {
  const TrainConfig& config = ck.config;
  const PolicyLayout layout = make_policy_layout(config);
  const EnvSpec spec = task_spec(config.env, task_model(config));
  const std::string clip = nlohmann::json(config.obs_clip).dump();
  char epsilon[16];
  std::snprintf(epsilon, sizeof(epsilon), "%g", kObsNormEpsilon);
  return {
      {"format", "stampede-policy-1"},
      {"task", std::string(config.env.name())},
      {"gymnasium_id", std::string(config.env.gym_id())},
      {"spaces", spaces_json(spec)},
      {"obs_normalization", config.norm_obs
                                ? "clip((obs - mean) / sqrt(var + " + std::string(epsilon) +
                                      "), -" + clip + ", " + clip + ")"
                                : "none"},
      {"action", layout.discrete() ? "argmax(actor(obs))"
                                   : "clip(actor(obs), action.low, action.high); Gaussian "
                                     "std = exp(log_std)"},
      {"value", "critic(obs)[0]"},
      {"hidden_activation", "tanh"},
      {"iteration", std::to_string(ck.state.iteration)},
      {"stampede_version", STAMPEDE_VERSION},
      {"config", to_json(config).dump()},
  };
}

std::string safetensors_bytes(const Checkpoint& ck) {
  const TrainConfig& config = ck.config;
  const PolicyLayout layout = make_policy_layout(config);
  const float* params = ck.state.params.data();
  std::vector<Tensor> tensors;
  add_mlp(&tensors, "actor", layout.actor, params + layout.actor_offset());
  add_mlp(&tensors, "critic", layout.critic, params + layout.critic_offset());
  if (!layout.discrete()) {
    tensors.push_back({"log_std",
                       "F32",
                       {layout.act_dim},
                       bytes_of(params + layout.log_std_offset(), layout.act_dim)});
  }
  tensors.push_back({"obs_norm.mean",
                     "F64",
                     {layout.obs_dim},
                     bytes_of(ck.state.obs_mean.data(), layout.obs_dim)});
  tensors.push_back(
      {"obs_norm.var", "F64", {layout.obs_dim}, bytes_of(ck.state.obs_var.data(), layout.obs_dim)});

  nlohmann::json header;
  nlohmann::json& meta = header["__metadata__"];
  for (const auto& [key, value] : policy_metadata(ck))
    meta[key] = value;

  // offsets in the order the tensors are listed; the data needs no alignment beyond 8 bytes
  size_t offset = 0;
  for (const Tensor& t : tensors) {
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the format allows trailing spaces: 8-aligned data
  std::string out(8, '\0');
  const uint64_t length = text.size();
  std::memcpy(out.data(), &length, 8);  // little-endian on every machine Stampede builds for
  out += text;
  for (const Tensor& t : tensors)
    out.append(t.bytes);
  return out;
}

void export_safetensors(const Checkpoint& checkpoint, const std::string& path) {
  write_file_atomically(path, safetensors_bytes(checkpoint));
}

}  // namespace stampede
