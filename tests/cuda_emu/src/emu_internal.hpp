// Internal interfaces between the emulator's source files (not seen by the code under test).
#pragma once

#include <cstddef>
#include <string>

#include "cuda_runtime.h"

namespace cuda_emu {

// shared memory per block: without opt-in, and the most cudaFuncSetAttribute may allow (sm_90)
constexpr size_t kSharedPerBlock = 48 << 10;
constexpr size_t kSharedPerBlockOptin = 227 << 10;

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

// --- memory.cpp: allocations ------------------------------------------------------------------

// [ptr, ptr + bytes) lies inside one cudaMalloc allocation (bytes 0: ptr inside or at its end)
bool is_device_range(const void* ptr, size_t bytes);
// ... inside one cudaMallocHost allocation
bool is_pinned_range(const void* ptr, size_t bytes);

// --- guard_pages.cpp: mappings whose overruns fault, with a readable report --------------------

// `bytes` at `align` whose end touches an inaccessible page (and whose mapping starts with one),
// so running past either end faults; `what` names the region in the fault report
void* map_guarded(size_t bytes, size_t align, const char* what);
void unmap_guarded(void* ptr);
// a SIGSEGV/SIGBUS handler (on an alternate stack of the calling thread) naming guard hits
void install_fault_reporter();

// --- streams.cpp --------------------------------------------------------------------------------

bool is_capturing(cudaStream_t stream);
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
