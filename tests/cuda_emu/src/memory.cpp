// Device and pinned memory: host mappings tracked by address, so copies are checked against the
// direction they claim and every device range against its allocation. The emulated device has a
// fixed capacity, which makes cudaMemGetInfo (and "does it fit" checks) deterministic.
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "emu_internal.hpp"

namespace cuda_emu {

namespace {

constexpr size_t kDeviceBytes = size_t{16} << 30;  // the emulated device's memory
constexpr size_t kAlignment = 256;                 // cudaMalloc's guarantee

enum class Kind { kDevice, kPinned };

struct Allocation {
  size_t bytes;
  Kind kind;
};

const char* kind_text(Kind kind) {
  return kind == Kind::kDevice ? "a device allocation" : "a pinned host allocation";
}

std::mutex g_mutex;
std::map<const char*, Allocation> g_allocations;
size_t g_device_in_use = 0;

bool inside(Kind kind, const void* ptr, size_t bytes) {
  const char* p = static_cast<const char*>(ptr);
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_allocations.upper_bound(p);
  if (it == g_allocations.begin()) return false;
  --it;
  const char* begin = it->first;
  return it->second.kind == kind && p >= begin && p + bytes <= begin + it->second.bytes &&
         (bytes > 0 || p <= begin + it->second.bytes);
}

cudaError_t allocate(void** ptr, size_t bytes, Kind kind) {
  if (!ptr) return record_error(cudaErrorInvalidValue);
  *ptr = nullptr;
  if (const cudaError_t e = require_device()) return e;
  if (strict_capture_active()) {
    invalidate_capture(nullptr);
    return record_error(cudaErrorStreamCaptureUnsupported);
  }
  if (bytes == 0) return cudaSuccess;
  install_fault_reporter();  // overruns by emulated copies are reported too, not only kernels'
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (kind == Kind::kDevice && round_up(bytes, kAlignment) > kDeviceBytes - g_device_in_use) {
      return record_error(cudaErrorMemoryAllocation);
    }
  }
  void* p = map_guarded(bytes, kAlignment, kind_text(kind));
  if (!p) return record_error(cudaErrorMemoryAllocation);
  // poison: a kernel that reads device memory nobody wrote gets NaN (-1 as an integer);
  // map_guarded poisoned the padding up to kAlignment, which release() checks
  std::memset(p, kPoison, bytes);
  std::lock_guard<std::mutex> lock(g_mutex);
  g_allocations[static_cast<const char*>(p)] = Allocation{bytes, kind};
  if (kind == Kind::kDevice) g_device_in_use += round_up(bytes, kAlignment);
  *ptr = p;
  return cudaSuccess;
}

cudaError_t release(void* ptr, Kind kind) {
  if (!ptr) return cudaSuccess;
  synchronize_device();  // cudaFree and cudaFreeHost wait for all work, as on a GPU
  size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    const auto found = g_allocations.find(static_cast<const char*>(ptr));
    if (found == g_allocations.end() || found->second.kind != kind) {
      return record_error(cudaErrorInvalidValue);
    }
    bytes = found->second.bytes;
    if (kind == Kind::kDevice) g_device_in_use -= round_up(bytes, kAlignment);
    g_allocations.erase(found);
  }
  check_padding(ptr, bytes, kAlignment, kind_text(kind),
                kind == Kind::kDevice ? "cudaFree" : "cudaFreeHost");
  unmap_guarded(ptr);
  return cudaSuccess;
}

std::string describe(const void* ptr, size_t bytes) {
  std::ostringstream s;
  s << ptr << " (" << bytes << " bytes, "
    << (is_device_range(ptr, bytes)   ? "device memory"
        : is_pinned_range(ptr, bytes) ? "pinned host memory"
                                      : "pageable host memory or outside any allocation")
    << ")";
  return s.str();
}

const char* kind_name(cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost:
      return "cudaMemcpyHostToHost";
    case cudaMemcpyHostToDevice:
      return "cudaMemcpyHostToDevice";
    case cudaMemcpyDeviceToHost:
      return "cudaMemcpyDeviceToHost";
    case cudaMemcpyDeviceToDevice:
      return "cudaMemcpyDeviceToDevice";
    case cudaMemcpyDefault:
      return "cudaMemcpyDefault";
  }
  return "an unknown cudaMemcpyKind";
}

