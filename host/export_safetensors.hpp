// A trained policy as a safetensors file (https://github.com/huggingface/safetensors: an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the bytes), for PyTorch and JAX code and the `safetensors` package.
//
// Tensors (float32 unless noted), PyTorch's nn.Linear layout:
//   actor.{l}.weight [out, in], actor.{l}.bias [out]   l = 0 .. hidden layers (tanh), last linear
//   critic.{l}.weight, critic.{l}.bias                  the value function, output [1]
//   log_std [act_dim]                                   Gaussian tasks only
//   obs_norm.mean, obs_norm.var [obs_dim] (float64)     running statistics, as in the checkpoint
// The header's __metadata__ (strings, as the format requires) holds the task, its Gymnasium id,
// the observation and action spaces, how observations are normalised
// ("clip((obs - mean) / sqrt(var + 1e-8), -obs_clip, obs_clip)", or not at all), how the action
// is formed, the checkpoint iteration, Stampede's version and the run's config as JSON.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "host/checkpoint.hpp"

namespace stampede {

// what both exports (safetensors, ONNX) record about the policy, as key / string pairs
std::vector<std::pair<std::string, std::string>> policy_metadata(const Checkpoint& checkpoint);

// the file's bytes
std::string safetensors_bytes(const Checkpoint& checkpoint);

// writes them atomically to `path`
void export_safetensors(const Checkpoint& checkpoint, const std::string& path);

}  // namespace stampede
