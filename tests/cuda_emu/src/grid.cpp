// Runs a grid: blocks one after another on the calling thread, each with fresh dynamic shared
// memory filled with 0xFF (NaN as floats), so a kernel reading shared memory it never wrote
// produces NaN in its outputs. Defines the built-in index variables kernels read.
// The order alternates: blocks run first to last in even launches and last to first in odd
// ones; within a block threads start from index 0 or from the top, alternating by block. A GPU
// promises no order, so a kernel whose result depends on one (a missing __syncthreads, a read of
// another block's output) gives different results in different launches here, and the
// bit-identical repeat tests catch it instead of an order that happens to hide it.
#include <cstring>
#include <string>

#include "block_scheduler.hpp"
#include "emu_internal.hpp"

thread_local constinit uint3 threadIdx{};
thread_local constinit uint3 blockIdx{};
thread_local constinit dim3 blockDim{};
thread_local constinit dim3 gridDim{};

namespace cuda_emu {

namespace {

thread_local const GridLaunch* t_grid = nullptr;
thread_local void* t_dynamic_smem = nullptr;
thread_local uint64_t t_launches = 0;

constexpr size_t kSmemAlignment = 16;  // what kernels may assume of dynamic shared memory
constexpr const char* kSmemName = "the block's dynamic shared memory (dynamicSmemBytes)";

// one guarded buffer per OS thread, remapped when the size changes, so that reading or writing
// past the launch's dynamicSmemBytes faults (or, short of the guard page, is found by
// check_padding after the block)
void* dynamic_smem_buffer(size_t bytes) {
  thread_local void* buffer = nullptr;
  thread_local size_t buffer_bytes = 0;
  if (bytes != buffer_bytes) {
    if (buffer) unmap_guarded(buffer);
    buffer = map_guarded(bytes, kSmemAlignment, kSmemName);
    if (!buffer) fatal("cannot map " + std::to_string(bytes) + " bytes of shared memory");
    buffer_bytes = bytes;
  }
  return buffer;
}

}  // namespace

void run_grid(const GridLaunch& launch) {
  if (t_grid) fatal("a kernel launched work (dynamic parallelism is not emulated)");
  install_fault_reporter();
  thread_local BlockScheduler scheduler;
  void* smem = launch.dynamic_smem > 0 ? dynamic_smem_buffer(launch.dynamic_smem) : nullptr;
  t_grid = &launch;
  BlockScheduler::active = &scheduler;
  t_dynamic_smem = smem;
  gridDim = launch.grid;
  blockDim = launch.block;
  const dim3 g = launch.grid;
  const uint64_t blocks = static_cast<uint64_t>(g.x) * g.y * g.z;
  const bool reverse_blocks = t_launches++ % 2 == 1;
  for (uint64_t i = 0; i < blocks; ++i) {
    const uint64_t b = reverse_blocks ? blocks - 1 - i : i;
    blockIdx = uint3{static_cast<unsigned>(b % g.x), static_cast<unsigned>(b / g.x % g.y),
                     static_cast<unsigned>(b / g.x / g.y)};
    if (smem) std::memset(smem, kPoison, launch.dynamic_smem);
    scheduler.run(launch, (b + t_launches) % 2 == 1);
    if (smem) {
      check_padding(smem, launch.dynamic_smem, kSmemAlignment, kSmemName, "the end of the block");
    }
  }
  t_grid = nullptr;
  BlockScheduler::active = nullptr;
  t_dynamic_smem = nullptr;
}

std::string current_kernel_context() {
  if (!t_grid) return "";
  std::string s = kernel_text(t_grid->signature) + " grid " + dims_text(t_grid->grid) + " block " +
                  dims_text(t_grid->block) + ", at block " + dims_text(blockIdx);
  const BlockScheduler* scheduler = BlockScheduler::active;
  const std::string thread = scheduler ? scheduler->current_thread() : "";
  return thread.empty() ? s : s + " " + thread;
}

}  // namespace cuda_emu

void* emu_dynamic_smem() {
  return cuda_emu::t_dynamic_smem;
}
