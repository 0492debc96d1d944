/*
Fused PPO update for MLPs up to 128 wide: per minibatch one kernel does forward, PPO loss (all
four objectives, value loss, entropy) and backward, with the network's weights, its gradient
accumulator and a tile of activations in shared memory, all fp32.
Grid (G, 2): blockIdx.y = 0 runs the actor (policy loss, entropy, KL, log-std gradient),
blockIdx.y = 1 the critic (value loss); the two networks share no parameters, so each block
holds only one. Block b walks tiles b, b + G, ... of `tile_rows` rows (a multiple of 4; the
backend passes 64, 32, 16 or 8); per tile:
  forward, layer by layer -> per-row loss (the same HD functions as the CPU), while the threads
  without a row gather the block's next tile -> backward, output layer first:
  dW += D^T A, db += sum D, D_prev = (D W) * (1 - A^2).
The products are register-tiled (kernels/ppo_update_tiles.cuh); a tile costs 2 L + 3 barriers
for L hidden layers. The delta of hidden layer l overwrites the outputs of layer l + 1, which the
backward pass has read by then, so deltas need one spare buffer, not two.
Each block writes its partial gradient to its own slab; grad_reduce sums the G slabs in a fixed
order. Loss terms and log-std gradients are summed per row slot across tiles, then over the
slots in order. Nothing depends on timing, so the result is bit-identical from run to run.
CPU twin: minibatch_loss_grad (host/cpu/update_cpu.cpp), advantage normalisation included.
*/
#include "kernels/ppo_update.hpp"

#include <algorithm>
#include <mutex>
#include <set>

#include "core/cuda_check.hpp"
#include "kernels/ppo_update_smem.cuh"
#include "kernels/ppo_update_tiles.cuh"
#include "kernels/reduce.cuh"

