// CPU emulation (tests/cuda_emu): there is no profiler to start; both calls succeed.
#pragma once

#include "cuda_runtime.h"

inline cudaError_t cudaProfilerStart() {
  return cudaSuccess;
}
inline cudaError_t cudaProfilerStop() {
  return cudaSuccess;
}
