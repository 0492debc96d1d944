/*
cuBLAS PPO update for wide MLPs. Activations are row-major [M, width]; cuBLAS is column-major,
so a row-major [M, w] matrix is used as its transpose [w, M] with leading dimension w and every
product is written for the transposed operands:
  forward   Y^T [out, M] = W [out, in] . X^T        gemm(T, N, out, M, in, W, in, X, in)
  weights   dW^T [in, out] = X^T . D                gemm(N, T, in, out, M, X, in, D, out)
  inputs    dX^T [in, M] = W^T . D^T                gemm(N, N, in, M, out, W, in, D, out)
cuBLAS is deterministic for a fixed configuration on one GPU; column sums are chunked and summed
in chunk order. fp32 throughout (no TF32), to stay within the CPU parity tolerance.
CPU twin: minibatch_loss_grad (host/cpu/update_cpu.cpp).
*/
#include "kernels/ppo_update_cublas.hpp"

#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/reduce.cuh"
#include "ppo/ppo_loss.hpp"

namespace stampede {

namespace {

constexpr int kColChunks = 64;

// scratch layout in floats: x [M, obs] | actor acts | critic acts | d_a | d_c | d_t [M, maxw]
// | dls [M, head] | colsum partials [kColChunks, maxw]
struct CublasScratch {
  int64_t x, acts[2][kMaxHiddenLayers + 1], d[3], dls, cols, total;
};

CublasScratch make_scratch(const PolicyLayout& L, int rows) {
  CublasScratch s{};
  const int64_t m = rows;
  int64_t off = 0;
  s.x = off;
  off += m * L.obs_dim;
  const MlpShape* nets[2] = {&L.actor, &L.critic};
  int maxw = std::max(L.actor.max_width(), L.critic.max_width());
  for (int n = 0; n < 2; ++n) {
    for (int l = 0; l < nets[n]->num_layers(); ++l) {
      s.acts[n][l] = off;
      off += m * nets[n]->layer_out(l);
    }
  }
  for (int k = 0; k < 3; ++k) {
    s.d[k] = off;
    off += m * maxw;
  }
  s.dls = off;
  off += m * L.head_dim();
  s.cols = off;
  off += static_cast<int64_t>(kColChunks) * maxw;
  s.total = off;
  return s;
}

// ----------------------------------------------------------------------------------------------
// CUDA kernels

__global__ void gather_obs_kernel(MinibatchInputs in, float* x) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int obs_dim = in.layout.obs_dim;
  if (idx >= static_cast<int64_t>(in.rows) * obs_dim) return;
  const int64_t m = idx / obs_dim, d = idx % obs_dim;
  x[idx] = in.rollout.obs[static_cast<int64_t>(in.index[m]) * obs_dim + d];
}

__global__ void bias_act_kernel(float* y, const float* bias, int rows, int width, bool hidden) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= static_cast<int64_t>(rows) * width) return;
  const float v = y[idx] + bias[idx % width];
  y[idx] = hidden ? tanhf(v) : v;
}

__global__ void tanh_grad_kernel(float* d, const float* a, int64_t count) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx < count) d[idx] *= 1.0f - a[idx] * a[idx];
}

// per-row loss of both networks; per-block term sums in fixed order
__global__ void cublas_loss_kernel(MinibatchInputs in, const float* heads, const float* values,
                                   float* d_head, float* d_value, float* dls,
                                   LossTerms* partial_terms) {
  __shared__ double scratch[32];
  const PolicyLayout& L = in.layout;
  const int head = L.head_dim();
  LossCoeffs c = in.coeffs;
  c.beta = in.learner->beta;
  const RolloutView& r = in.rollout;
  LossTerms sums;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t m = blockIdx.x * blockDim.x + threadIdx.x; m < in.rows; m += stride) {
    const int64_t k = in.index[m];
    const float adv = in.advantage(k);
    const float* h = heads + m * head;
    SampleTerms s;
    if (L.discrete()) {
      s = categorical_policy_loss(h, r.dist + k * head, static_cast<int>(r.actions[k * L.act_dim]),
                                  r.logp[k], adv, head, c, d_head + m * head);
    } else {
      s = gaussian_policy_loss(h, in.params + L.log_std_offset(), r.dist + k * head, in.old_log_std,
                               r.actions + k * L.act_dim, r.logp[k], adv, head, c,
                               d_head + m * head, dls + m * head);
    }
    d_value[m] = value_loss_grad(values[m], r.values[k], r.returns[k], c, &s.value_loss);
    sums += s;
  }
  LossTerms total;
  total.surrogate = block_sum(sums.surrogate, scratch);
  total.value_loss = block_sum(sums.value_loss, scratch);
  total.entropy = block_sum(sums.entropy, scratch);
  total.kl = block_sum(sums.kl, scratch);
  total.clipped = block_sum(sums.clipped, scratch);
  if (threadIdx.x == 0) partial_terms[blockIdx.x] = total;
}

// grid (ceil(cols / 128), kColChunks): chunk sums of each column
__global__ void colsum_partial_kernel(const float* x, int rows, int cols, float* partials) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  const int per = ceil_div(rows, kColChunks);
  const int begin = min(rows, static_cast<int>(blockIdx.y) * per), end = min(rows, begin + per);
  float s = 0.0f;
  for (int r = begin; r < end; ++r)
    s += x[static_cast<int64_t>(r) * cols + col];
  partials[blockIdx.y * cols + col] = s;
}

