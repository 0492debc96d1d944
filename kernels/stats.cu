/*
Statistics, all reduced in a fixed order (per-block partials in double, combined in block order
by one block; no atomics), so two runs of one seed are bit-identical:
  - running observation moments per rollout step, reward scaling (NormalizeReward);
  - per iteration: completed-episode sums, explained variance (two passes), mean KL[pi_old, pi]
    after the update, the adaptive-KL beta update, the IterationStats read back by the host.
CPU twins: update_running_stats and CpuBackend::step (host/cpu/cpu_backend.cpp), mean_kl_cpu,
explained_variance and the tail of ppo_update_cpu (host/cpu/update_cpu.cpp).
*/
#include <algorithm>

#include "host/cuda/cuda_check.hpp"
#include "host/ppo/distributions.hpp"
#include "host/ppo/running_stats.hpp"
#include "kernels/kernels.hpp"
#include "kernels/reduce.cuh"

namespace stampede {

namespace {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

// grid (kMomentChunks, dim): count, mean and M2 of one chunk of rows of one column
__global__ void moments_partial_kernel(MomentsParams p) {
  __shared__ double scratch[32];
  const int chunk = blockIdx.x, d = blockIdx.y;
  const int per_chunk = STAMPEDE_CEIL_DIV(p.rows, kMomentChunks);
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
  p.ret_acc[i] = p.ret_acc[i] * p.gamma * (p.terminated[i] ? 0.0f : 1.0f) + p.raw_reward[i];
}

__global__ void reward_scale_kernel(RewardParams p) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.num_envs) return;
  const float inv_scale = 1.0f / sqrtf(static_cast<float>(p.ret_stats[1]) + 1e-8f);
  const float r = p.raw_reward[i] * inv_scale;
  p.rewards[i] = fminf(fmaxf(r, -p.reward_clip), p.reward_clip);
}

// partials [b]: 0 sum returns, 1 sum (returns - values), 2 episodes, 3 episode return sum,
// 4 episode length sum, 7 diverged physics states reset
__global__ void rollout_stats_pass1_kernel(IterStatsParams p) {
  __shared__ double scratch[32];
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double ret = 0.0, err = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < p.count; k += stride) {
    ret += p.returns[k];
    err += p.returns[k] - p.values[k];
  }
  double episodes = 0.0, ep_ret = 0.0, ep_len = 0.0, bad = 0.0;
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.num_envs; i += stride) {
    bad += p.bad_state_resets[i];
    episodes += p.done_count[i];
    ep_ret += p.done_return[i];
    ep_len += p.done_length[i];
  }
  double* out = p.partials + blockIdx.x * 8;
  ret = block_sum(ret, scratch);
  err = block_sum(err, scratch);
  episodes = block_sum(episodes, scratch);
  ep_ret = block_sum(ep_ret, scratch);
  ep_len = block_sum(ep_len, scratch);
  bad = block_sum(bad, scratch);
  if (threadIdx.x == 0) {
    out[7] = bad;
    out[0] = ret;
    out[1] = err;
    out[2] = episodes;
    out[3] = ep_ret;
    out[4] = ep_len;
  }
}

// partials [b]: 5 sum (returns - mean)^2, 6 sum (err - mean err)^2
__global__ void rollout_stats_pass2_kernel(IterStatsParams p) {
  __shared__ double scratch[32];
  const double mean_ret = serial_sum(p.partials + 0, kStatsBlocks, 8) / p.count;
  const double mean_err = serial_sum(p.partials + 1, kStatsBlocks, 8) / p.count;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double var_ret = 0.0, var_err = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < p.count; k += stride) {
    const double r = p.returns[k] - mean_ret;
    const double e = p.returns[k] - p.values[k] - mean_err;
    var_ret += r * r;
    var_err += e * e;
  }
  var_ret = block_sum(var_ret, scratch);
  var_err = block_sum(var_err, scratch);
  if (threadIdx.x == 0) {
    p.partials[blockIdx.x * 8 + 5] = var_ret;
    p.partials[blockIdx.x * 8 + 6] = var_err;
  }
}

