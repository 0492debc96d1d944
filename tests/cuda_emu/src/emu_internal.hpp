// Internal interfaces between the emulator's source files (not seen by the code under test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda_runtime.h"

namespace cuda_emu {

// --- the emulated device's limits (sm_90); the warp size is device_builtins.h's warpSize -----

// shared memory per block: without opt-in, and the most cudaFuncSetAttribute may allow
constexpr size_t kSharedPerBlock = 48 << 10;
constexpr size_t kSharedPerBlockOptin = 227 << 10;
constexpr unsigned int kMaxThreadsPerBlock = 1024;
constexpr unsigned int kMaxBlockDim[3] = {1024, 1024, 64};
constexpr unsigned int kMaxGridDim[3] = {0x7fffffff, 65535, 65535};

// the byte every fresh allocation and dynamic shared memory is filled with: NaN as a float or
// double, -1 as an integer, so reading what nobody wrote shows in the results
constexpr unsigned char kPoison = 0xFF;

constexpr size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

// [a, a + a_bytes) and [b, b + b_bytes) share a byte
inline bool overlaps(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  const uintptr_t x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
  return a_bytes > 0 && b_bytes > 0 && x < y + b_bytes && y < x + a_bytes;
}

// --- errors.cpp: the per-host-thread last error, diagnostics ----------------------------------

// remembers a failure as the last error (cudaGetLastError) and returns it
cudaError_t record_error(cudaError_t error);
// "cuda_emu: <message>" on stderr, with the running kernel's thread and block when inside one
void warn(const std::string& message);
[[noreturn]] void fatal(const std::string& message);
// "(x, y, z)"
std::string dims_text(uint3 v);
// the kernel's parameter types, from cudaLaunchKernelEx's __PRETTY_FUNCTION__ (kernels have no
// names at run time; their parameter structs identify them)
std::string kernel_text(const char* signature);

// --- device.cpp -----------------------------------------------------------------------------------

// false when CUDA_VISIBLE_DEVICES hides the device; calls that need one then fail with
// cudaErrorNoDevice (require_device), as the runtime does on a machine without a GPU
bool device_visible();
cudaError_t require_device();

// --- memory.cpp: allocations ------------------------------------------------------------------

// [ptr, ptr + bytes) lies inside one cudaMalloc allocation (bytes 0: ptr inside or at its end)
bool is_device_range(const void* ptr, size_t bytes);
// ... inside one cudaMallocHost allocation
bool is_pinned_range(const void* ptr, size_t bytes);

// --- guard_pages.cpp: mappings whose overruns fault, with a readable report --------------------

// `bytes` at `align` whose end touches an inaccessible page (and whose mapping starts with one),
// so running past either end faults; `what` names the region in the fault report. The
// region is round_up(bytes, align) long: the padding after `bytes` is filled with kPoison
// (the caller fills the `bytes` it hands out) and check_padding finds writes into it.
void* map_guarded(size_t bytes, size_t align, const char* what);
void unmap_guarded(void* ptr);
// fatal, naming `what` and `when`, unless the padding of the map_guarded(bytes, align) region
// at `ptr` still holds kPoison everywhere (an overrun too short to reach the guard page)
void check_padding(const void* ptr, size_t bytes, size_t align, const char* what, const char* when);
// a SIGSEGV/SIGBUS handler (on an alternate stack of the calling thread) naming guard hits
void install_fault_reporter();

// --- streams.cpp --------------------------------------------------------------------------------

bool is_capturing(cudaStream_t stream);
// runs every stream's queued work (what cudaDeviceSynchronize and cudaFree wait for)
void synchronize_device();
// runs one stream's queued work (nullptr: the legacy default stream)
void synchronize_stream(cudaStream_t stream);
// marks the capture sequence of `stream` (every capturing stream when nullptr) as invalid, as
// the driver does after a call that is illegal during capture
void invalidate_capture(cudaStream_t stream);
// a stream is capturing in global or thread-local mode: potentially unsafe calls are refused
bool strict_capture_active();

// --- block_scheduler.cpp ------------------------------------------------------------------------

struct GridLaunch {
  dim3 grid, block;
  size_t dynamic_smem = 0;
  const char* signature = "";
  StreamOp body;
};
// runs every block of the grid in order, each with one fiber per CUDA thread
void run_grid(const GridLaunch& launch);
// "thread (x,y,z) of block (x,y,z) of <kernel>" while a kernel runs, else empty
std::string current_kernel_context();

}  // namespace cuda_emu
