#include "fiber_stacks.hpp"

#include <new>

#include "emu_internal.hpp"

namespace cuda_emu {

StackPool::~StackPool() {
  for (void* p : free_)
    unmap_guarded(p);
}

boost::context::stack_context StackPool::allocate() {
  char* low = nullptr;
  if (!free_.empty()) {
    low = static_cast<char*>(free_.back());
    free_.pop_back();
  } else {
    low = static_cast<char*>(
        map_guarded(bytes_, 4096,
                    "the fiber stack of a CUDA thread (the kernel's local variables overflowed "
                    "it; raise kFiberStackBytes in tests/cuda_emu/src/block_scheduler.cpp)"));
    if (!low) throw std::bad_alloc();
  }
  // Stagger the tops (which hold the hot frames) by multiples of 256 bytes: at equal page
  // offsets the tops of hundreds of fibers fall into the same few cache sets and evict each
  // other at every switch.
  const size_t color = (reinterpret_cast<uintptr_t>(low) / 4096) % 61 * 256;
  boost::context::stack_context stack;
  stack.size = bytes_ - color;
  stack.sp = low + bytes_ - color;  // stacks grow down from sp
  return stack;
}

void StackPool::deallocate(boost::context::stack_context& stack) noexcept {
  free_.push_back(static_cast<char*>(stack.sp) - stack.size);
}

}  // namespace cuda_emu
