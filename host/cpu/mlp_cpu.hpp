// Batched MLP forward and backward on the CPU: the reference the fused CUDA update is checked
// against. Gradients are accumulated sample by sample in row order; rows (forward, input
// gradients) and output units (weight gradients) are shared out between threads without changing
// that order, so results are deterministic and independent of the thread count.
#pragma once

#include <vector>

#include "ppo/policy_layout.hpp"

namespace stampede {

// activations of every layer for `rows` inputs: acts[l] is [rows, out_l], tanh'd for hidden
// layers, linear for the output layer
struct MlpActivations {
  std::vector<std::vector<float>> layers;
};

void mlp_forward_batch(const float* params, const MlpShape& shape, const float* x /* [rows, in] */,
                       int rows, MlpActivations* acts);

// back-propagates d_out ([rows, out], gradient of the loss w.r.t. the output layer) and adds the
// parameter gradients into grad (same layout as params). d_out is used as scratch.
void mlp_backward_batch(const float* params, const MlpShape& shape, const float* x, int rows,
                        const MlpActivations& acts, std::vector<float>* d_out, float* grad);

}  // namespace stampede
