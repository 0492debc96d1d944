// Adam (Kingma & Ba) on one parameter, after global gradient-norm clipping has scaled the
// gradient. The bias corrections are computed once per step by the caller.
#pragma once

#include <cmath>

#include "core/hd.hpp"

namespace stampede {

struct AdamStep {
  float lr = 3e-4f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-5f;
  float bias1 = 1.0f;       // 1 - beta1^t
  float bias2 = 1.0f;       // 1 - beta2^t
  float grad_scale = 1.0f;  // min(1, max_norm / norm) from global-norm clipping
};

STAMPEDE_HD AdamStep make_adam_step(float lr, float beta1, float beta2, float eps, int64_t t,
                                    float grad_scale) {
  AdamStep s;
  s.lr = lr;
  s.beta1 = beta1;
  s.beta2 = beta2;
  s.eps = eps;
  s.bias1 = 1.0f - powf(beta1, static_cast<float>(t));
  s.bias2 = 1.0f - powf(beta2, static_cast<float>(t));
  s.grad_scale = grad_scale;
  return s;
}

STAMPEDE_HD void adam_update(const AdamStep& s, float grad, float* param, float* m, float* v) {
  const float g = grad * s.grad_scale;
  *m = s.beta1 * *m + (1.0f - s.beta1) * g;
  *v = s.beta2 * *v + (1.0f - s.beta2) * g * g;
  const float m_hat = *m / s.bias1;
  const float v_hat = *v / s.bias2;
  *param -= s.lr * m_hat / (sqrtf(v_hat) + s.eps);
}

// scale that brings the global gradient norm down to max_norm (no clipping when max_norm <= 0)
STAMPEDE_HD float clip_scale(float grad_norm, float max_norm) {
  if (max_norm <= 0.0f || grad_norm <= max_norm) return 1.0f;
  return max_norm / (grad_norm + 1e-6f);
}

}  // namespace stampede
