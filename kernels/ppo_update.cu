/*
Fused PPO update for MLPs up to 128 wide: per minibatch one kernel does forward, PPO loss (all
four objectives, value loss, entropy) and backward, with the network's weights, its gradient
accumulator and a tile of activations in shared memory, all fp32.
Grid (G, 2): blockIdx.y = 0 runs the actor (policy loss, entropy, KL, log-std gradient),
blockIdx.y = 1 the critic (value loss); the two networks share no parameters, so each block
holds only one. Block b walks tiles b, b + G, ... of `tile_rows` rows; per tile:
  gather rows -> forward layer by layer -> per-row loss (the same HD functions as the CPU) ->
  backward: dW += d^T a, db += sum d, d_in = (d W) * (1 - a^2).
Each block writes its partial gradient to its own slab; grad_reduce sums the G slabs in block
order. Nothing depends on timing, so the result is bit-identical from run to run.
Weight rows are padded to an odd stride, so threads reading one column of W hit distinct banks.
CPU twin: minibatch_loss_grad (host/cpu/update_cpu.cpp), advantage normalisation included.
*/
#include <algorithm>

#include "host/cuda/cuda_check.hpp"
#include "host/ppo/ppo_loss.hpp"
#include "kernels/kernels.hpp"
#include "kernels/reduce.cuh"

