// Work sharing for the CPU backend, on oneTBB. Each parallel loop writes every output element from
// exactly one iteration and keeps the serial order of the arithmetic inside it; sums over
// iterations go through per-item arrays that are added up serially afterwards. A run is therefore
// bit-identical for any thread count, and to the single-threaded reference. (TBB rather than
// OpenMP: its idle workers sleep, so two runs sharing a machine do not spin against each other.)
#pragma once

#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "envs/core/env_api.hpp"

namespace stampede {

constexpr int kMaxCpuThreads = 1024;

// threads the CPU backend uses from now on; 0 = every hardware thread.
// Throws UsageError outside 0..kMaxCpuThreads.
void set_cpu_threads(int threads);
int cpu_threads();

// fn(i) for i in [0, count), in contiguous chunks of at least min_per_thread; serial when the loop
// is too short to pay for waking the other threads (count < 2 * min_per_thread)
template <class Fn>
void parallel_for(int64_t count, int64_t min_per_thread, Fn&& fn) {
  if (count < 2 * min_per_thread || cpu_threads() == 1) {
    for (int64_t i = 0; i < count; ++i)
      fn(i);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, count, min_per_thread),
                    [&](const tbb::blocked_range<int64_t>& range) {
                      for (int64_t i = range.begin(); i < range.end(); ++i)
                        fn(i);
                    });
}

// envs per thread below which a policy phase (act, values) stays on one thread: one policy
// evaluation costs a few microseconds
constexpr int64_t kPolicyEnvsPerThread = 4;

// envs per thread below which stepping a batch stays on one thread: a classic-control step costs
// tens of nanoseconds, a physics step microseconds
template <class Env>
constexpr int64_t step_envs_per_thread() {
  if constexpr (PhysicsTask<Env>) return 4;
  return 1024;
}

}  // namespace stampede
