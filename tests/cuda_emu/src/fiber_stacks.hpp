// Stacks for the fibers that run CUDA threads: guarded (an overflow faults with a report naming
// the fiber stack) and pooled, so the thousands of fibers of a grid reuse a few mappings.
#pragma once

#include <boost/context/stack_context.hpp>

#include <cstddef>
#include <vector>

namespace cuda_emu {

class StackPool {
 public:
  explicit StackPool(size_t bytes) : bytes_(bytes) {}
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& stack) noexcept;

 private:
  size_t bytes_;
  std::vector<void*> free_;  // lowest addresses of idle stacks
};

// the StackAllocator boost::context::fiber takes: a handle on a pool
struct PooledStack {
  StackPool* pool;
  boost::context::stack_context allocate() { return pool->allocate(); }
  void deallocate(boost::context::stack_context& stack) noexcept { pool->deallocate(stack); }
};

}  // namespace cuda_emu
