// Owning device and pinned-host allocations (move-only RAII). Sizes are in elements.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/arrays.hpp"
#include "core/cuda_check.hpp"

namespace stampede {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) { resize(count); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }

  // reallocates (contents are lost) when the size changes
  void resize(size_t count) {
    if (count == count_) return;
    release();
    if (count > 0) CUDA_CHECK(cudaMalloc(&ptr_, count * sizeof(T)));
    count_ = count;
  }

  T* get() const { return ptr_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }

  void upload(const T* host, size_t count, cudaStream_t stream) {
    if (count)
      CUDA_CHECK(cudaMemcpyAsync(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice, stream));
  }
  void upload(const std::vector<T>& host, cudaStream_t stream) {
    resize(host.size());
    upload(host.data(), host.size(), stream);
  }
  // into the existing allocation (views and captured graphs keep pointing at it); a host
  // array of another length is an error, never a silent reallocation
  void upload_in_place(const std::vector<T>& host, cudaStream_t stream) {
    if (host.size() != count_) {
      throw std::runtime_error("device buffer of " + std::to_string(count_) + " elements given " +
                               std::to_string(host.size()));
    }
    upload(host.data(), host.size(), stream);
  }
  // synchronous: for checkpoints and tests, never on the hot path
  std::vector<T> download(cudaStream_t stream) const {
    std::vector<T> host(count_);
    if (count_) {
      CUDA_CHECK(cudaMemcpyAsync(host.data(), ptr_, bytes(), cudaMemcpyDeviceToHost, stream));
      CUDA_CHECK(cudaStreamSynchronize(stream));
    }
    return host;
  }
  void fill_zero(cudaStream_t stream) {
    if (count_) CUDA_CHECK(cudaMemsetAsync(ptr_, 0, bytes(), stream));
  }

 private:
  void release() {
    if (ptr_) cudaFree(ptr_);  // no throw in destructors
    ptr_ = nullptr;
    count_ = 0;
  }
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

// DeviceBuffer as an array of a structure-of-arrays storage (core/arrays.hpp)
template <class T>
T* array_data(const DeviceBuffer<T>& a) {
  return a.get();
}
template <class T>
void resize_array(DeviceBuffer<T>& a, int64_t count) {
  a.resize(static_cast<size_t>(count));
}

// Copies every field of a host storage into the same field of a device storage (resizing it),
// or back: the storages of core/arrays.hpp, walked through their one field list.
template <class Device, class Host>
void upload_storage(const Host& host, Device* device, cudaStream_t stream) {
  device->shape = host.shape;
  for_each_pair(Device::fields(*device), Host::fields(host),
                [&](auto& to, auto& from) { to.array.upload(from.array, stream); });
}
template <class Host, class Device>
void download_storage(const Device& device, Host* host, cudaStream_t stream) {
  host->shape = device.shape;
  for_each_pair(Host::fields(*host), Device::fields(device),
                [&](auto& to, auto& from) { to.array = from.array.download(stream); });
}

// The CUDA runtime and cuBLAS handles of one backend, released when it goes (after its buffers,
// so nothing in flight outlives them), also when its constructor throws half-way
struct CudaHandles {
  cudaStream_t stream = nullptr;
  cudaEvent_t event = nullptr;
  cublasHandle_t cublas = nullptr;
  cudaGraphExec_t graph = nullptr;

  CudaHandles() = default;
  CudaHandles(const CudaHandles&) = delete;
  CudaHandles& operator=(const CudaHandles&) = delete;
  ~CudaHandles() {
    if (stream) cudaStreamSynchronize(stream);
    if (graph) cudaGraphExecDestroy(graph);
    if (cublas) cublasDestroy(cublas);
    if (event) cudaEventDestroy(event);
    if (stream) cudaStreamDestroy(stream);
  }
};

// page-locked host memory, so async copies (and graph memcpy nodes) can use it
template <class T>
class PinnedBuffer {
 public:
  explicit PinnedBuffer(size_t count = 1) {
    CUDA_CHECK(cudaMallocHost(&ptr_, count * sizeof(T)));
    count_ = count;
  }
  ~PinnedBuffer() {
    if (ptr_) cudaFreeHost(ptr_);
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  T* get() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  T* operator->() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

}  // namespace stampede
