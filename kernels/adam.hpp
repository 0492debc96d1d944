// The optimiser step (kernels/adam.cu): global-norm clipping and Adam over the flat parameters.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/control.hpp"

namespace stampede {

struct AdamParams {
  int64_t num_params = 0;
  float* params = nullptr;
  float* adam_m = nullptr;
  float* adam_v = nullptr;
  const float* grad = nullptr;
  const double* sq_partials = nullptr;  // global norm^2 partials
  int sq_count = 0;
  const LossTerms* term_partials = nullptr;  // [term_count] the minibatch's loss terms
  int term_count = 0;
  const DeviceControl* control = nullptr;
  int step_offset = 1;  // Adam t = control->adam_step + step_offset
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-5f, max_grad_norm = 0.5f;
  DeviceLearner* learner = nullptr;
};
void launch_adam(const AdamParams& p, cudaStream_t stream);

// sum of squares of grad in per-block partials (cuBLAS path); *sq_count = partials written
void launch_grad_sumsq(const float* grad, int64_t num_params, double* sq_partials, int* sq_count,
                       cudaStream_t stream);

}  // namespace stampede
