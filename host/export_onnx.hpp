// A trained policy as an ONNX model (opset 17, IR version 8), written with the onnx library's
// protobuf classes, self-contained: the run's observation normalisation and clipping are baked
// into the graph, so it takes raw observations as the environment returns them.
//
//   input   obs      float32 [batch, obs_dim]
//   outputs action   float32 [batch, act_dim]: the Gaussian mean clipped to the action bounds
//                    (int64 [batch]: the arg-max for discrete tasks)
//           mean     float32 [batch, act_dim] (logits [batch, n] for discrete tasks)
//           log_std  float32 [act_dim] (Gaussian tasks)
//           value    float32 [batch]: the critic's estimate
// Metadata (metadata_props): task, gymnasium_id, spaces (JSON), iteration, stampede_version,
// config (JSON), the same keys as the safetensors export.
#pragma once

#include <string>

#include "host/checkpoint.hpp"

namespace stampede {

// whether this build has the onnx library (Debian's libonnx-dev)
bool onnx_export_available();

// the serialised ModelProto; throws UsageError when the build has no onnx library
std::string onnx_bytes(const Checkpoint& checkpoint);

// writes it atomically to `path`
void export_onnx(const Checkpoint& checkpoint, const std::string& path);

}  // namespace stampede
