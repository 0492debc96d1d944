/*
Environment step: one thread per environment runs step_env, the same __host__ __device__ code
the CPU backend loops over (dynamics, reward, termination, truncation, auto-reset, episode
bookkeeping). State is [state_dim, N], so consecutive threads touch consecutive addresses.
The kernel is instantiated per task in env_step_classic.cu and env_step_mujoco.cu: the physics
tasks are large kernels, and separate files compile in parallel.
CPU twin: the loop in CpuBackend::step (host/cpu/cpu_backend.cpp).
*/
#pragma once

#include "envs/core/env_batch.hpp"
#include "host/cuda/cuda_check.hpp"
#include "kernels/kernels.hpp"
#include "kernels/reduce.cuh"

namespace stampede {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

template <class Env>
__global__ void env_step_kernel(EnvStepParams p, Env env) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= p.batch.num_envs) return;
  const uint64_t step = static_cast<uint64_t>(*p.step_base + p.step_offset);
  step_env(env, p.batch, i, p.actions + static_cast<int64_t>(i) * Env::kActDim, p.seed, step);
}

// ----------------------------------------------------------------------------------------------
// kernel launchers

// `env` as the device sees it (device_env): a MuJoCo task's model already in device memory
template <class Env>
void launch_env_step_typed(const Env& env, const EnvStepParams& p, cudaStream_t stream) {
  constexpr int kThreads = 128;  // small blocks: env state lives in registers
  const int grid = STAMPEDE_CEIL_DIV(p.batch.num_envs, kThreads);
  launch_kernel(env_step_kernel<Env>, grid, kThreads, 0, stream, p, env);
}

}  // namespace stampede
