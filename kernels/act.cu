/*
Act: one launch per rollout step, one thread per environment running act_env (ppo/act.hpp), the
function the CPU backend calls:
  observation normalisation -> actor MLP -> sampling (Rng(seed, kAction, env, global step)) ->
  log-prob -> critic value,
and, when the previous step truncated the env's episode, the critic value of the final
observation. At t == T the same kernel computes V(s_T).
Parameters are staged in shared memory when they fit (every thread reads every weight).
CPU twin: CpuBackend::act (host/cpu/cpu_backend.cpp), the same act_env.
*/
#include "kernels/act.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/cuda_check.hpp"
#include "kernels/reduce.cuh"

namespace stampede {

namespace {

constexpr int kActThreads = 128;
constexpr size_t kActSmemLimit = 48 * 1024;  // no opt-in needed below this

// ----------------------------------------------------------------------------------------------
// CUDA kernels

// kWidth bounds every layer width (and obs/head dims) of both networks: the per-thread scratch
template <int kWidth>
__global__ void act_kernel(ActParams p, const DeviceControl* control, bool staged) {
  const float* params = p.params;
  if (staged) {
    float* smem_params = dynamic_smem<float>();
    const int64_t count = p.layout.num_params();
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
      smem_params[k] = p.params[k];
    __syncthreads();
    params = smem_params;
  }
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.rollout.shape.num_envs) return;
  act_env<kWidth>(p, params, i, static_cast<uint64_t>(control->global_step + p.t));
}

// the narrowest instantiation that holds every width of the layout
int act_width(const PolicyLayout& L) {
  const int width = std::max({L.actor.max_width(), L.critic.max_width(), L.head_dim()});
  if (width > kMaxLayerWidth) throw std::runtime_error("act: network wider than kMaxLayerWidth");
  return width <= 64 ? 64 : width <= 256 ? 256 : kMaxLayerWidth;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// kernel launchers

size_t act_local_bytes_per_thread(const PolicyLayout& layout) {
  cudaFuncAttributes attr{};
  switch (act_width(layout)) {
    case 64:
      CUDA_CHECK(cudaFuncGetAttributes(&attr, act_kernel<64>));
      break;
    case 256:
      CUDA_CHECK(cudaFuncGetAttributes(&attr, act_kernel<256>));
      break;
    default:
      CUDA_CHECK(cudaFuncGetAttributes(&attr, act_kernel<kMaxLayerWidth>));
  }
  return attr.localSizeBytes;
}

void launch_act(const ActParams& p, const DeviceControl* control, cudaStream_t stream) {
  const size_t param_bytes = static_cast<size_t>(p.layout.num_params()) * sizeof(float);
  const bool staged = param_bytes <= kActSmemLimit;
  const size_t smem = staged ? param_bytes : 0;
  const int grid = ceil_div(p.rollout.shape.num_envs, kActThreads);
  switch (act_width(p.layout)) {
    case 64:
      launch_kernel(act_kernel<64>, grid, kActThreads, smem, stream, p, control, staged);
      break;
    case 256:
      launch_kernel(act_kernel<256>, grid, kActThreads, smem, stream, p, control, staged);
      break;
    default:
      launch_kernel(act_kernel<kMaxLayerWidth>, grid, kActThreads, smem, stream, p, control,
                    staged);
  }
}

}  // namespace stampede
