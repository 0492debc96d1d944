// Parameter structs and launchers of every CUDA kernel (one .cu file per stage). Structs are
// built on the host and passed by value (CUTLASS style); every pointer is device memory. Shapes:
// T steps, N envs, TN = T * N, M minibatch rows, P flat parameters (see PolicyLayout).
// Counters that change between iterations (global step, iteration, Adam step, learning rate,
// beta) are read from device memory, so a captured CUDA graph stays valid when replayed.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <string>

#include "envs/core/env_batch.hpp"
#include "envs/physics/model.hpp"
#include "host/backend.hpp"
#include "host/ppo/gae.hpp"
#include "host/ppo/policy_layout.hpp"
#include "host/ppo/ppo_loss.hpp"

namespace stampede {

// written by the host before each iteration
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
  double surrogate = 0, value_loss = 0, entropy = 0, kl = 0, clipped = 0, grad_norm_sum = 0;
};

// loss term partial sums: [surrogate, value_loss, entropy, kl, clipped]
constexpr int kNumTerms = 5;

// --- env_step.cu -------------------------------------------------------------------------------

struct EnvStepParams {
  EnvBatch batch;
  const float* actions = nullptr;  // [N, act_dim] as the env sees them (clipped)
  uint64_t seed = 0;
  const int64_t* step_base = nullptr;  // device: global step at t = 0
  int step_offset = 0;                 // t
};
// launches the env step of one task, one thread per env
using EnvStepLauncher = std::function<void(const EnvStepParams& p, cudaStream_t stream)>;
// resolves the task by name and uploads a MuJoCo task's model once, so that each launch is the
// kernel launch alone. `model`: a --model run's host model, or nullptr for the task's own.
EnvStepLauncher make_env_step_launcher(const std::string& env, const Model* model);

// --- act.cu ------------------------------------------------------------------------------------

struct ActParams {
  PolicyLayout layout;
  int num_envs = 0;
  int step = 0;            // t; trunc values of step t - 1 are filled when t > 0
  bool bootstrap = false;  // after the last step: last values only, no sampling
  uint64_t seed = 0;
  const DeviceControl* control = nullptr;
  const float* params = nullptr;  // [P]
  bool norm_obs = true;
  float obs_clip = 10.0f;
  const double* obs_mean = nullptr;         // [obs_dim]
  const double* obs_var = nullptr;          // [obs_dim]
  const float* env_obs = nullptr;           // [N, obs_dim] raw observation
  const float* final_obs = nullptr;         // [N, obs_dim] raw observation that ended an episode
  const uint8_t* prev_truncated = nullptr;  // [N] step t - 1 (nullptr at t = 0)
  float* prev_trunc_values = nullptr;       // [N] step t - 1
  float* obs = nullptr;                     // [N, obs_dim] rollout slice t, normalised
  float* actions = nullptr;                 // [N, act_dim] sampled
  float* env_actions = nullptr;             // [N, act_dim] clipped for the env
  float* logp = nullptr;                    // [N]
  float* values = nullptr;                  // [N] (bootstrap: last values)
  float* dist = nullptr;                    // [N, head_dim]
  float action_low[kMaxHeadDim] = {}, action_high[kMaxHeadDim] = {};
};
void launch_act(const ActParams& p, cudaStream_t stream);

// --- stats.cu ----------------------------------------------------------------------------------

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

// per-block partials of the iteration statistics over the whole rollout, then one finalising
// block: episode counts, explained variance, mean KL, adaptive beta, IterationStats
struct IterStatsParams {
  int num_envs = 0;
  int64_t count = 0;                          // TN
  const int32_t* done_count = nullptr;        // [N]
  const float* done_return = nullptr;         // [N]
  const int32_t* bad_state_resets = nullptr;  // [N]
  const float* done_length = nullptr;         // [N]
  const float* values = nullptr;              // [TN]
  const float* returns = nullptr;             // [TN]
  double* partials = nullptr;                 // [kStatsBlocks, 8] scratch
};
constexpr int kStatsBlocks = 128;
void launch_rollout_stats(const IterStatsParams& p, cudaStream_t stream);

struct KlParams {
  PolicyLayout layout;
  int64_t count = 0;                   // TN
  const float* params = nullptr;       // [P] after the update
  const float* old_log_std = nullptr;  // [act_dim]
  const float* obs = nullptr;          // [TN, obs_dim]
  const float* dist = nullptr;         // [TN, head_dim]
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
  const double* stats_partials = nullptr;  // from launch_rollout_stats
  const double* kl_partials = nullptr;     // from launch_mean_kl
  const float* params = nullptr;
  DeviceLearner* learner = nullptr;
  IterationStats* out = nullptr;
};
void launch_finalize_stats(const FinalizeParams& p, cudaStream_t stream);