__global__ void colsum_final_kernel(const float* partials, int cols, float* out) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  float s = 0.0f;
  for (int c = 0; c < kColChunks; ++c)
    s += partials[c * cols + col];
  out[col] = s;
}

// ----------------------------------------------------------------------------------------------
// kernel launchers

int grid_for(int64_t count) {
  return static_cast<int>(ceil_div(count, 256));
}

void column_sums(const float* x, int rows, int cols, float* partials, float* out,
                 cudaStream_t stream) {
  launch_kernel(colsum_partial_kernel, dim3(ceil_div(cols, 128), kColChunks), 128, 0, stream, x,
                rows, cols, partials);
  launch_kernel(colsum_final_kernel, ceil_div(cols, 128), 128, 0, stream, partials, cols, out);
}

void mlp_forward(cublasHandle_t h, const MlpShape& s, const float* params, const float* x,
                 float* const* acts, int rows, cudaStream_t stream) {
  const float one = 1.0f, zero = 0.0f;
  for (int l = 0; l < s.num_layers(); ++l) {
    const int n_in = s.layer_in(l), n_out = s.layer_out(l);
    const float* in = l == 0 ? x : acts[l - 1];
    CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n_out, rows, n_in, &one,
                             params + s.weight_offset(l), n_in, in, n_in, &zero, acts[l], n_out));
    const int64_t count = static_cast<int64_t>(rows) * n_out;
    launch_kernel(bias_act_kernel, grid_for(count), 256, 0, stream, acts[l],
                  params + s.bias_offset(l), rows, n_out, l < s.num_hidden);
  }
}

// d enters as d(loss)/d(output) [rows, out]; d and d_tmp are clobbered
void mlp_backward(cublasHandle_t h, const MlpShape& s, const float* params, const float* x,
                  float* const* acts, int rows, float* d, float* d_tmp, float* col_partials,
                  float* grad, cudaStream_t stream) {
  const float one = 1.0f, zero = 0.0f;
  for (int l = s.num_hidden; l >= 0; --l) {
    const int n_in = s.layer_in(l), n_out = s.layer_out(l);
    const float* in = l == 0 ? x : acts[l - 1];
    CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, n_in, n_out, rows, &one, in, n_in, d,
                             n_out, &zero, grad + s.weight_offset(l), n_in));
    column_sums(d, rows, n_out, col_partials, grad + s.bias_offset(l), stream);
    if (l == 0) break;
    CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n_in, rows, n_out, &one,
                             params + s.weight_offset(l), n_in, d, n_out, &zero, d_tmp, n_in));
    const int64_t count = static_cast<int64_t>(rows) * n_in;
    launch_kernel(tanh_grad_kernel, grid_for(count), 256, 0, stream, d_tmp, acts[l - 1], count);
    std::swap(d, d_tmp);
  }
}

}  // namespace

size_t cublas_update_scratch_floats(const PolicyLayout& layout, int rows) {
  return static_cast<size_t>(make_scratch(layout, rows).total);
}

void launch_cublas_update(const CublasUpdateParams& p, cudaStream_t stream) {
  const MinibatchInputs& in = p.in;
  const PolicyLayout& L = in.layout;
  const CublasScratch s = make_scratch(L, in.rows);
  float* base = p.scratch;
  const int64_t x_count = static_cast<int64_t>(in.rows) * L.obs_dim;
  launch_kernel(gather_obs_kernel, grid_for(x_count), 256, 0, stream, in, base + s.x);

  float* actor_acts[kMaxHiddenLayers + 1];
  float* critic_acts[kMaxHiddenLayers + 1];
  for (int l = 0; l < L.actor.num_layers(); ++l)
    actor_acts[l] = base + s.acts[0][l];
  for (int l = 0; l < L.critic.num_layers(); ++l)
    critic_acts[l] = base + s.acts[1][l];
  const float* actor = in.params + L.actor_offset();
  const float* critic = in.params + L.critic_offset();
  mlp_forward(p.handle, L.actor, actor, base + s.x, actor_acts, in.rows, stream);
  mlp_forward(p.handle, L.critic, critic, base + s.x, critic_acts, in.rows, stream);

  launch_kernel(cublas_loss_kernel, kCublasLossBlocks, kReduceThreads, 0, stream, in,
                actor_acts[L.actor.num_hidden], critic_acts[L.critic.num_hidden], base + s.d[0],
                base + s.d[1], base + s.dls, p.partial_terms);

  mlp_backward(p.handle, L.actor, actor, base + s.x, actor_acts, in.rows, base + s.d[0],
               base + s.d[2], base + s.cols, p.grad + L.actor_offset(), stream);
  mlp_backward(p.handle, L.critic, critic, base + s.x, critic_acts, in.rows, base + s.d[1],
               base + s.d[2], base + s.cols, p.grad + L.critic_offset(), stream);
  if (!L.discrete()) {
    column_sums(base + s.dls, in.rows, L.head_dim(), base + s.cols, p.grad + L.log_std_offset(),
                stream);
  }
}

}  // namespace stampede