template <int kWidth>
__global__ void mean_kl_kernel(KlParams p) {
  __shared__ double scratch[32];
  const PolicyLayout& L = p.layout;
  const int head = L.head_dim();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double kl = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < p.count; k += stride) {
    float h[kMaxHeadDim], scratch_row[2 * kWidth];
    mlp_forward_row(p.params + L.actor_offset(), L.actor, p.obs + k * L.obs_dim, h, scratch_row);
    const float* old = p.dist + k * head;
    if (L.discrete()) {
      float log_p[kMaxHeadDim];
      log_softmax(h, head, log_p);
      kl += categorical_kl(old, log_p, head, nullptr);
    } else {
      kl +=
          gaussian_kl(old, p.old_log_std, h, p.params + L.log_std_offset(), head, nullptr, nullptr);
    }
  }
  kl = block_sum(kl, scratch);
  if (threadIdx.x == 0) p.partials[blockIdx.x] = kl;
}

__global__ void finalize_stats_kernel(FinalizeParams p) {
  __shared__ int scratch[32];
  DeviceLearner* L = p.learner;
  IterationStats s{};
  int bad = L->nonfinite;
  if (!bad) {
    int local = 0;
    for (int64_t k = threadIdx.x; k < p.num_params; k += blockDim.x) {
      local |= isfinite(p.params[k]) ? 0 : 1;
    }
    bad = block_sum(local, scratch) > 0;
  }
  if (threadIdx.x != 0) return;
  if (bad) {
    s.nonfinite = 1;
    L->nonfinite = 1;
  } else {
    s.policy_loss = static_cast<float>(-L->surrogate / p.samples);
    s.value_loss = static_cast<float>(L->value_loss / p.samples);
    s.entropy = static_cast<float>(L->entropy / p.samples);
    s.clip_frac = static_cast<float>(L->clipped / p.samples);
    s.grad_norm = static_cast<float>(L->grad_norm_sum / p.updates);
    s.kl = static_cast<float>(serial_sum(p.kl_partials, kKlBlocks) / p.count);
    // the PPO paper's adaptive penalty: halve or double beta around d_targ
    if (p.objective == Objective::kKlAdaptive) {
      if (s.kl < p.kl_target / 1.5f) L->beta *= 0.5f;
      if (s.kl > p.kl_target * 1.5f) L->beta *= 2.0f;
    }
    s.beta = L->beta;
    const double var_ret = serial_sum(p.stats_partials + 5, kStatsBlocks, 8);
    const double var_err = serial_sum(p.stats_partials + 6, kStatsBlocks, 8);
    s.explained_var = var_ret == 0.0 ? 0.0f : static_cast<float>(1.0 - var_err / var_ret);
  }
  s.episodes = static_cast<int32_t>(serial_sum(p.stats_partials + 2, kStatsBlocks, 8));
  s.episode_return_sum = static_cast<float>(serial_sum(p.stats_partials + 3, kStatsBlocks, 8));
  s.episode_length_sum = static_cast<float>(serial_sum(p.stats_partials + 4, kStatsBlocks, 8));
  s.bad_state_resets = static_cast<int32_t>(serial_sum(p.stats_partials + 7, kStatsBlocks, 8));
  *p.out = s;
  // the next iteration's sums start from zero
  L->surrogate = L->value_loss = L->entropy = L->kl = L->clipped = L->grad_norm_sum = 0.0;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_running_moments(const MomentsParams& p, cudaStream_t stream) {
  launch_kernel(moments_partial_kernel, dim3(kMomentChunks, p.dim), kReduceThreads, 0, stream, p);
  launch_kernel(moments_merge_kernel, 1, 128, 0, stream, p);
}

void launch_reward_scaling(const RewardParams& p, cudaStream_t stream) {
  const int grid = STAMPEDE_CEIL_DIV(p.num_envs, kReduceThreads);
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

void launch_rollout_stats(const IterStatsParams& p, cudaStream_t stream) {
  launch_kernel(rollout_stats_pass1_kernel, kStatsBlocks, kReduceThreads, 0, stream, p);
  launch_kernel(rollout_stats_pass2_kernel, kStatsBlocks, kReduceThreads, 0, stream, p);
}

void launch_mean_kl(const KlParams& p, cudaStream_t stream) {
  const int width = std::max(p.layout.actor.max_width(), p.layout.head_dim());
  if (width <= 64) {
    launch_kernel(mean_kl_kernel<64>, kKlBlocks, kReduceThreads, 0, stream, p);
  } else if (width <= 256) {
    launch_kernel(mean_kl_kernel<256>, kKlBlocks, kReduceThreads, 0, stream, p);
  } else {
    launch_kernel(mean_kl_kernel<kMaxLayerWidth>, kKlBlocks, kReduceThreads, 0, stream, p);
  }
}

void launch_finalize_stats(const FinalizeParams& p, cudaStream_t stream) {
  launch_kernel(finalize_stats_kernel, 1, kReduceThreads, 0, stream, p);
}

}  // namespace stampede
