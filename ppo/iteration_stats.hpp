// What one PPO iteration reports: the one small struct the host reads back per iteration.
#pragma once

#include <cstdint>

namespace stampede {

struct IterationStats {
  float policy_loss = 0.0f;  // -L_policy, mean over all minibatch samples of the update
  float value_loss = 0.0f;
  float entropy = 0.0f;
  float kl = 0.0f;  // mean KL[pi_old, pi] over the batch after the update
  float clip_frac = 0.0f;
  float explained_var = 0.0f;
  float grad_norm = 0.0f;  // mean global norm before clipping
  float beta = 0.0f;       // KL coefficient after this iteration's adaptation
  float episode_return_sum = 0.0f;
  float episode_length_sum = 0.0f;
  int32_t episodes = 0;          // episodes completed during the rollout
  int32_t bad_state_resets = 0;  // diverged physics states reset during the rollout
  int32_t nonfinite = 0;         // nonzero: a loss or parameter became NaN or infinite
};

}  // namespace stampede
