// Deterministic block reductions: a warp-shuffle tree then one warp over the per-warp results.
// The order of additions depends only on blockDim, never on timing, so results are bit-identical
// from run to run (no atomics).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace stampede {

constexpr int kReduceThreads = 256;

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

// sum over the block, returned to every thread; `scratch` holds 32 values; blockDim.x % 32 == 0
template <class T>
__device__ T block_sum(T v, T* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    T w = lane < warps ? scratch[lane] : T(0);
    w = warp_sum(w);
    if (lane == 0) scratch[0] = w;
  }
  __syncthreads();
  return scratch[0];
}

// the block's dynamic shared memory (the launch's smem_bytes), 16-byte aligned
template <class T>
__device__ __forceinline__ T* dynamic_smem() {
#ifdef STAMPEDE_CUDA_EMULATION
  return static_cast<T*>(emu_dynamic_smem());
#else
  extern __shared__ __align__(16) unsigned char stampede_dynamic_smem[];
  return reinterpret_cast<T*>(stampede_dynamic_smem);
#endif
}

// sums `count` values at `stride` spacing in index order by one thread (small counts only)
template <class T>
__device__ T serial_sum(const T* values, int count, int stride = 1) {
  T s = T(0);
  for (int k = 0; k < count; ++k)
    s += values[static_cast<int64_t>(k) * stride];
  return s;
}

}  // namespace stampede
