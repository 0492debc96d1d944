// Env-step kernels of the classic-control tasks (see env_step.cuh).
#include "envs/classic/acrobot.hpp"
#include "envs/classic/cartpole.hpp"
#include "envs/classic/mountain_car_continuous.hpp"
#include "envs/classic/pendulum.hpp"
#include "kernels/env_step.cuh"

namespace stampede {

template void launch_env_step_typed(const CartPole&, const EnvStepParams&, cudaStream_t);
template void launch_env_step_typed(const Acrobot&, const EnvStepParams&, cudaStream_t);
template void launch_env_step_typed(const Pendulum&, const EnvStepParams&, cudaStream_t);
template void launch_env_step_typed(const MountainCarContinuous&, const EnvStepParams&,
                                    cudaStream_t);

}  // namespace stampede