namespace stampede {

namespace {

constexpr int kReduceWarps = kReduceThreads / 32;

// ----------------------------------------------------------------------------------------------
// CUDA kernels

// Mean and unbiased std of the minibatch's advantages, in double, by one block: thread t sums
// rows t, t + 1024, ... in order, then a fixed-order block reduction. The gathers are issued
// kMomentBatch at a time so their latencies overlap, and kept in shared memory (when `cached`)
// for the second pass.
constexpr int kMomentThreads = 1024, kMomentBatch = 8;

__global__ void __launch_bounds__(kMomentThreads)
    adv_moments_kernel(MinibatchInputs in, bool cached) {
  __shared__ double scratch[32];
  float* cache = dynamic_smem<float>();
  const int rows = in.rows, tid = threadIdx.x;
  double sum = 0.0;
  for (int m0 = tid; m0 < rows; m0 += kMomentBatch * kMomentThreads) {
    float a[kMomentBatch];
    STAMPEDE_UNROLL
    for (int j = 0; j < kMomentBatch; ++j) {
      const int m = m0 + j * kMomentThreads;
      a[j] = m < rows ? in.rollout.advantages[in.index[m]] : 0.0f;
    }
    STAMPEDE_UNROLL
    for (int j = 0; j < kMomentBatch; ++j) {
      const int m = m0 + j * kMomentThreads;
      if (m >= rows) break;
      sum += a[j];
      if (cached) cache[m] = a[j];
    }
  }
  const double mean = block_sum(sum, scratch) / rows;
  double sq = 0.0;
  for (int m0 = tid; m0 < rows; m0 += kMomentBatch * kMomentThreads) {
    float a[kMomentBatch];
    STAMPEDE_UNROLL
    for (int j = 0; j < kMomentBatch; ++j) {
      const int m = m0 + j * kMomentThreads;
      a[j] = m >= rows ? 0.0f : cached ? cache[m] : in.rollout.advantages[in.index[m]];
    }
    STAMPEDE_UNROLL
    for (int j = 0; j < kMomentBatch; ++j) {
      if (m0 + j * kMomentThreads >= rows) break;
      const double e = a[j] - mean;
      sq += e * e;
    }
  }
  sq = block_sum(sq, scratch);
  if (tid == 0) {
    in.adv_moments[0] = mean;
    in.adv_moments[1] = rows > 1 ? sqrt(sq / (rows - 1)) : 0.0;
  }
}

// --- matrices of the layout ---------------------------------------------------------------------

__device__ __forceinline__ Mat weights(float* smem, const FusedSmem& f, int l) {
  return Mat{smem + f.w[l], f.ws[l]};
}
__device__ __forceinline__ Mat weight_grads(float* smem, const FusedSmem& f, int l) {
  return Mat{smem + f.grads + (f.w[l] - f.w[0]), f.ws[l]};
}
__device__ __forceinline__ Mat layer_input(float* smem, const FusedSmem& f, int l, int buf) {
  return l == 0 ? Mat{smem + f.x[buf], f.xs} : Mat{smem + f.act[l - 1], f.as[l - 1]};
}
// d loss / d (output of layer l): the output layer's in d_out, the last hidden layer's in the
// spare buffer, any other in the outputs of layer l + 1 (read by the time it is written)
__device__ __forceinline__ Mat delta(float* smem, const FusedSmem& f, int l, int out_layer) {
  if (l == out_layer) return Mat{smem + f.d_out, f.as[out_layer]};
  return Mat{smem + (l == out_layer - 1 ? f.spare : f.act[l + 1]), f.hs};
}

// --- staging ------------------------------------------------------------------------------------

// weights and biases zero-padded, gradient mirror, per-slot sums and log-stds zeroed or copied
__device__ void stage_params(const FusedUpdateParams& p, const FusedSmem& f, const MlpShape& S,
                             int64_t net_offset, bool actor, float* smem) {
  const PolicyLayout& L = p.in.layout;
  const int tid = threadIdx.x, rows = p.tile_rows, warp = tid / 32, lane = tid % 32;
  for (int l = 0; l < S.num_layers(); ++l) {
    const int n_in = S.layer_in(l), n_out = S.layer_out(l), ws = f.ws[l];
    const float* w = p.in.params + net_offset + S.weight_offset(l);
    const float* b = p.in.params + net_offset + S.bias_offset(l);
    for (int o = warp; o < pad4(n_out); o += kFusedThreads / 32) {  // a warp per row
      for (int k = lane; k < ws; k += 32)
        smem[f.w[l] + o * ws + k] = o < n_out && k < n_in ? w[o * n_in + k] : 0.0f;
    }
    for (int o = tid; o < pad4(n_out); o += kFusedThreads)
      smem[f.b[l] + o] = o < n_out ? b[o] : 0.0f;
  }
  for (int k = tid; k < f.params; k += kFusedThreads)
    smem[f.grads + k] = 0.0f;
  for (int k = tid; k < rows * kLossTermsFloats; k += kFusedThreads)
    smem[f.terms + k] = 0.0f;
  if (actor && !L.discrete()) {
    const int head = L.head_dim();
    for (int j = tid; j < head; j += kFusedThreads) {
      smem[f.log_std + j] = p.in.params[L.log_std_offset() + j];
      smem[f.log_std + head + j] = p.in.old_log_std[j];
    }
    for (int k = tid; k < rows * head; k += kFusedThreads)
      smem[f.ls_sum + k] = 0.0f;
  }
}

// field `field` of rollout row k's loss record (see loss_record_width)
__device__ __forceinline__ float loss_record_field(const MinibatchInputs& in, bool actor, int64_t k,
                                                   int field) {
  const RolloutView& r = in.rollout;
  if (!actor) return field == 0 ? r.values[k] : r.returns[k];
  const int act_dim = in.layout.act_dim;
  if (field == 0) return in.advantage(k);
  if (field == 1) return r.logp[k];
  if (field < 2 + act_dim) return r.actions[k * act_dim + field - 2];
  return r.dist[k * in.layout.head_dim() + field - 2 - act_dim];
}

// gathers tile `tile` into buffer `buf`: inputs (rows past the minibatch and padding zeroed) and
// loss records; threads [first, kFusedThreads) share the work
__device__ void stage_tile(const FusedUpdateParams& p, const FusedSmem& f, const MlpShape& S,
                           bool actor, int tile, int buf, int first, float* smem) {
  const int tid = threadIdx.x;
  if (tid < first) return;
  const int rows = p.tile_rows, r0 = tile * rows, live = min(rows, p.in.rows - r0);
  const int kp = pad4(S.in), inputs = rows * kp, records = live * f.rw;
  for (int idx = tid - first; idx < inputs + records; idx += kFusedThreads - first) {
    if (idx < inputs) {
      const int r = idx / kp, k = idx % kp;
      float v = 0.0f;
      if (r < live && k < S.in) {
        v = p.in.rollout.obs[static_cast<int64_t>(p.in.index[r0 + r]) * S.in + k];
      }
      smem[f.x[buf] + r * f.xs + k] = v;
    } else {
      const int r = (idx - inputs) / f.rw, field = (idx - inputs) % f.rw;
      smem[f.rec[buf] + r * f.rw + field] =
          loss_record_field(p.in, actor, p.in.index[r0 + r], field);
    }
  }
}

// --- loss ---------------------------------------------------------------------------------------

// the loss of one row: writes d(loss)/d(output) into d (and d/d log-std into dls) and adds the
// row's terms to its slot's sums
__device__ __forceinline__ void row_loss(const FusedUpdateParams& p, const LossCoeffs& c,
                                         bool actor, const float* rec, const float* out,
                                         const float* log_std, float* d, float* dls,
                                         LossTerms* terms) {
  if (!actor) {
    SampleTerms v;
    d[0] = value_loss_grad(out[0], rec[0], rec[1], c, &v.value_loss);
    *terms += v;
    return;
  }
  const PolicyLayout& L = p.in.layout;
  const int head = L.head_dim();
  const float* action = rec + 2;
  const float* old = action + L.act_dim;
  SampleTerms s;
  if (L.discrete()) {
    s = categorical_policy_loss(out, old, static_cast<int>(action[0]), rec[1], rec[0], head, c, d);
  } else {
    s = gaussian_policy_loss(out, log_std, old, log_std + head, action, rec[1], rec[0], head, c, d,
                             dls);
  }
  *terms += s;
}

// --- the fused kernel ---------------------------------------------------------------------------

__global__ void __launch_bounds__(kFusedThreads, kFusedBlocksPerSm)
    fused_update_kernel(FusedUpdateParams p) {
  float* smem = dynamic_smem<float>();
  auto* header = reinterpret_cast<FusedHeader*>(smem);
  const bool actor = blockIdx.y == 0;
  const int tid = threadIdx.x, rows = p.tile_rows, first = blockIdx.x, step = gridDim.x;
  if (tid == 0) {
    if (actor)
      header->shape = p.in.layout.actor;
    else
      header->shape = p.in.layout.critic;
    fill_fused_smem(p.in.layout, header->shape, actor, rows, &header->f);
  }
  __syncthreads();
  const FusedSmem& f = header->f;
  const MlpShape& S = header->shape;
  const PolicyLayout& L = p.in.layout;
  const int out_layer = S.num_hidden, head = L.head_dim();
  const bool has_log_std = actor && !L.discrete();
  const int64_t net_offset = actor ? L.actor_offset() : L.critic_offset();
  auto* slot_terms = reinterpret_cast<LossTerms*>(smem + f.terms);
  LossCoeffs c = p.in.coeffs;
  c.beta = p.in.learner->beta;

  const int tiles = ceil_div(p.in.rows, rows);
  stage_params(p, f, S, net_offset, actor, smem);
  if (first < tiles) stage_tile(p, f, S, actor, first, 0, 0, smem);
  __syncthreads();

  int buf = 0;
  for (int tile = first; tile < tiles; tile += step, buf ^= 1) {
    const int live = min(rows, p.in.rows - tile * rows);
    for (int l = 0; l <= out_layer; ++l) {
      forward_layer(layer_input(smem, f, l, buf), weights(smem, f, l), smem + f.b[l],
                    pad4(S.layer_in(l)), pad4(S.layer_out(l)), rows, l < out_layer,
                    Mat{smem + f.act[l], f.as[l]});
      __syncthreads();
    }

    // one thread per row, while the others gather the next tile into the other buffer
    for (int r = tid; r < rows; r += kFusedThreads) {
      float* d = smem + f.d_out + r * f.as[out_layer];
      for (int j = 0; j < pad4(S.out); ++j)
        d[j] = 0.0f;
      if (r >= live) continue;
      float* dls = smem + f.ls_row + r * head;
      row_loss(p, c, actor, smem + f.rec[buf] + r * f.rw,
               smem + f.act[out_layer] + r * f.as[out_layer], smem + f.log_std, d, dls,
               slot_terms + r);
      if (has_log_std) {
        for (int j = 0; j < head; ++j)
          smem[f.ls_sum + r * head + j] += dls[j];
      }
    }
    if (tile + step < tiles) {
      stage_tile(p, f, S, actor, tile + step, buf ^ 1, rows < kFusedThreads ? rows : 0, smem);
    }
    __syncthreads();

    for (int l = out_layer; l >= 0; --l) {
      const int kp = pad4(S.layer_in(l)), np = pad4(S.layer_out(l));
      const Mat d = delta(smem, f, l, out_layer), x = layer_input(smem, f, l, buf);
      weight_grad(d, x, np, kp, rows, weight_grads(smem, f, l));
      bias_grad(d, np, rows, smem + f.grads + (f.b[l] - f.w[0]));
      if (l > 0)
        backprop_layer(d, weights(smem, f, l), x, np, kp, rows, delta(smem, f, l - 1, out_layer));
      __syncthreads();
    }
  }

  // this block's partial gradient, unpadded into the flat layout
  float* out = p.partial_grad + static_cast<int64_t>(blockIdx.x) * L.num_params();
  for (int l = 0; l <= out_layer; ++l) {
    const int n_in = S.layer_in(l), n_out = S.layer_out(l);
    const Mat g = weight_grads(smem, f, l);
    float* ow = out + net_offset + S.weight_offset(l);
    for (int o = tid / 32; o < n_out; o += kFusedThreads / 32) {  // a warp per row
      for (int k = tid % 32; k < n_in; k += 32)
        ow[o * n_in + k] = g.row(o)[k];
    }
    for (int o = tid; o < n_out; o += kFusedThreads)
      out[net_offset + S.bias_offset(l) + o] = smem[f.grads + (f.b[l] - f.w[0]) + o];
  }
  if (has_log_std) {
    for (int j = tid; j < head; j += kFusedThreads)
      out[L.log_std_offset() + j] = serial_sum(smem + f.ls_sum + j, rows, head);
  }
  if (tid == 0) {
    LossTerms sum;
    for (int r = 0; r < rows; ++r)
      sum += slot_terms[r];
    p.partial_terms[static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x] = sum;
  }
}

// grad[k] = sum over the G slabs: warp w sums slabs w, w + 8, ... of 32 columns, then warp 0
// adds the 8 warp sums in order
__global__ void grad_reduce_kernel(const float* partial, int blocks, int64_t count, float* grad,
                                   double* sq_partials) {
  __shared__ float warp_sums[kReduceWarps][32];
  __shared__ double scratch[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  double sq = 0.0;
  for (int64_t c0 = static_cast<int64_t>(blockIdx.x) * 32; c0 < count; c0 += gridDim.x * 32) {
    const int64_t k = c0 + lane;
    float s = 0.0f;
    if (k < count) {
      for (int b = warp; b < blocks; b += kReduceWarps)
        s += partial[b * count + k];
    }
    warp_sums[warp][lane] = s;
    __syncthreads();
    if (warp == 0 && k < count) {
      float g = 0.0f;
      for (int w = 0; w < kReduceWarps; ++w)
        g += warp_sums[w][lane];
      grad[k] = g;
      sq += static_cast<double>(g) * g;
    }
    __syncthreads();
  }
  sq = block_sum(sq, scratch);
  if (threadIdx.x == 0) sq_partials[blockIdx.x] = sq;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_adv_moments(const MinibatchInputs& in, cudaStream_t stream) {
  const size_t smem = in.adv_cached ? static_cast<size_t>(in.rows) * sizeof(float) : 0;
  launch_kernel(adv_moments_kernel, 1, kMomentThreads, smem, stream, in, in.adv_cached);
}

size_t fused_update_smem_bytes(const PolicyLayout& layout, int tile_rows) {
  const int a = make_fused_smem(layout, true, tile_rows).total;
  const int c = make_fused_smem(layout, false, tile_rows).total;
  return static_cast<size_t>(std::max(a, c)) * sizeof(float);
}

int max_dynamic_smem_bytes() {
  int device = 0, bytes = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return bytes;
}

namespace {

// the most dynamic shared memory `kernel` may launch with on this device: the opt-in limit less
// its static shared memory (the driver refuses an attribute above that)
template <class Kernel>
int dynamic_smem_limit(Kernel kernel) {
  cudaFuncAttributes attr{};
  CUDA_CHECK(cudaFuncGetAttributes(&attr, kernel));
  return max_dynamic_smem_bytes() - static_cast<int>(attr.sharedSizeBytes);
}

}  // namespace

bool prepare_update_kernels(int rows) {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  static std::mutex mutex;
  static std::set<int> prepared;  // devices whose kernels have their attributes
  std::lock_guard<std::mutex> lock(mutex);
  const int adv_limit = dynamic_smem_limit(adv_moments_kernel);
  if (!prepared.count(device)) {
    CUDA_CHECK(cudaFuncSetAttribute(adv_moments_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    adv_limit));
    CUDA_CHECK(cudaFuncSetAttribute(fused_update_kernel,
                                    cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    dynamic_smem_limit(fused_update_kernel)));
    // the fused update wants two blocks of ~100 KB per SM: ask for the largest carveout
    CUDA_CHECK(cudaFuncSetAttribute(fused_update_kernel,
                                    cudaFuncAttributePreferredSharedMemoryCarveout,
                                    cudaSharedmemCarveoutMaxShared));
    prepared.insert(device);  // only once every attribute is set
  }
  return static_cast<size_t>(rows) * sizeof(float) <= static_cast<size_t>(adv_limit);
}

void launch_fused_update(const FusedUpdateParams& p, cudaStream_t stream) {
  const size_t smem = fused_update_smem_bytes(p.in.layout, p.tile_rows);
  launch_kernel(fused_update_kernel, dim3(p.blocks, 2), kFusedThreads, smem, stream, p);
}

int grad_reduce_blocks(int64_t num_params) {
  return static_cast<int>(std::min<int64_t>(256, ceil_div(num_params, 32)));
}

void launch_grad_reduce(const float* partial_grad, int blocks, int64_t num_params, float* grad,
                        double* sq_partials, int* sq_count, cudaStream_t stream) {
  const int grid = grad_reduce_blocks(num_params);
  launch_kernel(grad_reduce_kernel, grid, kReduceThreads, 0, stream, partial_grad, blocks,
                num_params, grad, sq_partials);
  *sq_count = grid;
}

}  // namespace stampede