namespace stampede {

namespace {

constexpr int kFusedThreads = 256;
constexpr int kFusedMaxLayers = kMaxHiddenLayers + 1;

// offsets (in floats) of everything a block keeps in shared memory, for one network
struct FusedSmem {
  int64_t w[kFusedMaxLayers], b[kFusedMaxLayers];  // weights [out, stride], biases [out]
  int stride[kFusedMaxLayers];
  int64_t params_size;  // weights + biases, padded; the gradient mirror follows
  int64_t grads, xs, acts[kFusedMaxLayers], d0, d1, dls, terms, gls, total;
  int max_width;
};

constexpr int kTermFloats = 16;  // kNumTerms doubles at the start, 16-float aligned

STAMPEDE_HD FusedSmem make_fused_smem(const MlpShape& s, int rows, int head) {
  FusedSmem f{};
  int64_t off = kTermFloats;
  for (int l = 0; l < s.num_layers(); ++l) {
    const int in = s.layer_in(l);
    f.stride[l] = (in % 2) ? in : in + 1;
    f.w[l] = off;
    off += static_cast<int64_t>(s.layer_out(l)) * f.stride[l];
    f.b[l] = off;
    off += s.layer_out(l);
  }
  f.params_size = off - kTermFloats;
  f.grads = off;
  off += f.params_size;
  f.max_width = s.max_width();
  f.xs = off;
  off += static_cast<int64_t>(rows) * s.in;
  for (int l = 0; l < s.num_layers(); ++l) {
    f.acts[l] = off;
    off += static_cast<int64_t>(rows) * s.layer_out(l);
  }
  f.d0 = off;
  off += static_cast<int64_t>(rows) * f.max_width;
  f.d1 = off;
  off += static_cast<int64_t>(rows) * f.max_width;
  f.dls = off;
  off += static_cast<int64_t>(rows) * head;
  f.terms = off;
  off += static_cast<int64_t>(rows) * kNumTerms;
  f.gls = off;
  off += head;
  f.total = off;
  return f;
}

// ----------------------------------------------------------------------------------------------
// CUDA kernels

__global__ void adv_moments_kernel(MinibatchInputs in) {
  __shared__ double scratch[32];
  double sum = 0.0;
  for (int m = threadIdx.x; m < in.rows; m += blockDim.x)
    sum += in.advantages[in.index[m]];
  const double mean = block_sum(sum, scratch) / in.rows;
  double sq = 0.0;
  for (int m = threadIdx.x; m < in.rows; m += blockDim.x) {
    const double e = in.advantages[in.index[m]] - mean;
    sq += e * e;
  }
  sq = block_sum(sq, scratch);
  if (threadIdx.x == 0) {
    in.adv_moments[0] = mean;
    in.adv_moments[1] = in.rows > 1 ? sqrt(sq / (in.rows - 1)) : 0.0;
  }
}

// the loss of row r of the tile; writes d(loss)/d(output) into d[r] and the terms
__device__ void row_loss(const MinibatchInputs& in, const LossCoeffs& c, bool actor, int64_t k,
                         const float* out, float* d, float* dls, float* terms) {
  const PolicyLayout& L = in.layout;
  const int head = L.head_dim();
  for (int t = 0; t < kNumTerms; ++t)
    terms[t] = 0.0f;
  if (!actor) {
    float loss = 0.0f;
    d[0] = value_loss_grad(out[0], in.values[k], in.returns[k], c, &loss);
    terms[1] = loss;
    return;
  }
  float adv = in.advantages[k];
  if (in.norm_adv) {
    adv = static_cast<float>((adv - in.adv_moments[0]) / (in.adv_moments[1] + 1e-8));
  }
  const float* old = in.dist + k * head;
  SampleTerms s;
  if (L.discrete()) {
    const int action = static_cast<int>(in.actions[k * L.act_dim]);
    s = categorical_policy_loss(out, old, action, in.logp[k], adv, head, c, d);
  } else {
    s = gaussian_policy_loss(out, in.params + L.log_std_offset(), old, in.old_log_std,
                             in.actions + k * L.act_dim, in.logp[k], adv, head, c, d, dls);
  }
  terms[0] = s.surrogate;
  terms[2] = s.entropy;
  terms[3] = s.kl;
  terms[4] = s.clipped;
}

__global__ void __launch_bounds__(kFusedThreads) fused_update_kernel(FusedUpdateParams p) {
  float* smem = dynamic_smem<float>();
  const MinibatchInputs& in = p.in;
  const PolicyLayout& L = in.layout;
  const bool actor = blockIdx.y == 0;
  const MlpShape& S = actor ? L.actor : L.critic;
  const int64_t net_offset = actor ? L.actor_offset() : L.critic_offset();
  const int head = L.head_dim(), R = p.tile_rows, layers = S.num_layers();
  const bool has_log_std = actor && !L.discrete();
  const FusedSmem f = make_fused_smem(S, R, head);
  const float* gparams = in.params + net_offset;
  double* block_terms = reinterpret_cast<double*>(smem);
  const int tid = threadIdx.x, nthreads = blockDim.x;

  LossCoeffs c = in.coeffs;
  c.beta = in.learner->beta;

  // stage weights (padded rows) and zero the gradient mirror
  for (int l = 0; l < layers; ++l) {
    const int n_in = S.layer_in(l), n_out = S.layer_out(l);
    const float* w = gparams + S.weight_offset(l);
    for (int idx = tid; idx < n_out * n_in; idx += nthreads) {
      smem[f.w[l] + (idx / n_in) * f.stride[l] + idx % n_in] = w[idx];
    }
    for (int o = tid; o < n_out; o += nthreads)
      smem[f.b[l] + o] = gparams[S.bias_offset(l) + o];
  }
  for (int64_t k = tid; k < f.params_size; k += nthreads)
    smem[f.grads + k] = 0.0f;
  for (int k = tid; k < head; k += nthreads)
    smem[f.gls + k] = 0.0f;
  if (tid < kNumTerms) block_terms[tid] = 0.0;
  __syncthreads();

  const int tiles = STAMPEDE_CEIL_DIV(in.rows, R);
  for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int r0 = tile * R, rcount = min(R, in.rows - r0);

    // gather the tile's observations
    for (int idx = tid; idx < rcount * S.in; idx += nthreads) {
      const int r = idx / S.in, d = idx % S.in;
      smem[f.xs + idx] = in.obs[static_cast<int64_t>(in.index[r0 + r]) * S.in + d];
    }
    __syncthreads();

    // forward: acc = sum_k w k x_k, then + b (the CPU batch forward's order)
    for (int l = 0; l < layers; ++l) {
      const int n_in = S.layer_in(l), n_out = S.layer_out(l);
      const float* x = l == 0 ? smem + f.xs : smem + f.acts[l - 1];
      float* y = smem + f.acts[l];
      const bool hidden = l < S.num_hidden;
      for (int idx = tid; idx < rcount * n_out; idx += nthreads) {
        const int r = idx / n_out, o = idx % n_out;
        const float* wo = smem + f.w[l] + o * f.stride[l];
        const float* xr = x + r * n_in;
        float acc = 0.0f;
        for (int k = 0; k < n_in; ++k)
          acc += wo[k] * xr[k];
        acc += smem[f.b[l] + o];
        y[idx] = hidden ? tanhf(acc) : acc;
      }
      __syncthreads();
    }

    // loss per row: the head gradient lands in d0 (row stride max_width)
    for (int r = tid; r < rcount; r += nthreads) {
      const int64_t k = in.index[r0 + r];
      row_loss(in, c, actor, k, smem + f.acts[layers - 1] + r * S.out,
               smem + f.d0 + r * f.max_width, smem + f.dls + r * head,
               smem + f.terms + r * kNumTerms);
    }
    __syncthreads();
    if (tid < kNumTerms) {
      double s = 0.0;
      for (int r = 0; r < rcount; ++r)
        s += smem[f.terms + r * kNumTerms + tid];
      block_terms[tid] += s;
    }
    if (has_log_std) {
      for (int j = tid; j < head; j += nthreads) {
        float s = 0.0f;
        for (int r = 0; r < rcount; ++r)
          s += smem[f.dls + r * head + j];
        smem[f.gls + j] += s;
      }
    }

    // backward, output layer first
    float* d = smem + f.d0;
    float* d_next = smem + f.d1;
    for (int l = layers - 1; l >= 0; --l) {
      const int n_in = S.layer_in(l), n_out = S.layer_out(l), stride = f.stride[l];
      const float* x = l == 0 ? smem + f.xs : smem + f.acts[l - 1];
      float* gw = smem + f.grads + (f.w[l] - kTermFloats);
      float* gb = smem + f.grads + (f.b[l] - kTermFloats);
      for (int idx = tid; idx < n_out * n_in; idx += nthreads) {
        const int o = idx / n_in, k = idx % n_in;
        float s = 0.0f;
        for (int r = 0; r < rcount; ++r)
          s += d[r * f.max_width + o] * x[r * n_in + k];
        gw[o * stride + k] += s;
      }
      for (int o = tid; o < n_out; o += nthreads) {
        float s = 0.0f;
        for (int r = 0; r < rcount; ++r)
          s += d[r * f.max_width + o];
        gb[o] += s;
      }
      if (l > 0) {
        const float* w = smem + f.w[l];
        for (int idx = tid; idx < rcount * n_in; idx += nthreads) {
          const int r = idx / n_in, k = idx % n_in;
          float s = 0.0f;
          for (int o = 0; o < n_out; ++o)
            s += d[r * f.max_width + o] * w[o * stride + k];
          const float a = x[r * n_in + k];
          d_next[r * f.max_width + k] = s * (1.0f - a * a);
        }
      }
      __syncthreads();
      float* tmp = d;
      d = d_next;
      d_next = tmp;
    }
  }

