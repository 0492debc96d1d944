// The PPO loss of one sample and its gradient with respect to the policy head (mean or logits),
// the log-std and the value prediction. Minibatch loss = mean over samples of
//   -L_policy + c1 * L_value - c2 * entropy
// with L_policy one of the PPO paper's surrogates:
//   clip         min(r A, clip(r, 1-eps, 1+eps) A)
//   kl_adaptive  r A - beta KL[pi_old, pi]   (beta adapted after each update)
//   kl_fixed     r A - beta KL[pi_old, pi]
//   none         r A
// and L_value = 0.5 (V - R)^2, optionally clipped around the rollout's value (CleanRL's form).
// Gradients come out already scaled by `weight` (1 / minibatch size), ready to accumulate.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "ppo/distributions.hpp"

namespace stampede {

enum class Objective : int { kClip = 0, kKlAdaptive = 1, kKlFixed = 2, kNone = 3 };

struct LossCoeffs {
  Objective objective = Objective::kClip;
  float clip_eps = 0.2f;
  float beta = 1.0f;        // KL penalty weight (kl_adaptive, kl_fixed)
  float value_clip = 0.0f;  // <= 0: unclipped value loss
  float vf_coef = 0.5f;     // c1
  float ent_coef = 0.0f;    // c2
  float weight = 1.0f;      // 1 / minibatch size
};

// per-sample values of the loss terms, unweighted, for statistics
struct SampleTerms {
  float surrogate = 0.0f;   // L_policy of this sample (including the KL penalty)
  float value_loss = 0.0f;  // L_value
  float entropy = 0.0f;
  float kl = 0.0f;       // KL[pi_old, pi] (reported for every objective)
  float clipped = 0.0f;  // 1 if |r - 1| > clip_eps
};

// the same terms summed over samples (a minibatch, an update), in double
struct LossTerms {
  double surrogate = 0, value_loss = 0, entropy = 0, kl = 0, clipped = 0;

