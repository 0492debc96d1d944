// Dispatch of the env-step kernel by task name; the kernels themselves are instantiated in
// env_step_classic.cu and env_step_mujoco.cu (see env_step.cuh).
#include "envs/registry.hpp"
#include "kernels/kernels.hpp"

namespace stampede {

template <class Env>
void launch_env_step_typed(const Env& env, const EnvStepParams& p, cudaStream_t stream);

void launch_env_step(const std::string& env_name, const Model* model, const EnvStepParams& p,
                     cudaStream_t stream) {
  visit_env(env_name, model, [&](auto env) { launch_env_step_typed(env, p, stream); });
}

}  // namespace stampede
