// The one emulated device: its properties and attributes. The name says plainly that this is the
// CPU emulation, so no log or test output can pass it off as a GPU. Limits follow sm_90 (H100),
// the largest the kernels are written for; the small SM count keeps grids sized by it cheap.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "emu_internal.hpp"

namespace cuda_emu {

namespace {

constexpr const char* kDeviceName = "CPU emulation of CUDA (tests/cuda_emu)";
constexpr int kMultiprocessors = 4;
constexpr int kSharedPerMultiprocessor = 228 << 10;

cudaError_t check_device(int device) {
  if (const cudaError_t e = require_device()) return e;
  return device == 0 ? cudaSuccess : record_error(cudaErrorInvalidDevice);
}

}  // namespace

// CUDA_VISIBLE_DEVICES as the driver reads it when it initialises: unset or starting with
// device 0 shows the one device; empty, -1 or another ordinal hides it
bool device_visible() {
  static const bool visible = [] {
    const char* value = std::getenv("CUDA_VISIBLE_DEVICES");
    if (!value) return true;
    const std::string first = std::string(value).substr(0, std::string(value).find(','));
    return first == "0";
  }();
  return visible;
}

cudaError_t require_device() {
  return device_visible() ? cudaSuccess : record_error(cudaErrorNoDevice);
}

}  // namespace cuda_emu

using cuda_emu::record_error;

cudaError_t cudaGetDeviceCount(int* count) {
  if (!count) return record_error(cudaErrorInvalidValue);
  *count = cuda_emu::device_visible() ? 1 : 0;
  return cuda_emu::require_device();
}

cudaError_t cudaGetDevice(int* device) {
  if (!device) return record_error(cudaErrorInvalidValue);
  *device = 0;
  return cuda_emu::require_device();
}

cudaError_t cudaSetDevice(int device) {
  return cuda_emu::check_device(device);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (!prop) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = cuda_emu::check_device(device)) return e;
  size_t free_bytes = 0, total_bytes = 0;
  cudaMemGetInfo(&free_bytes, &total_bytes);
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof prop->name, "%s", cuda_emu::kDeviceName);
  prop->totalGlobalMem = total_bytes;
  prop->sharedMemPerBlock = cuda_emu::kSharedPerBlock;
  prop->regsPerBlock = 65536;
  prop->warpSize = warpSize;
  prop->maxThreadsPerBlock = static_cast<int>(cuda_emu::kMaxThreadsPerBlock);
  for (int d = 0; d < 3; ++d) {
    prop->maxThreadsDim[d] = static_cast<int>(cuda_emu::kMaxBlockDim[d]);
    prop->maxGridSize[d] = static_cast<int>(cuda_emu::kMaxGridDim[d]);
  }
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = cuda_emu::kMultiprocessors;
  prop->sharedMemPerMultiprocessor = cuda_emu::kSharedPerMultiprocessor;
  prop->sharedMemPerBlockOptin = cuda_emu::kSharedPerBlockOptin;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (!value) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = cuda_emu::check_device(device)) return e;
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock:
      *value = static_cast<int>(cuda_emu::kMaxThreadsPerBlock);
      return cudaSuccess;
    case cudaDevAttrMaxSharedMemoryPerBlock:
      *value = static_cast<int>(cuda_emu::kSharedPerBlock);
      return cudaSuccess;
    case cudaDevAttrWarpSize:
      *value = warpSize;
      return cudaSuccess;
    case cudaDevAttrMultiProcessorCount:
      *value = cuda_emu::kMultiprocessors;
      return cudaSuccess;
    // a nominal memory system (1 GHz, 64-bit, 4 MiB L2), so bandwidth reports have a positive
    // denominator; like every emulated timing, the figures mean nothing
    case cudaDevAttrMemoryClockRate:
      *value = 1000000;  // kHz
      return cudaSuccess;
    case cudaDevAttrGlobalMemoryBusWidth:
      *value = 64;
      return cudaSuccess;
    case cudaDevAttrL2CacheSize:
      *value = 4 << 20;
      return cudaSuccess;
    case cudaDevAttrMaxThreadsPerMultiProcessor:
      *value = 2048;
      return cudaSuccess;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin:
      *value = static_cast<int>(cuda_emu::kSharedPerBlockOptin);
      return cudaSuccess;
  }
  return record_error(cudaErrorInvalidValue);
}
