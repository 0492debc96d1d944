// Action distributions of the policy head, with the analytic derivatives the fused update needs.
// Diagonal Gaussian with a state-independent log-std (continuous actions) and categorical softmax
// over logits (discrete actions). Single source: the CPU twin and the CUDA kernels call these.
#pragma once

#include <cmath>

#include "core/hd.hpp"

namespace stampede {

constexpr int kMaxHeadDim = 32;  // action components (Gaussian) or choices (categorical)
constexpr float kHalfLog2Pi = 0.91893853320467274178f;

// --- diagonal Gaussian -------------------------------------------------------------------------

STAMPEDE_HD float gaussian_log_prob(const float* mean, const float* log_std, const float* action,
                                    int dim) {
  float logp = 0.0f;
  for (int j = 0; j < dim; ++j) {
    const float z = (action[j] - mean[j]) * expf(-log_std[j]);
    logp += -0.5f * z * z - log_std[j] - kHalfLog2Pi;
  }
  return logp;
}

// d logp / d mean and d logp / d log_std
STAMPEDE_HD void gaussian_log_prob_grad(const float* mean, const float* log_std,
                                        const float* action, int dim, float* d_mean,
                                        float* d_log_std) {
  for (int j = 0; j < dim; ++j) {
    const float inv_var = expf(-2.0f * log_std[j]);
    const float diff = action[j] - mean[j];
    d_mean[j] = diff * inv_var;
    d_log_std[j] = diff * diff * inv_var - 1.0f;
  }
}

// entropy = sum_j (log_std_j + 0.5 log(2 pi e)); d entropy / d log_std_j = 1
STAMPEDE_HD float gaussian_entropy(const float* log_std, int dim) {
  float h = 0.0f;
  for (int j = 0; j < dim; ++j)
    h += log_std[j] + 0.5f + kHalfLog2Pi;
  return h;
}

// KL(old || new) of two diagonal Gaussians, and its derivatives with respect to the new mean and
// log-std (the PPO paper penalises KL[pi_old(.|s), pi(.|s)])
STAMPEDE_HD float gaussian_kl(const float* old_mean, const float* old_log_std, const float* mean,
                              const float* log_std, int dim, float* d_mean, float* d_log_std) {
  float kl = 0.0f;
  for (int j = 0; j < dim; ++j) {
    const float inv_var = expf(-2.0f * log_std[j]);
    const float old_var = expf(2.0f * old_log_std[j]);
    const float diff = mean[j] - old_mean[j];
    const float ratio_term = (old_var + diff * diff) * inv_var;
    kl += log_std[j] - old_log_std[j] + 0.5f * ratio_term - 0.5f;
    if (d_mean) d_mean[j] = diff * inv_var;
    if (d_log_std) d_log_std[j] = 1.0f - ratio_term;
  }
  return kl;
}

// --- categorical over logits -------------------------------------------------------------------

// log-softmax into log_p[n]; returns nothing, numerically stable
STAMPEDE_HD void log_softmax(const float* logits, int n, float* log_p) {
  float max_logit = logits[0];
  for (int k = 1; k < n; ++k)
    max_logit = fmaxf(max_logit, logits[k]);
  float sum = 0.0f;
  for (int k = 0; k < n; ++k)
    sum += expf(logits[k] - max_logit);
  const float log_sum = max_logit + logf(sum);
  for (int k = 0; k < n; ++k)
    log_p[k] = logits[k] - log_sum;
}

// samples by inverse CDF with one uniform draw u in [0, 1)
STAMPEDE_HD int categorical_sample(const float* log_p, int n, float u) {
  float cdf = 0.0f;
  for (int k = 0; k < n - 1; ++k) {
    cdf += expf(log_p[k]);
    if (u < cdf) return k;
  }
  return n - 1;
}

STAMPEDE_HD float categorical_entropy(const float* log_p, int n) {
  float h = 0.0f;
  for (int k = 0; k < n; ++k)
    h -= expf(log_p[k]) * log_p[k];
  return h;
}

// KL(old || new) with both given as log-probabilities; d KL / d logits_k = p_k - p_old_k
STAMPEDE_HD float categorical_kl(const float* old_log_p, const float* log_p, int n,
                                 float* d_logits) {
  float kl = 0.0f;
  for (int k = 0; k < n; ++k) {
    const float p_old = expf(old_log_p[k]);
    kl += p_old * (old_log_p[k] - log_p[k]);
    if (d_logits) d_logits[k] = expf(log_p[k]) - p_old;
  }
  return kl;
}

}  // namespace stampede
