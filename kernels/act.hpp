// The act kernel (kernels/act.cu): ppo/act.hpp's act_env for every environment, one thread each.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "kernels/control.hpp"
#include "ppo/act.hpp"

namespace stampede {

// act_env at step p.t for every environment, its random numbers keyed by
// control->global_step + p.t (device memory, so a graph replays with the current step)
void launch_act(const ActParams& p, const DeviceControl* control, cudaStream_t stream);

// local memory per thread of the act kernel launch_act picks for `layout` (its per-thread
// scratch), so the backend can count what the driver reserves for it
size_t act_local_bytes_per_thread(const PolicyLayout& layout);

}  // namespace stampede
