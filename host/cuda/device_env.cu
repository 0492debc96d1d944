#include "host/cuda/device_env.hpp"

#include "envs/tasks.hpp"

namespace stampede {

DeviceEnvStep::DeviceEnvStep(Task task, const Model* model, cudaStream_t stream) {
  visit_env(task, model, [&](auto env) {
    if constexpr (PhysicsTask<decltype(env)>) {
      model_.resize(1);
      model_.upload(env.model, 1, stream);
      env.model = model_.get();
    }
    launch_ = [env](const EnvStepParams& p, cudaStream_t s) { launch_env_step(env, p, s); };
  });
}

}  // namespace stampede
