// The device-resident counters and learner state that the kernels of one iteration share. The
// host writes DeviceControl before each iteration; everything that changes between iterations is
// read from here at run time, so a captured CUDA graph stays valid when it is replayed.
#pragma once

#include <cstdint>

#include "ppo/ppo_loss.hpp"

namespace stampede {

struct DeviceControl {
  int64_t iteration = 0;
  int64_t global_step = 0;  // at the start of the iteration
  int64_t adam_step = 0;    // at the start of the iteration
  float learning_rate = 0.0f;
};

// owned by the device: adapted beta, sticky non-finite flag, and the update's running sums
struct DeviceLearner {
  float beta = 1.0f;
  int32_t nonfinite = 0;
  LossTerms terms;
  double grad_norm_sum = 0;
};

}  // namespace stampede
