// The learner half of a PPO iteration on the CPU: GAE over the rollout, K epochs of shuffled
// minibatches (forward, PPO loss, analytic backward, global-norm clipping, Adam), the adaptive-KL
// beta update and the iteration statistics. These are the CPU twins of kernels/advantage.cu,
// kernels/ppo_update.cu, kernels/adam.cu and kernels/iteration_stats.cu.
#pragma once

#include <cstdint>
#include <vector>

#include "host/config.hpp"
#include "ppo/iteration_stats.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/ppo_loss.hpp"
#include "ppo/rollout.hpp"

namespace stampede {

struct LearnerState {
  std::vector<float> params, adam_m, adam_v;
  int64_t adam_step = 0;
  float beta = 1.0f;
};

void compute_advantages_cpu(RolloutBuffer* rollout, float gamma, float lambda);

// the permutation of [0, count) for one epoch: indices sorted by a Philox key drawn per index
// (ties by index), so the CUDA backend's stable radix sort of the same keys gives the same order
void shuffle_indices(uint64_t seed, uint64_t epoch_counter, int64_t count,
                     std::vector<int32_t>* perm);

// K epochs of minibatch updates; returns the loss statistics part of IterationStats
IterationStats ppo_update_cpu(const TrainConfig& config, const PolicyLayout& layout,
                              const RolloutBuffer& rollout, int64_t iteration, float learning_rate,
                              LearnerState* learner);

// one minibatch: loss terms and the gradient (added into grad) for the rows `index[0..rows)`
LossTerms minibatch_loss_grad(const TrainConfig& config, const PolicyLayout& layout,
                              const RolloutBuffer& rollout, const int32_t* index, int rows,
                              const float* params, const float* old_log_std, float beta,
                              float* grad);

// mean KL[pi_old, pi] over the whole rollout under `params`
double mean_kl_cpu(const PolicyLayout& layout, const RolloutBuffer& rollout, const float* params,
                   const float* old_log_std);

float explained_variance(const std::vector<float>& values, const std::vector<float>& returns);

}  // namespace stampede
