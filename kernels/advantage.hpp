// The advantage kernel (kernels/advantage.cu): GAE, one thread per environment.
#pragma once

#include <cuda_runtime.h>

#include "ppo/rollout.hpp"

namespace stampede {

struct AdvantageParams {
  RolloutView rollout;  // reads rewards, values, flags, trunc and last values; writes advantages
                        // and returns
  float gamma = 0.99f, lambda = 0.95f;
};
void launch_advantage(const AdvantageParams& p, cudaStream_t stream);

}  // namespace stampede
