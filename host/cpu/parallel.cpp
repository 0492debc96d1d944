#include "host/cpu/parallel.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <atomic>
#include <memory>
#include <string>

#include "host/config.hpp"

namespace stampede {

namespace {

std::unique_ptr<tbb::global_control> g_limit;  // absent: TBB's default, every hardware thread
// the count in force, kept here because parallel_for asks for it on every loop
std::atomic<int> g_threads{tbb::info::default_concurrency()};

}  // namespace

void set_cpu_threads(int threads) {
  if (threads < 0 || threads > kMaxCpuThreads) {
    throw UsageError("--threads = " + std::to_string(threads) + " is out of range (0.." +
                     std::to_string(kMaxCpuThreads) + ", 0 = all hardware threads)");
  }
  g_limit.reset();
  if (threads > 0) {
    g_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<size_t>(threads));
  }
  g_threads = threads > 0 ? threads : tbb::info::default_concurrency();
}

int cpu_threads() {
  return g_threads;
}

}  // namespace stampede
