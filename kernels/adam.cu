/*
Optimizer: fused global-norm clipping + Adam over the flat parameter buffer. Every block first
sums the same per-block squared-norm partials in the same order (so all blocks agree on the
norm bit for bit), checks the loss terms and the norm for NaN/inf (then sets the sticky flag and
leaves the parameters as they were, as the CPU stops before that step), and block 0 adds the
minibatch's loss terms to the iteration sums. Adam's step count and learning rate come from
device memory, so the captured graph replays with the current values.
CPU twin: the Adam loop of ppo_update_cpu (host/cpu/update_cpu.cpp), adam_update
(ppo/adam.hpp).
*/
#include "kernels/adam.hpp"

#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/ppo_update.hpp"
#include "kernels/reduce.cuh"
#include "ppo/adam.hpp"

namespace stampede {

namespace {

constexpr int kAdamBlocks = 256;

// ----------------------------------------------------------------------------------------------
// CUDA kernels

__global__ void adam_kernel(AdamParams p) {
  DeviceLearner* L = p.learner;
  if (L->nonfinite) return;
  const float norm = static_cast<float>(sqrt(serial_sum(p.sq_partials, p.sq_count)));
  LossTerms terms;
  for (int k = 0; k < p.term_count; ++k)
    terms += p.term_partials[k];
  if (!isfinite(norm) || !isfinite(terms.surrogate) || !isfinite(terms.value_loss)) {
    __syncthreads();
    if (blockIdx.x == 0 && threadIdx.x == 0) L->nonfinite = 1;
    return;
  }
  const int64_t t = p.control->adam_step + p.step_offset;
  const AdamStep step = make_adam_step(p.control->learning_rate, p.beta1, p.beta2, p.eps, t,
                                       clip_scale(norm, p.max_grad_norm));
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < p.num_params; k += stride) {
    float param = p.params[k], m = p.adam_m[k], v = p.adam_v[k];
    adam_update(step, p.grad[k], &param, &m, &v);
    p.params[k] = param;
    p.adam_m[k] = m;
    p.adam_v[k] = v;
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    L->terms += terms;
    L->grad_norm_sum += norm;
  }
}

__global__ void grad_sumsq_kernel(const float* grad, int64_t count, double* partials) {
  __shared__ double scratch[32];
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double sq = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < count; k += stride) {
    sq += static_cast<double>(grad[k]) * grad[k];
  }
  sq = block_sum(sq, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = sq;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_adam(const AdamParams& p, cudaStream_t stream) {
  const int grid = static_cast<int>(std::min<int64_t>(kAdamBlocks, ceil_div(p.num_params, 256)));
  launch_kernel(adam_kernel, grid, 256, 0, stream, p);
}

void launch_grad_sumsq(const float* grad, int64_t num_params, double* sq_partials, int* sq_count,
                       cudaStream_t stream) {
  const int grid = grad_reduce_blocks(num_params);
  launch_kernel(grad_sumsq_kernel, grid, kReduceThreads, 0, stream, grad, num_params, sq_partials);
  *sq_count = grid;
}

}  // namespace stampede
