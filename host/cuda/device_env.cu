#include "host/cuda/device_env.hpp"

#include <map>
#include <mutex>

#include "host/cuda/cuda_check.hpp"

namespace stampede {

const Model* device_model(const Model* host) {
  static std::mutex mutex;
  static std::map<const Model*, Model*> copies;  // freed at process exit by the driver
  std::lock_guard<std::mutex> lock(mutex);
  const auto found = copies.find(host);
  if (found != copies.end()) return found->second;
  Model* device = nullptr;
  CUDA_CHECK(cudaMalloc(&device, sizeof(Model)));
  CUDA_CHECK(cudaMemcpy(device, host, sizeof(Model), cudaMemcpyHostToDevice));
  copies.emplace(host, device);
  return device;
}

}  // namespace stampede
