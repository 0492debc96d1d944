/*
Shuffle: the permutation of [0, TN) for one epoch. Each index j draws a 32-bit Philox key
Rng(seed, kShuffle, j, iteration * epochs + epoch); a stable radix sort of (key, j) orders by key
and breaks ties by index, exactly as the CPU's sort of (key << 32 | j), so both backends visit the
minibatches in the same order.
CPU twin: shuffle_indices (host/cpu/update_cpu.cpp).
*/
#include "kernels/shuffle.hpp"

#include <cub/device/device_radix_sort.cuh>

#include "core/cuda_check.hpp"
#include "core/rng.hpp"
#include "kernels/reduce.cuh"

namespace stampede {

// ----------------------------------------------------------------------------------------------
// CUDA kernels

__global__ void shuffle_keys_kernel(ShuffleParams p) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= p.count) return;
  const uint64_t counter =
      static_cast<uint64_t>(p.control->iteration) * p.epochs + static_cast<uint64_t>(p.epoch);
  Rng rng(p.seed, RngPurpose::kShuffle, static_cast<uint32_t>(j), counter);
  p.keys_in[j] = rng.next_u32();
  p.index_in[j] = j;
}

// ----------------------------------------------------------------------------------------------
// kernel launchers

size_t shuffle_temp_bytes(int count) {
  size_t bytes = 0;
  CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, bytes, static_cast<uint32_t*>(nullptr), static_cast<uint32_t*>(nullptr),
      static_cast<int32_t*>(nullptr), static_cast<int32_t*>(nullptr), count));
  return bytes;
}

void launch_shuffle(const ShuffleParams& p, cudaStream_t stream) {
  launch_kernel(shuffle_keys_kernel, ceil_div(p.count, kReduceThreads), kReduceThreads, 0, stream,
                p);
  size_t bytes = p.temp_bytes;
  // LSD radix sort is stable: equal keys keep index order
  CUDA_CHECK(cub::DeviceRadixSort::SortPairs(p.temp, bytes, p.keys_in, p.keys_out, p.index_in,
                                             p.perm, p.count, 0, 32, stream));
}

}  // namespace stampede
