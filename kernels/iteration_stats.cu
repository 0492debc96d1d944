/*
Iteration statistics, all reduced in a fixed order (per-block partials in double, combined in
block order by one thread; no atomics), so two runs of one seed are bit-identical: completed-
episode sums, explained variance (two passes), the mean KL[pi_old, pi] after the update, the
adaptive-KL beta (adapted_beta, ppo/ppo_loss.hpp), and the IterationStats read back by the host.
CPU twins: mean_kl_cpu, explained_variance and the tail of ppo_update_cpu
(host/cpu/update_cpu.cpp).
*/
#include "kernels/iteration_stats.hpp"

#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/reduce.cuh"
#include "ppo/distributions.hpp"

namespace stampede {

namespace {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

// sums of returns, errors and the episode accumulators
__global__ void rollout_stats_pass1_kernel(RolloutStatsParams p) {
  __shared__ double scratch[32];
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const RolloutView& r = p.rollout;
  double ret = 0.0, err = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < r.size(); k += stride) {
    ret += r.returns[k];
    err += r.returns[k] - r.values[k];
  }
  double episodes = 0.0, ep_ret = 0.0, ep_len = 0.0, bad = 0.0;
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.envs.num_envs(); i += stride) {
    bad += p.envs.bad_state_resets[i];
    episodes += p.envs.done_count[i];
    ep_ret += p.envs.done_return_sum[i];
    ep_len += p.envs.done_length_sum[i];
  }
  RolloutStatsPartial out;
  out.returns = block_sum(ret, scratch);
  out.errors = block_sum(err, scratch);
  out.episodes = block_sum(episodes, scratch);
  out.episode_return = block_sum(ep_ret, scratch);
  out.episode_length = block_sum(ep_len, scratch);
  out.bad_state_resets = block_sum(bad, scratch);
  if (threadIdx.x == 0) p.partials[blockIdx.x] = out;
}

// squared deviations from the means of pass 1
__global__ void rollout_stats_pass2_kernel(RolloutStatsParams p) {
  __shared__ double scratch[32];
  const RolloutView& r = p.rollout;
  double sum_ret = 0.0, sum_err = 0.0;
  for (int b = 0; b < kStatsBlocks; ++b) {
    sum_ret += p.partials[b].returns;
    sum_err += p.partials[b].errors;
  }
  const double mean_ret = sum_ret / r.size(), mean_err = sum_err / r.size();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double var_ret = 0.0, var_err = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < r.size(); k += stride) {
    const double d = r.returns[k] - mean_ret;
    const double e = r.returns[k] - r.values[k] - mean_err;
    var_ret += d * d;
    var_err += e * e;
  }
  var_ret = block_sum(var_ret, scratch);
  var_err = block_sum(var_err, scratch);
  if (threadIdx.x == 0) {
    p.partials[blockIdx.x].var_returns = var_ret;
    p.partials[blockIdx.x].var_errors = var_err;
  }
}

template <int kWidth>
__global__ void mean_kl_kernel(KlParams p) {
  __shared__ double scratch[32];
  const PolicyLayout& L = p.layout;
  const int head = L.head_dim();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  double kl = 0.0;
  for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < p.rollout.size(); k += stride) {
    float h[kMaxHeadDim], scratch_row[2 * kWidth];
    mlp_forward_row(p.params + L.actor_offset(), L.actor, p.rollout.obs + k * L.obs_dim, h,
                    scratch_row);
    const float* old = p.rollout.dist + k * head;
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
  RolloutStatsPartial sums;
  for (int b = 0; b < kStatsBlocks; ++b) {
    const RolloutStatsPartial& part = p.stats_partials[b];
    sums.var_returns += part.var_returns;
    sums.var_errors += part.var_errors;
    sums.episodes += part.episodes;
    sums.episode_return += part.episode_return;
    sums.episode_length += part.episode_length;
    sums.bad_state_resets += part.bad_state_resets;
  }
  if (bad) {
    s.nonfinite = 1;
    L->nonfinite = 1;
  } else {
    s.policy_loss = static_cast<float>(-L->terms.surrogate / p.samples);
    s.value_loss = static_cast<float>(L->terms.value_loss / p.samples);
    s.entropy = static_cast<float>(L->terms.entropy / p.samples);
    s.clip_frac = static_cast<float>(L->terms.clipped / p.samples);
    s.grad_norm = static_cast<float>(L->grad_norm_sum / p.updates);
    s.kl = static_cast<float>(serial_sum(p.kl_partials, kKlBlocks) / p.count);
    if (p.objective == Objective::kKlAdaptive) L->beta = adapted_beta(L->beta, s.kl, p.kl_target);
    s.beta = L->beta;
    s.explained_var = sums.var_returns == 0.0
                          ? 0.0f
                          : static_cast<float>(1.0 - sums.var_errors / sums.var_returns);
  }
  s.episodes = static_cast<int32_t>(sums.episodes);
  s.episode_return_sum = static_cast<float>(sums.episode_return);
  s.episode_length_sum = static_cast<float>(sums.episode_length);
  s.bad_state_resets = static_cast<int32_t>(sums.bad_state_resets);
  *p.out = s;
  // the next iteration's sums start from zero
  L->terms = LossTerms{};
  L->grad_norm_sum = 0.0;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_rollout_stats(const RolloutStatsParams& p, cudaStream_t stream) {
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
