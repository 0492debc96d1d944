/*
Advantage: generalised advantage estimation, one thread per environment running gae_one_env
(ppo/gae.hpp, the function the CPU calls), a reverse loop over T. The rollout is [T, N]
time-major, so at each t a warp reads 32 consecutive floats: coalesced.
CPU twin: compute_advantages_cpu (host/cpu/update_cpu.cpp).
*/
#include "kernels/advantage.hpp"

#include "core/cuda_check.hpp"
#include "ppo/gae.hpp"

namespace stampede {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

__global__ void advantage_kernel(AdvantageParams p) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.rollout.shape.num_envs) return;
  gae_one_env(p.rollout, p.gamma, p.lambda, i);
}

// ----------------------------------------------------------------------------------------------
// kernel launchers

void launch_advantage(const AdvantageParams& p, cudaStream_t stream) {
  constexpr int kThreads = 128;
  launch_kernel(advantage_kernel, ceil_div(p.rollout.shape.num_envs, kThreads), kThreads, 0, stream,
                p);
}

}  // namespace stampede