// the pointers match the direction (copying to or from the wrong side is undefined behaviour
// in CUDA, so it is an error here); device sides must lie inside one allocation
cudaError_t check_copy(const char* call, void* dst, const void* src, size_t bytes,
                       cudaMemcpyKind kind) {
  bool dst_device = false, src_device = false;
  switch (kind) {
    case cudaMemcpyHostToHost:
      break;
    case cudaMemcpyHostToDevice:
      dst_device = true;
      break;
    case cudaMemcpyDeviceToHost:
      src_device = true;
      break;
    case cudaMemcpyDeviceToDevice:
      dst_device = src_device = true;
      break;
    case cudaMemcpyDefault:
      return cudaSuccess;  // the pointers decide; nothing to contradict
    default:
      return record_error(cudaErrorInvalidMemcpyDirection);
  }
  if (is_device_range(dst, bytes) != dst_device || is_device_range(src, bytes) != src_device) {
    warn(std::string(call) + " " + kind_name(kind) + " of " + std::to_string(bytes) +
         " bytes: destination " + describe(dst, bytes) + ", source " + describe(src, bytes) +
         " do not match the direction (or overrun their allocation)");
    return record_error(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

// a graph's memcpy node reads host memory at replay time: only page-locked memory qualifies
cudaError_t check_capturable(const char* call, cudaStream_t stream, void* dst, const void* src,
                             size_t bytes) {
  if (!is_capturing(stream)) return cudaSuccess;
  for (const void* p : {static_cast<const void*>(dst), src}) {
    if (!is_device_range(p, bytes) && !is_pinned_range(p, bytes)) {
      warn(std::string(call) + " during stream capture with pageable host memory " +
           describe(p, bytes) + ": graphs can only copy pinned (cudaMallocHost) memory");
      invalidate_capture(stream);
      return record_error(cudaErrorStreamCaptureUnsupported);
    }
  }
  return cudaSuccess;
}

}  // namespace

bool is_device_range(const void* ptr, size_t bytes) {
  return inside(Kind::kDevice, ptr, bytes);
}

bool is_pinned_range(const void* ptr, size_t bytes) {
  return inside(Kind::kPinned, ptr, bytes);
}

void require_device_range(const void* ptr, size_t bytes, const char* what) {
  if (bytes > 0 && !is_device_range(ptr, bytes)) {
    fatal(std::string(what) + " touches " + describe(ptr, bytes) +
          ", not inside one device allocation (cudaErrorIllegalAddress on a GPU)");
  }
}

void check_kernel_pointer(const void* ptr, int index, const char* signature) {
  if (ptr && !is_device_range(ptr, 0) && !is_pinned_range(ptr, 0)) {
    fatal("argument " + std::to_string(index) + " of " + kernel_text(signature) + " is " +
          describe(ptr, 0) + ": a GPU faults when the kernel dereferences it");
  }
}

}  // namespace cuda_emu

using cuda_emu::record_error;

cudaError_t cudaMalloc(void** ptr, size_t bytes) {
  return cuda_emu::allocate(ptr, bytes, cuda_emu::Kind::kDevice);
}

cudaError_t cudaFree(void* ptr) {
  return cuda_emu::release(ptr, cuda_emu::Kind::kDevice);
}

cudaError_t cudaMallocHost(void** ptr, size_t bytes) {
  return cuda_emu::allocate(ptr, bytes, cuda_emu::Kind::kPinned);
}

cudaError_t cudaFreeHost(void* ptr) {
  return cuda_emu::release(ptr, cuda_emu::Kind::kPinned);
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  if (!free_bytes || !total_bytes) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = cuda_emu::require_device()) return e;
  std::lock_guard<std::mutex> lock(cuda_emu::g_mutex);
  *total_bytes = cuda_emu::kDeviceBytes;
  *free_bytes = cuda_emu::kDeviceBytes - cuda_emu::g_device_in_use;
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!dst || !src) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = cuda_emu::check_copy("cudaMemcpyAsync", dst, src, bytes, kind)) {
    return e;
  }
  if (const cudaError_t e =
          cuda_emu::check_capturable("cudaMemcpyAsync", stream, dst, src, bytes)) {
    return e;
  }
  if (cuda_emu::overlaps(dst, bytes, src, bytes)) {
    cuda_emu::fatal("cudaMemcpyAsync of " + std::to_string(bytes) + " bytes: destination " +
                    cuda_emu::describe(dst, bytes) + " and source " +
                    cuda_emu::describe(src, bytes) +
                    " overlap (CUDA defines no result for overlapping copies)");
  }
  // Pageable host memory is staged when the copy is enqueued (the host may reuse it at once);
  // device and pinned memory are read when the copy runs. A copy into pageable memory returns
  // only once it has run.
  const bool pageable_src =
      !cuda_emu::is_device_range(src, bytes) && !cuda_emu::is_pinned_range(src, bytes);
  const bool pageable_dst =
      !cuda_emu::is_device_range(dst, bytes) && !cuda_emu::is_pinned_range(dst, bytes);
  cudaError_t e = cudaSuccess;
  if (pageable_src && !cuda_emu::is_capturing(stream)) {
    auto staged = std::make_shared<std::vector<unsigned char>>(
        static_cast<const unsigned char*>(src), static_cast<const unsigned char*>(src) + bytes);
    e = cuda_emu::submit(stream,
                         [dst, staged] { std::memcpy(dst, staged->data(), staged->size()); });
  } else {
    e = cuda_emu::submit(stream, [dst, src, bytes] { std::memcpy(dst, src, bytes); });
  }
  if (e == cudaSuccess && pageable_dst && !cuda_emu::is_capturing(stream)) {
    cuda_emu::synchronize_stream(stream);
  }
  return e;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (cuda_emu::strict_capture_active()) {
    cuda_emu::invalidate_capture(nullptr);
    return record_error(cudaErrorStreamCaptureUnsupported);
  }
  // the legacy stream's earlier work first; then a copy from pageable memory to the device
  // returns once staged (its DMA may still be in flight: it is ordered on the legacy stream
  // only), any other copy once done
  cuda_emu::synchronize_stream(nullptr);
  const cudaError_t e = cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
  const bool staged_to_device = cuda_emu::is_device_range(dst, bytes) &&
                                !cuda_emu::is_device_range(src, bytes) &&
                                !cuda_emu::is_pinned_range(src, bytes);
  if (e == cudaSuccess && !staged_to_device) cuda_emu::synchronize_stream(nullptr);
  return e;
}

cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!cuda_emu::is_device_range(ptr, bytes)) {
    cuda_emu::warn("cudaMemsetAsync of " + cuda_emu::describe(ptr, bytes) +
                   ": not inside one device allocation");
    return record_error(cudaErrorInvalidValue);
  }
  return cuda_emu::submit(stream, [ptr, value, bytes] { std::memset(ptr, value, bytes); });
}

cudaError_t cudaMemset(void* ptr, int value, size_t bytes) {
  return cudaMemsetAsync(ptr, value, bytes, nullptr);
}
