// The PPO update of one minibatch on the device: the fused kernel for MLPs up to 128 wide
// (kernels/ppo_update.cu) and the cuBLAS path for wider ones (kernels/ppo_update_cublas.cu),
// both followed by the fixed-order gradient reduction and Adam (kernels/adam.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/control.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/ppo_loss.hpp"
#include "ppo/rollout.hpp"

namespace stampede {

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
  RolloutView rollout;            // obs, actions, logp, values, dist, advantages, returns
  double* adv_moments = nullptr;  // [2] mean, std of this minibatch's advantages
  bool adv_cached = false;        // advantages kept in shared memory (prepare_update_kernels says)

  // rollout row k's advantage as the loss sees it: normalised by the minibatch's moments
  __device__ float advantage(int64_t k) const {
    const float adv = rollout.advantages[k];
    return norm_adv ? normalized_advantage(adv, adv_moments[0], adv_moments[1]) : adv;
  }
};
// fixed-order mean and unbiased std of the minibatch advantages
void launch_adv_moments(const MinibatchInputs& in, cudaStream_t stream);

struct FusedUpdateParams {
  MinibatchInputs in;
  int tile_rows = 32;                  // rows per shared-memory tile
  int blocks = 0;                      // G blocks per network
  float* partial_grad = nullptr;       // [G, P]
  LossTerms* partial_terms = nullptr;  // [2G] one per block (actor blocks, then critic)
};
// fused update blocks meant to share an SM (the kernel's __launch_bounds__ minimum)
constexpr int kFusedBlocksPerSm = 2;
// shared memory of one block (the larger of actor and critic), for the fit test
size_t fused_update_smem_bytes(const PolicyLayout& layout, int tile_rows);
// the most dynamic shared memory a block may opt in to on the current device
int max_dynamic_smem_bytes();
// Allows the update kernels the device's whole opt-in shared memory, once per process and
// device: the attribute is the kernel's, not a backend's, so backends of different shapes alive
// at once must not narrow it for each other. Returns MinibatchInputs::adv_cached for
// minibatches of `rows` rows.
bool prepare_update_kernels(int rows);
void launch_fused_update(const FusedUpdateParams& p, cudaStream_t stream);
// grad[p] = sum over G blocks in order; sq_partials[b] per reduce block
void launch_grad_reduce(const float* partial_grad, int blocks, int64_t num_params, float* grad,
                        double* sq_partials, int* sq_count, cudaStream_t stream);
int grad_reduce_blocks(int64_t num_params);

}  // namespace stampede
