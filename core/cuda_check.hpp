// Checked CUDA and cuBLAS calls: a failure throws std::runtime_error naming the call, the file and
// the line, so an error surfaces where it happened instead of at the next synchronisation.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "core/math.hpp"

namespace stampede {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* what, const char* file,
                                          int line) {
  throw std::runtime_error(std::string("CUDA error ") + cudaGetErrorName(err) + " (" +
                           cudaGetErrorString(err) + ") in " + what + " at " + file + ":" +
                           std::to_string(line));
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t status, const char* what,
                                            const char* file, int line) {
  throw std::runtime_error(std::string("cuBLAS error ") + cublasGetStatusString(status) + " in " +
                           what + " at " + file + ":" + std::to_string(line));
}

}  // namespace stampede

#define CUDA_CHECK(call)                                                      \
  do {                                                                        \
    const cudaError_t stampede_err_ = (call);                                 \
    if (stampede_err_ != cudaSuccess) {                                       \
      ::stampede::throw_cuda_error(stampede_err_, #call, __FILE__, __LINE__); \
    }                                                                         \
  } while (0)

#define CUBLAS_CHECK(call)                                                         \
  do {                                                                             \
    const cublasStatus_t stampede_status_ = (call);                                \
    if (stampede_status_ != CUBLAS_STATUS_SUCCESS) {                               \
      ::stampede::throw_cublas_error(stampede_status_, #call, __FILE__, __LINE__); \
    }                                                                              \
  } while (0)

namespace stampede {

// Every kernel is launched here, through the typed runtime call cudaLaunchKernelEx rather than
// <<<>>>: a bad launch configuration throws at the launch site, and the kernels build unchanged
// against the CPU emulation of the runtime that runs the GPU tests without a GPU (tests/cuda_emu).
template <class... Params, class... Args>
void launch_kernel(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem_bytes,
                   cudaStream_t stream, Args&&... args) {
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem_bytes;
  config.stream = stream;
  CUDA_CHECK(cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...));
}

}  // namespace stampede
