// The shuffle (kernels/shuffle.cu): each epoch's permutation of the rollout's transitions.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/control.hpp"

namespace stampede {

struct ShuffleParams {
  int count = 0;  // TN
  uint64_t seed = 0;
  int epochs = 1, epoch = 0;  // key counter = iteration * epochs + epoch
  const DeviceControl* control = nullptr;
  uint32_t* keys_in = nullptr;   // [TN] scratch
  uint32_t* keys_out = nullptr;  // [TN] scratch
  int32_t* index_in = nullptr;   // [TN] scratch
  int32_t* perm = nullptr;       // [TN] the permutation
  void* temp = nullptr;          // CUB temporary storage
  size_t temp_bytes = 0;
};
size_t shuffle_temp_bytes(int count);
void launch_shuffle(const ShuffleParams& p, cudaStream_t stream);

}  // namespace stampede
