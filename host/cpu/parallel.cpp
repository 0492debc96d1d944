#include "host/cpu/parallel.hpp"

#include <tbb/global_control.h>

#include <memory>
#include <string>

#include "host/config.hpp"

namespace stampede {

namespace {

std::unique_ptr<tbb::global_control> g_limit;  // absent: TBB's default, every hardware thread

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
}

int cpu_threads() {
  return static_cast<int>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

}  // namespace stampede
