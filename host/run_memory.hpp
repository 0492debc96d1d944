// What a training run will allocate, estimated from its config before anything is allocated,
// and the memory this process may still use, so that a run too large for the machine is refused
// with its figures (exit 2) instead of dying in std::bad_alloc or the kernel's OOM killer.
#pragma once

#include <cstdint>

#include "host/config.hpp"

namespace stampede {

struct RunMemory {
  int64_t rollout = 0;       // [T, N] rollout arrays
  int64_t environments = 0;  // env states, observations and episode counters, and the copies a
                             // checkpoint makes of them
  int64_t network = 0;       // parameters, Adam moments, gradients, and their checkpoint copies
  int64_t total() const { return rollout + environments + network; }
};

// host memory of a run on `config`'s backend (the CPU backend holds everything on the host; the
// CUDA backend holds the checkpoint's host copies)
RunMemory estimate_run_memory(const TrainConfig& config, bool on_gpu);

// bytes this process can still allocate: the least of the kernel's MemAvailable, the cgroup's
// memory limit less its usage, and RLIMIT_AS / RLIMIT_DATA; -1 when none can be read
int64_t available_memory();

// throws UsageError with the figures when the estimate exceeds what is available
void check_run_fits_memory(const TrainConfig& config, bool on_gpu);

}  // namespace stampede
