// Adam against the textbook update (Kingma & Ba, Algorithm 1, with eps outside the square root
// as PyTorch has it), and the global gradient-norm clipping scale.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ppo/adam.hpp"

namespace stampede {
namespace {

TEST(Adam, MatchesTextbookOverSeveralSteps) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-5;
  // gradients of changing sign and size, one tiny one so eps matters
  const std::vector<std::vector<double>> grads = {
      {0.5, -2.0, 1e-6}, {0.1, -1.0, -3e-6}, {-0.7, 0.5, 2e-6}, {2.0, 0.0, 1e-6}, {0.3, 3.0, 0.0}};
  std::vector<float> p = {1.0f, -0.5f, 0.25f}, m(3, 0.0f), v(3, 0.0f);
  std::vector<double> rp = {1.0, -0.5, 0.25}, rm(3, 0.0), rv(3, 0.0);
  for (size_t t = 1; t <= grads.size(); ++t) {
    const AdamStep s = make_adam_step(static_cast<float>(lr), 0.9f, 0.999f, 1e-5f, t, 1.0f);
    EXPECT_NEAR(s.bias1, 1.0 - std::pow(b1, t), 1e-6);
    EXPECT_NEAR(s.bias2, 1.0 - std::pow(b2, t), 1e-6);
    for (int j = 0; j < 3; ++j) {
      const double g = grads[t - 1][j];
      adam_update(s, static_cast<float>(g), &p[j], &m[j], &v[j]);
      rm[j] = b1 * rm[j] + (1 - b1) * g;
      rv[j] = b2 * rv[j] + (1 - b2) * g * g;
      const double m_hat = rm[j] / (1 - std::pow(b1, t)), v_hat = rv[j] / (1 - std::pow(b2, t));
      rp[j] -= lr * m_hat / (std::sqrt(v_hat) + eps);
      EXPECT_NEAR(m[j], rm[j], 1e-6 * (1 + std::fabs(rm[j]))) << "t " << t << " j " << j;
      EXPECT_NEAR(v[j], rv[j], 1e-6 * (1 + std::fabs(rv[j]))) << "t " << t << " j " << j;
      EXPECT_NEAR(p[j], rp[j], 2e-6) << "t " << t << " j " << j;
    }
  }
  // the first step moves a parameter by about lr whatever the gradient's size; the tiny one
  // moves by lr * g / (|g| + eps) = lr / 11
  std::vector<float> q = {0.0f, 0.0f}, qm(2, 0.0f), qv(2, 0.0f);
  const AdamStep s = make_adam_step(0.01f, 0.9f, 0.999f, 1e-5f, 1, 1.0f);
  adam_update(s, 1000.0f, &q[0], &qm[0], &qv[0]);
  adam_update(s, 1e-6f, &q[1], &qm[1], &qv[1]);
  EXPECT_NEAR(q[0], -0.01, 1e-7);
  EXPECT_NEAR(q[1], -0.01 / 11.0, 1e-6);
}

TEST(Adam, GradScaleIsAppliedBeforeTheMoments) {
  // adam with grad_scale s on g is adam without scaling on s g
  const float scale = 0.125f;
  float p1 = 0.3f, m1 = 0.0f, v1 = 0.0f, p2 = 0.3f, m2 = 0.0f, v2 = 0.0f;
  for (int t = 1; t <= 4; ++t) {
    const float g = 0.8f * t - 1.5f;
    adam_update(make_adam_step(3e-3f, 0.9f, 0.999f, 1e-5f, t, scale), g, &p1, &m1, &v1);
    adam_update(make_adam_step(3e-3f, 0.9f, 0.999f, 1e-5f, t, 1.0f), g * scale, &p2, &m2, &v2);
    EXPECT_FLOAT_EQ(m1, m2);
    EXPECT_FLOAT_EQ(v1, v2);
    EXPECT_FLOAT_EQ(p1, p2);
  }
  EXPECT_NE(m1, 0.0f);
}

TEST(Adam, ClipScale) {
  EXPECT_EQ(clip_scale(0.3f, 0.5f), 1.0f);   // below the limit: untouched
  EXPECT_EQ(clip_scale(0.5f, 0.5f), 1.0f);   // at the limit
  EXPECT_EQ(clip_scale(50.0f, 0.0f), 1.0f);  // disabled
  EXPECT_EQ(clip_scale(50.0f, -1.0f), 1.0f);
  EXPECT_NEAR(clip_scale(2.0f, 0.5f), 0.25f, 1e-6);
  EXPECT_NEAR(clip_scale(1000.0f, 1.0f), 1e-3f, 1e-9);
}

TEST(Adam, GlobalNormClippingBringsTheNormToTheLimit) {
  // a gradient of norm 13 over several tensors: after clipping to 0.5 the whole vector has norm
  // 0.5 and its direction is kept
  const std::vector<float> g = {3.0f, -4.0f, 12.0f, 0.0f};
  double sq = 0.0;
  for (float x : g)
    sq += double{x} * x;
  const float norm = static_cast<float>(std::sqrt(sq));
  ASSERT_FLOAT_EQ(norm, 13.0f);
  const float s = clip_scale(norm, 0.5f);
  double clipped_sq = 0.0;
  for (float x : g)
    clipped_sq += double{x * s} * (x * s);
  EXPECT_NEAR(std::sqrt(clipped_sq), 0.5, 1e-6);
  EXPECT_NEAR(g[2] * s / (g[0] * s), 4.0, 1e-6);
  // through Adam: the first moment after one step is (1 - beta1) * the clipped gradient
  float p = 0.0f, m = 0.0f, v = 0.0f;
  adam_update(make_adam_step(1e-3f, 0.9f, 0.999f, 1e-5f, 1, s), g[2], &p, &m, &v);
  EXPECT_NEAR(m, 0.1 * 12.0 * 0.5 / 13.0, 1e-7);
  // 1 - 0.999 in float is 0.00099998713: compare relatively
  EXPECT_NEAR(v, 0.001 * std::pow(12.0 * 0.5 / 13.0, 2), 2e-5 * v);
}

}  // namespace
}  // namespace stampede
