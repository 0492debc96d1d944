// Kernel launches: the checks the driver makes before a grid runs (dimensions, dynamic shared
// memory against the per-kernel opt-in, parameter size), so a bad configuration fails at the
// launch site exactly as on a GPU; then the grid is run or recorded on its stream.
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "emu_internal.hpp"

namespace cuda_emu {

namespace {

constexpr size_t kMaxParamBytes = 32764;  // CUDA 12.1+ on Volta and newer

std::mutex g_mutex;
std::map<const void*, int> g_max_dynamic_smem;  // cudaFuncAttributeMaxDynamicSharedMemorySize

size_t dynamic_smem_limit(const void* kernel) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const auto found = g_max_dynamic_smem.find(kernel);
  return found == g_max_dynamic_smem.end() ? kSharedPerBlock : static_cast<size_t>(found->second);
}

// empty when the configuration is valid, else why not
std::string configuration_problem(const cudaLaunchConfig_t& c) {
  const dim3 g = c.gridDim, b = c.blockDim;
  if (g.x == 0 || g.y == 0 || g.z == 0 || b.x == 0 || b.y == 0 || b.z == 0) {
    return "a zero grid or block dimension";
  }
  if (g.x > kMaxGridDim[0] || g.y > kMaxGridDim[1] || g.z > kMaxGridDim[2]) {
    return "grid larger than the device allows";
  }
  if (b.x > kMaxBlockDim[0] || b.y > kMaxBlockDim[1] || b.z > kMaxBlockDim[2]) {
    return "block dimension larger than the device allows";
  }
  if (static_cast<unsigned long long>(b.x) * b.y * b.z > kMaxThreadsPerBlock) {
    return "more than " + std::to_string(kMaxThreadsPerBlock) + " threads";
  }
  return "";
}

}  // namespace

cudaError_t set_func_attribute(const void* kernel, cudaFuncAttribute attr, int value) {
  if (!kernel) return record_error(cudaErrorInvalidDeviceFunction);
  switch (attr) {
    case cudaFuncAttributeMaxDynamicSharedMemorySize:
      if (value < 0 || static_cast<size_t>(value) > kSharedPerBlockOptin) {
        warn("cudaFuncSetAttribute: " + std::to_string(value) +
             " bytes of dynamic shared memory exceed the device's opt-in limit of " +
             std::to_string(kSharedPerBlockOptin));
        return record_error(cudaErrorInvalidValue);
      }
      {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_max_dynamic_smem[kernel] = value;
      }
      return cudaSuccess;
    case cudaFuncAttributePreferredSharedMemoryCarveout:
      return value >= -1 && value <= 100 ? cudaSuccess : record_error(cudaErrorInvalidValue);
  }
  return record_error(cudaErrorInvalidValue);
}

cudaError_t get_func_attributes(cudaFuncAttributes* attr, const void* kernel) {
  if (!attr) return record_error(cudaErrorInvalidValue);
  if (!kernel) return record_error(cudaErrorInvalidDeviceFunction);
  *attr = cudaFuncAttributes{};
  attr->maxThreadsPerBlock = static_cast<int>(kMaxThreadsPerBlock);
  attr->ptxVersion = attr->binaryVersion = 90;
  attr->maxDynamicSharedSizeBytes = static_cast<int>(dynamic_smem_limit(kernel));
  return cudaSuccess;
}

cudaError_t launch(const cudaLaunchConfig_t* config, const void* kernel, const char* signature,
                   size_t param_bytes, StreamOp body) {
  if (!config) return record_error(cudaErrorInvalidValue);
  if (!kernel) return record_error(cudaErrorInvalidDeviceFunction);
  if (const cudaError_t e = require_device()) return e;
  // warns "launch of <kernel> with grid ..., block ...: <problem>" (built only on failure)
  const auto refuse = [&](const std::string& problem, cudaError_t error) {
    warn("launch of " + kernel_text(signature) + " with grid " + dims_text(config->gridDim) +
         ", block " + dims_text(config->blockDim) + ": " + problem);
    return record_error(error);
  };
  if (config->numAttrs != 0) {
    return refuse("launch attributes are not emulated", cudaErrorNotSupported);
  }
  if (const std::string problem = configuration_problem(*config); !problem.empty()) {
    return refuse(problem, cudaErrorInvalidConfiguration);
  }
  if (param_bytes > kMaxParamBytes) {
    return refuse(std::to_string(param_bytes) + " bytes of kernel parameters",
                  cudaErrorInvalidValue);
  }
  const size_t smem_limit = dynamic_smem_limit(kernel);
  if (config->dynamicSmemBytes > smem_limit) {
    return refuse(
        std::to_string(config->dynamicSmemBytes) +
            " bytes of dynamic shared memory, the kernel may use " + std::to_string(smem_limit) +
            (smem_limit == kSharedPerBlock ? " (raise it with cudaFuncSetAttribute)" : ""),
        cudaErrorInvalidValue);
  }
  return submit(config->stream,
                [grid = GridLaunch{config->gridDim, config->blockDim, config->dynamicSmemBytes,
                                   signature, std::move(body)}] { run_grid(grid); });
}

}  // namespace cuda_emu
