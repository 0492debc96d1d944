// The compiled models of the MuJoCo tasks: each task's embedded MJCF asset (envs/mujoco/assets/) is
// compiled once per process by our loader and checked against what the task's code assumes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

// a model that cannot drive the task (wrong sizes, no actuators): a user-facing error
class TaskModelError : public UsageError {
 public:
  using UsageError::UsageError;
};

// compiles envs/mujoco/assets/<asset>.xml on first use; the reference stays valid for the process
const Model& embedded_task_model(std::string_view asset);

// an environment of type Env bound to `model` (which must outlive it); throws TaskModelError
// naming `source` if the model cannot drive the task
template <class Env>
Env bind_task(const Model& model, std::string_view source) {
  if (model.nu == 0) {
    throw TaskModelError("model '" + std::string(source) + "' has no actuators; the task needs " +
                         std::to_string(Env::kActDim));
  }
  if (!Env::matches(model)) {
    throw TaskModelError("model '" + std::string(source) +
                         "' does not have the joints, bodies and actuators the task expects");
  }
  Env env;
  env.model = &model;
  return env;
}

// an environment of type Env bound to the compiled model of its embedded asset
// (envs/mujoco/assets/<Env::kName>.xml)
template <class Env>
Env make_task() {
  return bind_task<Env>(embedded_task_model(Env::kName), Env::kName);
}

}  // namespace stampede