  // adds one sample's terms (SampleTerms) or another sum's (LossTerms), field by field
  template <class Terms>
  STAMPEDE_HD LossTerms& operator+=(const Terms& t) {
    surrogate += t.surrogate;
    value_loss += t.value_loss;
    entropy += t.entropy;
    kl += t.kl;
    clipped += t.clipped;
    return *this;
  }
};

// The PPO paper's adaptive KL penalty, applied after each update with d the mean KL[pi_old, pi]
// over the batch: beta halves when d < d_targ / 1.5 and doubles when d > 1.5 d_targ
STAMPEDE_HD float adapted_beta(float beta, float kl, float kl_target) {
  if (kl < kl_target / 1.5f) beta *= 0.5f;
  if (kl > kl_target * 1.5f) beta *= 2.0f;
  return beta;
}

// per-minibatch advantage normalisation with the minibatch's mean and unbiased std
STAMPEDE_HD float normalized_advantage(float adv, double mean, double std) {
  return static_cast<float>((adv - mean) / (std + 1e-8));
}

// derivative of the surrogate (without penalty) with respect to log pi(a|s)
STAMPEDE_HD float surrogate_dlogp(Objective objective, float ratio, float adv, float clip_eps,
                                  float* surrogate) {
  const float unclipped = ratio * adv;
  if (objective != Objective::kClip) {
    *surrogate = unclipped;
    return unclipped;
  }
  const float clipped_ratio = fminf(fmaxf(ratio, 1.0f - clip_eps), 1.0f + clip_eps);
  const float clipped = clipped_ratio * adv;
  // the clipped branch is the minimum (and flat in theta) only when the ratio left the band in the
  // direction the advantage rewards
  if (clipped < unclipped) {
    *surrogate = clipped;
    return 0.0f;
  }
  *surrogate = unclipped;
  return unclipped;
}

STAMPEDE_HD bool uses_kl_penalty(Objective objective) {
  return objective == Objective::kKlAdaptive || objective == Objective::kKlFixed;
}

// Gaussian head: mean[dim] from the actor, log_std[dim] shared; old_mean/old_log_std from the
// rollout. Writes d_mean[dim] and d_log_std[dim] (this sample's contribution).
STAMPEDE_HD SampleTerms gaussian_policy_loss(const float* mean, const float* log_std,
                                             const float* old_mean, const float* old_log_std,
                                             const float* action, float old_logp, float adv,
                                             int dim, const LossCoeffs& c, float* d_mean,
                                             float* d_log_std) {
  SampleTerms t;
  const float logp = gaussian_log_prob(mean, log_std, action, dim);
  const float ratio = expf(logp - old_logp);
  const float dsurr_dlogp = surrogate_dlogp(c.objective, ratio, adv, c.clip_eps, &t.surrogate);
  t.clipped = fabsf(ratio - 1.0f) > c.clip_eps ? 1.0f : 0.0f;
  t.entropy = gaussian_entropy(log_std, dim);

  float dlogp_dmean[kMaxHeadDim], dlogp_dlogstd[kMaxHeadDim];
  gaussian_log_prob_grad(mean, log_std, action, dim, dlogp_dmean, dlogp_dlogstd);
  float dkl_dmean[kMaxHeadDim], dkl_dlogstd[kMaxHeadDim];
  t.kl = gaussian_kl(old_mean, old_log_std, mean, log_std, dim, dkl_dmean, dkl_dlogstd);

  const bool penalised = uses_kl_penalty(c.objective);
  if (penalised) t.surrogate -= c.beta * t.kl;
  const float g_logp = -dsurr_dlogp * c.weight;
  const float g_kl = penalised ? c.beta * c.weight : 0.0f;
  for (int j = 0; j < dim; ++j) {
    d_mean[j] = g_logp * dlogp_dmean[j] + g_kl * dkl_dmean[j];
    // entropy bonus: d(-c2 H)/d log_std = -c2
    d_log_std[j] = g_logp * dlogp_dlogstd[j] + g_kl * dkl_dlogstd[j] - c.ent_coef * c.weight;
  }
  return t;
}

// Categorical head: logits[n] from the actor; old_log_p[n] from the rollout. Writes d_logits[n].
STAMPEDE_HD SampleTerms categorical_policy_loss(const float* logits, const float* old_log_p,
                                                int action, float old_logp, float adv, int n,
                                                const LossCoeffs& c, float* d_logits) {
  SampleTerms t;
  float log_p[kMaxHeadDim];
  log_softmax(logits, n, log_p);
  const float ratio = expf(log_p[action] - old_logp);
  const float dsurr_dlogp = surrogate_dlogp(c.objective, ratio, adv, c.clip_eps, &t.surrogate);
  t.clipped = fabsf(ratio - 1.0f) > c.clip_eps ? 1.0f : 0.0f;
  t.entropy = categorical_entropy(log_p, n);
  float dkl[kMaxHeadDim];
  t.kl = categorical_kl(old_log_p, log_p, n, dkl);

  const bool penalised = uses_kl_penalty(c.objective);
  if (penalised) t.surrogate -= c.beta * t.kl;
  const float g_logp = -dsurr_dlogp * c.weight;
  const float g_kl = penalised ? c.beta * c.weight : 0.0f;
  for (int k = 0; k < n; ++k) {
    const float p = expf(log_p[k]);
    const float dlogp = (k == action ? 1.0f : 0.0f) - p;
    // dH/dz_k = -p_k (log p_k + H)
    const float dentropy = -p * (log_p[k] + t.entropy);
    d_logits[k] = g_logp * dlogp + g_kl * dkl[k] - c.ent_coef * c.weight * dentropy;
  }
  return t;
}

// value loss 0.5 (V - R)^2, or with clipping 0.5 max((V - R)^2, (V_clip - R)^2) where
// V_clip = V_old + clip(V - V_old, -value_clip, value_clip); returns d(c1 L_value)/dV * weight
STAMPEDE_HD float value_loss_grad(float value, float old_value, float ret, const LossCoeffs& c,
                                  float* loss) {
  const float err = value - ret;
  if (c.value_clip <= 0.0f) {
    *loss = 0.5f * err * err;
    return c.vf_coef * c.weight * err;
  }
  const float delta = fminf(fmaxf(value - old_value, -c.value_clip), c.value_clip);
  const float err_clipped = old_value + delta - ret;
  if (err_clipped * err_clipped > err * err) {
    *loss = 0.5f * err_clipped * err_clipped;
    const bool inside = fabsf(value - old_value) < c.value_clip;
    return inside ? c.vf_coef * c.weight * err_clipped : 0.0f;
  }
  *loss = 0.5f * err * err;
  return c.vf_coef * c.weight * err;
}

}  // namespace stampede