// --- advantage.cu ------------------------------------------------------------------------------

struct AdvantageParams {
  GaeInputs in;
  float* advantages = nullptr;  // [T, N]
  float* returns = nullptr;     // [T, N]
};
void launch_advantage(const AdvantageParams& p, cudaStream_t stream);

// --- shuffle.cu --------------------------------------------------------------------------------

struct ShuffleParams {
  int count = 0;  // TN
  uint64_t seed = 0;
  int epochs = 1, epoch = 0;  // key counter = iteration * epochs + epoch
  const DeviceControl* control = nullptr;
  uint32_t* keys_in = nullptr;   // [TN] scratch
  uint32_t* keys_out = nullptr;  // [TN] scratch
  int32_t* index_in = nullptr;   // [TN] scratch
  int32_t* perm = nullptr;       // [TN] the permutation
  void* temp = nullptr;          // CUB temporary storage
  size_t temp_bytes = 0;
};
size_t shuffle_temp_bytes(int count);
void launch_shuffle(const ShuffleParams& p, cudaStream_t stream);

// --- ppo_update.cu (fused path) and ppo_update_cublas.cu ---------------------------------------

// what both update paths read for one minibatch
struct MinibatchInputs {
  PolicyLayout layout;
  LossCoeffs coeffs;  // beta is taken from learner at run time
  bool norm_adv = true;
  int rows = 0;                        // M
  const int32_t* index = nullptr;      // [M] rows of the rollout
  const float* params = nullptr;       // [P]
  const float* old_log_std = nullptr;  // [act_dim]
  const DeviceLearner* learner = nullptr;
  const float* obs = nullptr;         // [TN, obs_dim]
  const float* actions = nullptr;     // [TN, act_dim]
  const float* logp = nullptr;        // [TN]
  const float* values = nullptr;      // [TN]
  const float* dist = nullptr;        // [TN, head_dim]
  const float* advantages = nullptr;  // [TN]
  const float* returns = nullptr;     // [TN]
  double* adv_moments = nullptr;      // [2] mean, std of this minibatch's advantages
  bool adv_cached = false;  // advantages kept in shared memory (prepare_update_kernels says)
};
// fixed-order mean and unbiased std of the minibatch advantages
void launch_adv_moments(const MinibatchInputs& in, cudaStream_t stream);

struct FusedUpdateParams {
  MinibatchInputs in;
  int tile_rows = 32;               // rows per shared-memory tile
  int blocks = 0;                   // G blocks per network
  float* partial_grad = nullptr;    // [G, P]
  double* partial_terms = nullptr;  // [2G, kNumTerms]
};
// fused update blocks meant to share an SM (the kernel's __launch_bounds__ minimum)
constexpr int kFusedBlocksPerSm = 2;
// shared memory of one block (the larger of actor and critic), for the fit test
size_t fused_update_smem_bytes(const PolicyLayout& layout, int tile_rows);
// the most dynamic shared memory a block may opt in to on the current device
int max_dynamic_smem_bytes();
// Sets the update kernels' dynamic shared-memory limits for minibatches of `rows` rows and fused
// tiles of `tile_rows` rows, once per backend rather than per launch (the attribute call and
// device query would cost as much as the launch). Returns MinibatchInputs::adv_cached.
bool prepare_update_kernels(const PolicyLayout& layout, int tile_rows, int rows);
void launch_fused_update(const FusedUpdateParams& p, cudaStream_t stream);
// grad[p] = sum over G blocks in order; sq_partials[b] per reduce block
void launch_grad_reduce(const float* partial_grad, int blocks, int64_t num_params, float* grad,
                        double* sq_partials, int* sq_count, cudaStream_t stream);
int grad_reduce_blocks(int64_t num_params);

// --- adam.cu -----------------------------------------------------------------------------------

struct AdamParams {
  int64_t num_params = 0;
  float* params = nullptr;
  float* adam_m = nullptr;
  float* adam_v = nullptr;
  const float* grad = nullptr;
  const double* sq_partials = nullptr;  // global norm^2 partials
  int sq_count = 0;
  const double* term_partials = nullptr;  // [term_count, kNumTerms]
  int term_count = 0;
  const DeviceControl* control = nullptr;
  int step_offset = 1;  // Adam t = control->adam_step + step_offset
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-5f, max_grad_norm = 0.5f;
  DeviceLearner* learner = nullptr;
};
void launch_adam(const AdamParams& p, cudaStream_t stream);
// sum of squares of grad in per-block partials (cuBLAS path)
void launch_grad_sumsq(const float* grad, int64_t num_params, double* sq_partials, int* sq_count,
                       cudaStream_t stream);

}  // namespace stampede
