// One block's CUDA threads as fibers on the calling OS thread. A worker fiber runs threads one
// after another until one waits at a barrier; only then does the next thread get a worker of its
// own, so a kernel without barriers runs on a single fiber. A waiting thread switches straight
// to the next ready thread (or a new worker), not through a scheduler loop: one context switch
// per wait. Barriers:
//   __syncthreads: every live thread of the block has arrived (threads that returned do not
//     take part, as on a GPU);
//   warp shuffles (__shfl*_sync): every live lane of the warp has deposited its value; slots
//   alternate
//     between two buffers, so a lane's value stays readable until the warp's next shuffle.
// Divergent barriers (threads of one barrier at different __syncthreads or shuffle call sites,
// a warp waiting on lanes stuck at __syncthreads) are reported and abort: on a GPU they hang or
// are undefined.
#pragma once

#include <boost/context/fiber.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "emu_internal.hpp"
#include "fiber_stacks.hpp"

namespace cuda_emu {

class BlockScheduler {
 public:
  // the scheduler of the grid running on this OS thread (set by run_grid), else nullptr
  static thread_local BlockScheduler* active;

  BlockScheduler();
  // runs every thread of the block to completion; blockIdx, blockDim and gridDim are set.
  // `reverse`: threads start (and leave barriers) from the highest index down
  void run(const GridLaunch& launch, bool reverse);
  void sync_threads(Site site);
  void shuffle(Site site, Shuffle kind, unsigned int mask, const void* in, void* out, int bytes,
               unsigned int operand, int width);
  // "thread (x, y, z)" of the CUDA thread running now; empty when none is
  std::string current_thread() const;

 private:
  // a released thread keeps its barrier state in ready_ until it runs again (enter): nothing
  // reads the state of a thread there, as no barrier can complete without it
  enum class State : uint8_t { kUnstarted, kRunning, kAtWarpBarrier, kAtBlockBarrier, kDone };
  struct Worker {
    boost::context::fiber cont;  // resumes this worker while it is suspended
  };
  struct Thread {
    uint3 idx{};
    int linear = 0;
    State state = State::kUnstarted;
    Worker* worker = nullptr;
    uint32_t shuffles = 0, block_syncs = 0;
    Site site{};            // of the barrier or shuffle it waits at
    uint64_t slot[2] = {};  // shuffle values, alternating by shuffle count
    int slot_bytes[2] = {};
  };
  struct Warp {
    int live = 0, arrived = 0;
  };

  Worker* start_worker();
  Worker* next_worker();  // a released thread's, a new one for unstarted threads, else main_
  void switch_to(Worker* self, Worker* target);
  void wait(Thread& t, State state);  // suspends the running thread until released
  void thread_exited(Thread& t);
  void release_warp(int warp);
  void release_block();
  void enter(Thread& t);
  int order(int k) const { return reverse_ ? static_cast<int>(threads_.size()) - 1 - k : k; }
  [[noreturn]] void report_deadlock() const;

  StackPool stacks_;
  const GridLaunch* launch_ = nullptr;
  std::vector<Thread> threads_;
  std::vector<Warp> warps_;
  std::deque<int> ready_;
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t workers_used_ = 0;
  Worker main_;             // the context that called run()
  Worker* from_ = nullptr;  // the worker that switched to the one running now
  int next_unstarted_ = 0, live_ = 0, block_arrived_ = 0;
  bool reverse_ = false;
  Thread* current_ = nullptr;
};

}  // namespace cuda_emu
