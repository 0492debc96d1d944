// The cuBLAS update path for networks wider than the fused kernel holds (> 128 or not fitting in
// shared memory): per layer one SGEMM forward, and dW and d_in SGEMMs backward, with small fused
// kernels for bias + tanh, the per-row PPO loss, tanh', and column sums (biases, log-std).
#pragma once

#include <cublas_v2.h>

#include "kernels/ppo_update.hpp"

namespace stampede {

struct CublasUpdateParams {
  MinibatchInputs in;
  cublasHandle_t handle = nullptr;     // bound to the stream by the caller
  float* scratch = nullptr;            // cublas_update_scratch_floats(layout, M) floats
  LossTerms* partial_terms = nullptr;  // [kCublasLossBlocks]
  float* grad = nullptr;               // [P], overwritten
};
// blocks of the per-row loss kernel: the loss-term partials it leaves
constexpr int kCublasLossBlocks = 128;
size_t cublas_update_scratch_floats(const PolicyLayout& layout, int rows);
// leaves the minibatch gradient in p.grad and kCublasLossBlocks loss-term partials
void launch_cublas_update(const CublasUpdateParams& p, cudaStream_t stream);

}  // namespace stampede
