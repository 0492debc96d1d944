// Environments as the device sees them: a MuJoCo task's `model` points at host memory when
// visit_env hands it over; kernels need the device copy. Classic tasks pass through unchanged.
#pragma once

#include "envs/core/env_api.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

// the device copy of a host Model, uploaded on first use and kept for the process (so no
// allocation or copy ever happens inside a captured CUDA graph once the backend is built)
const Model* device_model(const Model* host);

template <class Env>
Env device_env(Env env) {
  if constexpr (PhysicsTask<Env>) env.model = device_model(env.model);
  return env;
}

}  // namespace stampede
