// Running statistics on the device (kernels/running_moments.cu): the observation normaliser's
// moments, merged every rollout step, and return-based reward scaling.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace stampede {

// running mean/var of `rows` rows of width `dim` merged into running statistics as Gymnasium
// does: per-chunk moments (fixed chunks), combined in chunk order by one block (Chan et al.)
struct MomentsParams {
  int rows = 0, dim = 0;
  const float* x = nullptr;    // [rows, dim]
  double* partials = nullptr;  // [kMomentChunks, dim, 3] scratch
  double* mean = nullptr;      // [dim]
  double* var = nullptr;       // [dim]
  double* count = nullptr;     // [1]
};
constexpr int kMomentChunks = 64;
void launch_running_moments(const MomentsParams& p, cudaStream_t stream);

// return-based reward scaling (Gymnasium's NormalizeReward): ret_acc update, running moments of
// ret_acc, then the scaled and clipped rewards written into the rollout
struct RewardParams {
  int num_envs = 0;
  float gamma = 0.99f, reward_clip = 10.0f;
  const float* raw_reward = nullptr;    // [N]
  const uint8_t* terminated = nullptr;  // [N]
  float* ret_acc = nullptr;             // [N]
  double* partials = nullptr;           // [kMomentChunks, 1, 3] scratch
  double* ret_stats = nullptr;          // [3] mean, var, count
  float* rewards = nullptr;             // [N] rollout slice t
};
void launch_reward_scaling(const RewardParams& p, cudaStream_t stream);

}  // namespace stampede
