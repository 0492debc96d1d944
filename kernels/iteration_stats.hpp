// The statistics of one iteration on the device (kernels/iteration_stats.cu): episode counts,
// explained variance, the mean KL[pi_old, pi] after the update, the adaptive-KL beta, and the
// IterationStats the host reads back.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "envs/core/env_batch.hpp"
#include "kernels/control.hpp"
#include "ppo/iteration_stats.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/rollout.hpp"

namespace stampede {

// one block's sums over the rollout and the environments' episode accumulators
struct RolloutStatsPartial {
  double returns = 0, errors = 0;          // sums of R and of R - V
  double var_returns = 0, var_errors = 0;  // sums of squared deviations from their means
  double episodes = 0, episode_return = 0, episode_length = 0, bad_state_resets = 0;
};
constexpr int kStatsBlocks = 128;

struct RolloutStatsParams {
  EnvBatch envs;        // done_count, done_return_sum, done_length_sum, bad_state_resets
  RolloutView rollout;  // values, returns
  RolloutStatsPartial* partials = nullptr;  // [kStatsBlocks]
};
void launch_rollout_stats(const RolloutStatsParams& p, cudaStream_t stream);

struct KlParams {
  PolicyLayout layout;
  RolloutView rollout;                 // obs, dist
  const float* params = nullptr;       // [P] after the update
  const float* old_log_std = nullptr;  // [act_dim]
  double* partials = nullptr;          // [kKlBlocks]
};
// the KL pass is a whole actor forward over the batch: enough blocks to fill every SM
constexpr int kKlBlocks = 1024;
void launch_mean_kl(const KlParams& p, cudaStream_t stream);

struct FinalizeParams {
  int64_t count = 0;  // TN
  int64_t num_params = 0;
  int updates = 0;     // epochs * minibatches
  double samples = 0;  // updates * M
  Objective objective = Objective::kClip;
  float kl_target = 0.01f;
  const RolloutStatsPartial* stats_partials = nullptr;  // from launch_rollout_stats
  const double* kl_partials = nullptr;                  // from launch_mean_kl
  const float* params = nullptr;
  DeviceLearner* learner = nullptr;
  IterationStats* out = nullptr;
};
void launch_finalize_stats(const FinalizeParams& p, cudaStream_t stream);

}  // namespace stampede
