// Env-step kernels of the MuJoCo tasks (see env_step.cuh): each thread runs frame_skip steps of
// the rigid-body engine for its environment.
#include "envs/mujoco/inverted_double_pendulum.hpp"
#include "envs/mujoco/inverted_pendulum.hpp"
#include "envs/mujoco/reacher.hpp"
#include "envs/mujoco/swimmer.hpp"
#include "kernels/env_step.cuh"

namespace stampede {

template void launch_env_step_typed(const InvertedPendulum&, const EnvStepParams&, cudaStream_t);
template void launch_env_step_typed(const InvertedDoublePendulum&, const EnvStepParams&,
                                    cudaStream_t);
template void launch_env_step_typed(const Reacher&, const EnvStepParams&, cudaStream_t);
template void launch_env_step_typed(const Swimmer&, const EnvStepParams&, cudaStream_t);

}  // namespace stampede
