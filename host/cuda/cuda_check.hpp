// Checked CUDA and cuBLAS calls: a failure throws std::runtime_error naming the call, the file and
// the line, so an error surfaces where it happened instead of at the next synchronisation.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

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

// after a kernel launch: catches bad launch configurations at the launch site
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
