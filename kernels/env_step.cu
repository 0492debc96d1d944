// Dispatch of the env-step kernel by task name; the kernels themselves are instantiated in
// env_step_classic.cu and env_step_mujoco.cu (see env_step.cuh).
#include "envs/registry.hpp"
#include "host/cuda/device_env.hpp"
#include "kernels/kernels.hpp"

namespace stampede {

template <class Env>
void launch_env_step_typed(const Env& env, const EnvStepParams& p, cudaStream_t stream);

EnvStepLauncher make_env_step_launcher(const std::string& env_name, const Model* model) {
  return visit_env(env_name, model, [](auto env) -> EnvStepLauncher {
    return [on_device = device_env(env)](const EnvStepParams& p, cudaStream_t stream) {
      launch_env_step_typed(on_device, p, stream);
    };
  });
}

}  // namespace stampede
