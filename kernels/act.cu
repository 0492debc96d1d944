/*
Act: one fused launch per rollout step. Each thread takes one environment through
  observation normalisation -> actor MLP -> sampling (Rng(seed, kAction, env, global step), the
  CPU's stream) -> log-prob -> critic value,
and, when the previous step truncated the env's episode, the critic value of the final
observation (bootstrapping truncated episodes from the state that ended them, not the reset one).
The same kernel in bootstrap mode computes V(s_T) after the last step.
Parameters are staged in shared memory when they fit (every thread reads every weight); the MLP
math is mlp_forward_row, the function the CPU backend calls.
CPU twin: CpuBackend::act and CpuBackend::bootstrap_last (host/cpu/cpu_backend.cpp).
*/
#include <algorithm>

#include "host/cuda/cuda_check.hpp"
#include "host/ppo/distributions.hpp"
#include "host/ppo/running_stats.hpp"
#include "kernels/kernels.hpp"
#include "kernels/reduce.cuh"

namespace stampede {

namespace {

constexpr int kActThreads = 128;
constexpr size_t kActSmemLimit = 48 * 1024;  // no opt-in needed below this
constexpr int kMaxObsDim = 512;

// ----------------------------------------------------------------------------------------------
// CUDA kernels

__device__ void normalize_row(const ActParams& p, const float* raw, float* out) {
  const int obs_dim = p.layout.obs_dim;
  for (int d = 0; d < obs_dim; ++d) {
    out[d] = p.norm_obs ? normalize_obs(raw[d], static_cast<float>(p.obs_mean[d]),
                                        static_cast<float>(p.obs_var[d]), p.obs_clip)
                        : raw[d];
  }
}

template <int kWidth>
__device__ float critic_value(const ActParams& p, const float* params, const float* x) {
  float v, scratch[2 * kWidth];
  mlp_forward_row(params + p.layout.critic_offset(), p.layout.critic, x, &v, scratch);
  return v;
}

// kWidth bounds every layer width (and obs/head dims) of both networks
template <int kWidth>
__global__ void act_kernel(ActParams p, bool staged) {
  float* smem_params = dynamic_smem<float>();
  const PolicyLayout& L = p.layout;
  const float* params = p.params;
  if (staged) {
    const int64_t count = L.num_params();
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
      smem_params[k] = p.params[k];
    __syncthreads();
    params = smem_params;
  }
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.num_envs) return;
  const int obs_dim = L.obs_dim, act_dim = L.act_dim, head = L.head_dim();
  float x[kWidth];

  if (p.prev_truncated && p.prev_truncated[i]) {
    normalize_row(p, p.final_obs + static_cast<int64_t>(i) * obs_dim, x);
    p.prev_trunc_values[i] = critic_value<kWidth>(p, params, x);
  }
  if (p.bootstrap) {
    normalize_row(p, p.env_obs + static_cast<int64_t>(i) * obs_dim, x);
    p.values[i] = critic_value<kWidth>(p, params, x);
    return;
  }

  float* xo = p.obs + static_cast<int64_t>(i) * obs_dim;
  normalize_row(p, p.env_obs + static_cast<int64_t>(i) * obs_dim, x);
  for (int d = 0; d < obs_dim; ++d)
    xo[d] = x[d];

  float h[kMaxHeadDim], scratch[2 * kWidth];
  mlp_forward_row(params + L.actor_offset(), L.actor, x, h, scratch);
  Rng rng(p.seed, RngPurpose::kAction, static_cast<uint32_t>(i),
          static_cast<uint64_t>(p.control->global_step + p.step));
  float* a = p.actions + static_cast<int64_t>(i) * act_dim;
  float* env_a = p.env_actions + static_cast<int64_t>(i) * act_dim;
  float* dist = p.dist + static_cast<int64_t>(i) * head;
  if (L.discrete()) {
    float log_p[kMaxHeadDim];
    log_softmax(h, head, log_p);
    const int choice = categorical_sample(log_p, head, rng.uniform());
    for (int j = 0; j < head; ++j)
      dist[j] = log_p[j];
    a[0] = static_cast<float>(choice);
    env_a[0] = a[0];
    p.logp[i] = log_p[choice];
  } else {
    const float* log_std = params + L.log_std_offset();
    float sample[kMaxHeadDim];
    for (int j = 0; j < act_dim; ++j) {
      dist[j] = h[j];
      sample[j] = h[j] + expf(log_std[j]) * rng.normal();
      a[j] = sample[j];
      env_a[j] = fminf(fmaxf(sample[j], p.action_low[j]), p.action_high[j]);
    }
    p.logp[i] = gaussian_log_prob(h, log_std, sample, act_dim);
  }
  p.values[i] = critic_value<kWidth>(p, params, x);
}

int layout_width(const PolicyLayout& L) {
  return std::max({L.actor.max_width(), L.critic.max_width(), L.head_dim()});
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_act(const ActParams& p, cudaStream_t stream) {
  const size_t param_bytes = static_cast<size_t>(p.layout.num_params()) * sizeof(float);
  const bool staged = param_bytes <= kActSmemLimit;
  const size_t smem = staged ? param_bytes : 0;
  const int grid = STAMPEDE_CEIL_DIV(p.num_envs, kActThreads);
  const int width = layout_width(p.layout);
  if (width > kMaxLayerWidth || p.layout.obs_dim > kMaxObsDim) {
    throw std::runtime_error("act: network wider than the act kernel supports");
  }
  // per-thread scratch lives in local memory; the template keeps it no larger than needed
  if (width <= 64) {
    launch_kernel(act_kernel<64>, grid, kActThreads, smem, stream, p, staged);
  } else if (width <= 256) {
    launch_kernel(act_kernel<256>, grid, kActThreads, smem, stream, p, staged);
  } else {
    launch_kernel(act_kernel<kMaxLayerWidth>, grid, kActThreads, smem, stream, p, staged);
  }
}

}  // namespace stampede