  // this block's partial gradient, unpadded into the flat layout
  float* out = p.partial_grad + static_cast<int64_t>(blockIdx.x) * L.num_params();
  for (int l = 0; l < layers; ++l) {
    const int n_in = S.layer_in(l), n_out = S.layer_out(l);
    float* ow = out + net_offset + S.weight_offset(l);
    for (int idx = tid; idx < n_out * n_in; idx += nthreads) {
      ow[idx] = smem[f.grads + (f.w[l] - kTermFloats) + (idx / n_in) * f.stride[l] + idx % n_in];
    }
    for (int o = tid; o < n_out; o += nthreads) {
      out[net_offset + S.bias_offset(l) + o] = smem[f.grads + (f.b[l] - kTermFloats) + o];
    }
  }
  if (has_log_std) {
    for (int j = tid; j < head; j += nthreads)
      out[L.log_std_offset() + j] = smem[f.gls + j];
  }
  if (tid < kNumTerms) {
    p.partial_terms[(static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x) * kNumTerms + tid] =
        block_terms[tid];
  }
}

__global__ void grad_reduce_kernel(const float* partial, int blocks, int64_t count, float* grad,
                                   double* sq_partials) {
  __shared__ double scratch[32];
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double sq = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < count; k += stride) {
    float g = 0.0f;
    for (int b = 0; b < blocks; ++b)
      g += partial[b * count + k];
    grad[k] = g;
    sq += static_cast<double>(g) * g;
  }
  sq = block_sum(sq, scratch);
  if (threadIdx.x == 0) sq_partials[blockIdx.x] = sq;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_adv_moments(const MinibatchInputs& in, cudaStream_t stream) {
  launch_kernel(adv_moments_kernel, 1, 1024, 0, stream, in);
}

size_t fused_update_smem_bytes(const PolicyLayout& layout, int tile_rows) {
  const int head = layout.head_dim();
  const int64_t a = make_fused_smem(layout.actor, tile_rows, head).total;
  const int64_t c = make_fused_smem(layout.critic, tile_rows, head).total;
  return static_cast<size_t>(std::max(a, c)) * sizeof(float);
}

int fused_update_max_smem_bytes() {
  int device = 0, bytes = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return bytes;
}

void launch_fused_update(const FusedUpdateParams& p, cudaStream_t stream) {
  const size_t smem = fused_update_smem_bytes(p.in.layout, p.tile_rows);
  CUDA_CHECK(cudaFuncSetAttribute(fused_update_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(smem)));
  launch_kernel(fused_update_kernel, dim3(p.blocks, 2), kFusedThreads, smem, stream, p);
}

int grad_reduce_blocks(int64_t num_params) {
  return static_cast<int>(std::min<int64_t>(256, STAMPEDE_CEIL_DIV(num_params, kReduceThreads)));
}

void launch_grad_reduce(const float* partial_grad, int blocks, int64_t num_params, float* grad,
                        double* sq_partials, int* sq_count, cudaStream_t stream) {
  const int grid = grad_reduce_blocks(num_params);
  launch_kernel(grad_reduce_kernel, grid, kReduceThreads, 0, stream, partial_grad, blocks,
                num_params, grad, sq_partials);
  *sq_count = grid;
}

}  // namespace stampede
