/*
Running statistics, reduced in a fixed order (per-chunk partials in double, combined in chunk
order by one block; no atomics), so two runs of one seed are bit-identical:
  - the observation normaliser's moments, merged before every act step;
  - reward scaling (Gymnasium's NormalizeReward): the discounted return per env, its moments,
    the scaled and clipped reward (discounted_return and scaled_reward, ppo/running_stats.hpp).
CPU twins: update_running_stats and CpuBackend::step (host/cpu/cpu_backend.cpp).
*/
#include "kernels/running_moments.hpp"

#include "core/cuda_check.hpp"
#include "kernels/reduce.cuh"
#include "ppo/running_stats.hpp"

namespace stampede {

namespace {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

// grid (kMomentChunks, dim): count, mean and M2 of one chunk of rows of one column
__global__ void moments_partial_kernel(MomentsParams p) {
  __shared__ double scratch[32];
  const int chunk = blockIdx.x, d = blockIdx.y;
  const int per_chunk = ceil_div(p.rows, kMomentChunks);
  const int begin = min(p.rows, chunk * per_chunk), end = min(p.rows, begin + per_chunk);
  double sum = 0.0;
  for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
    sum += p.x[static_cast<int64_t>(i) * p.dim + d];
  }
  sum = block_sum(sum, scratch);
  const int n = end - begin;
  const double mean = n > 0 ? sum / n : 0.0;
  double sq = 0.0;
  for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const double e = p.x[static_cast<int64_t>(i) * p.dim + d] - mean;
    sq += e * e;
  }
  sq = block_sum(sq, scratch);
  if (threadIdx.x == 0) {
    double* out = p.partials + (static_cast<int64_t>(chunk) * p.dim + d) * 3;
    out[0] = n;
    out[1] = mean;
    out[2] = sq;
  }
}

// one block: chunks combined in order per column, then merged into the running moments
__global__ void moments_merge_kernel(MomentsParams p) {
  const double running_count = *p.count;
  for (int d = threadIdx.x; d < p.dim; d += blockDim.x) {
    double n = 0.0, mean = 0.0, m2 = 0.0;
    for (int c = 0; c < kMomentChunks; ++c) {
      const double* part = p.partials + (static_cast<int64_t>(c) * p.dim + d) * 3;
      const double nb = part[0];
      if (nb == 0.0) continue;
      const double total = n + nb, delta = part[1] - mean;
      mean += delta * nb / total;
      m2 += part[2] + delta * delta * n * nb / total;
      n = total;
    }
    merge_moments(&p.mean[d], &p.var[d], running_count, mean, m2 / p.rows, p.rows);
  }
  __syncthreads();  // every column has read the old count
  if (threadIdx.x == 0) *p.count = running_count + p.rows;
}

__global__ void ret_acc_kernel(RewardParams p) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.num_envs) return;
  p.ret_acc[i] = discounted_return(p.ret_acc[i], p.gamma, p.terminated[i], p.raw_reward[i]);
}

__global__ void reward_scale_kernel(RewardParams p) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.num_envs) return;
  p.rewards[i] = scaled_reward(p.raw_reward[i], p.ret_stats[1], p.reward_clip);
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_running_moments(const MomentsParams& p, cudaStream_t stream) {
  launch_kernel(moments_partial_kernel, dim3(kMomentChunks, p.dim), kReduceThreads, 0, stream, p);
  launch_kernel(moments_merge_kernel, 1, 128, 0, stream, p);
}

void launch_reward_scaling(const RewardParams& p, cudaStream_t stream) {
  const int grid = ceil_div(p.num_envs, kReduceThreads);
  launch_kernel(ret_acc_kernel, grid, kReduceThreads, 0, stream, p);
  MomentsParams m;
  m.rows = p.num_envs;
  m.dim = 1;
  m.x = p.ret_acc;
  m.partials = p.partials;
  m.mean = p.ret_stats;
  m.var = p.ret_stats + 1;
  m.count = p.ret_stats + 2;
  launch_running_moments(m, stream);
  launch_kernel(reward_scale_kernel, grid, kReduceThreads, 0, stream, p);
}

}  // namespace stampede
