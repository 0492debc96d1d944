/*
Environment step: one thread per environment runs step_env, the same __host__ __device__ code
the CPU backend loops over (dynamics, reward, termination, truncation, auto-reset, episode
bookkeeping). State is [state_dim, N], so consecutive threads touch consecutive addresses.
Each task's instantiation is its own translation unit, generated from the task list by
cmake/tasks.cmake: STAMPEDE_ENV_STEP_KERNEL(Type).
CPU twin: the loop in CpuBackend::step (host/cpu/cpu_backend.cpp).
*/
#pragma once

#include "core/cuda_check.hpp"
#include "kernels/env_step.hpp"

namespace stampede {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

template <class Env>
__global__ void env_step_kernel(EnvStepParams p, Env env) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.batch.num_envs()) return;
  const uint64_t step = static_cast<uint64_t>(*p.step_base + p.step_offset);
  step_env(env, p.batch, i, p.actions + static_cast<int64_t>(i) * Env::kActDim, p.seed, step);
}

// ----------------------------------------------------------------------------------------------
// kernel launchers

template <class Env>
void launch_env_step(const Env& env, const EnvStepParams& p, cudaStream_t stream) {
  constexpr int kThreads = 128;  // small blocks: env state lives in registers
  launch_kernel(env_step_kernel<Env>, ceil_div(p.batch.num_envs(), kThreads), kThreads, 0, stream,
                p, env);
}

}  // namespace stampede

#define STAMPEDE_ENV_STEP_KERNEL(Type)                     \
  template void stampede::launch_env_step<stampede::Type>( \
      const stampede::Type&, const stampede::EnvStepParams&, cudaStream_t);
