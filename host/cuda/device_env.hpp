// A task's env-step kernel as the CUDA backend launches it: the environment of the task bound to
// a device copy of its model (MuJoCo tasks), owned here and uploaded on the backend's stream, so
// the first env-step kernel on that stream is ordered after the copy. Dispatch on the task
// happens once, when this is built; a launch is the kernel launch alone.
#pragma once

#include <cuda_runtime.h>

#include <functional>

#include "envs/physics/model.hpp"
#include "envs/task.hpp"
#include "host/cuda/device_buffer.hpp"
#include "kernels/env_step.hpp"

namespace stampede {

class DeviceEnvStep {
 public:
  // `model`: a --model run's host model, or nullptr for the task's own; the copy is enqueued on
  // `stream` (never inside a graph capture: build this before capturing)
  DeviceEnvStep(Task task, const Model* model, cudaStream_t stream);
  void launch(const EnvStepParams& p, cudaStream_t stream) const { launch_(p, stream); }

 private:
  DeviceBuffer<Model> model_;  // empty for classic tasks
  std::function<void(const EnvStepParams&, cudaStream_t)> launch_;
};

}  // namespace stampede
