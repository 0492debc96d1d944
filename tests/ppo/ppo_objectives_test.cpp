// Hand-computed values and gradients of every PPO surrogate (clip, kl_adaptive, kl_fixed, none),
// the value loss (unclipped and clipped) and the entropy bonus, for one sample of each head.
// Reference numbers are double precision, produced by this numpy snippet (its finite-difference
// cross-check with h = 1e-6 agreed to 1e-8 on every entry):
//
//   w, c2, beta, eps = 0.25, 0.01, 0.7, 0.2            # weight, ent_coef, beta, clip_eps
//   def surr(obj, r, A):                               # (surrogate, d surrogate / d logp)
//     if obj != "clip": return r * A, r * A
//     c = np.clip(r, 1 - eps, 1 + eps) * A
//     return (c, 0.0) if c < r * A else (r * A, r * A)
//   # Gaussian: mu, ls = [0.3, -0.2], [-0.5, 0.1]; old mu, ls = [0.1, 0.0], [-0.4, 0.0];
//   # action [0.5, -0.6]; old_logp = logp - log(ratio)
//   dlp_dmu = (a - mu) / e^(2 ls);  dlp_dls = (a - mu)^2 / e^(2 ls) - 1
//   dkl_dmu = (mu - omu) / e^(2 ls); dkl_dls = 1 - (e^(2 ols) + (mu - omu)^2) / e^(2 ls)
//   s, ds = surr(obj, ratio, A); s -= beta * KL if penalised
//   d_mean = -w ds dlp_dmu + w beta dkl_dmu;  d_log_std = -w ds dlp_dls + w beta dkl_dls - w c2
//   # categorical: logits log([1, 2, 3]) -> p = [1/6, 1/3, 1/2]; old p uniform; ratio p_a / (1/3)
//   d_logits = -w ds (onehot(a) - p) + w beta (p - p_old) - w c2 (-p (log p + H))
#include <gtest/gtest.h>

#include <cmath>

#include "ppo/distributions.hpp"
#include "ppo/ppo_loss.hpp"

namespace stampede {
namespace {

constexpr float kWeight = 0.25f, kEntCoef = 0.01f, kBeta = 0.7f, kEps = 0.2f;

LossCoeffs coeffs(Objective objective) {
  LossCoeffs c;
  c.objective = objective;
  c.clip_eps = kEps;
  c.beta = kBeta;
  c.ent_coef = kEntCoef;
  c.weight = kWeight;
  return c;
}

// --- surrogate_dlogp: the four branches of min(r A, clip(r) A) --------------------------------

TEST(PpoObjectives, ClipSurrogateBranches) {
  float s = 0.0f;
  // A > 0, r above the band: clipped 1.2 * 2 = 2.4 is the minimum, flat in theta
  EXPECT_FLOAT_EQ(surrogate_dlogp(Objective::kClip, 1.5f, 2.0f, kEps, &s), 0.0f);
  EXPECT_FLOAT_EQ(s, 2.4f);
  // A < 0, r above the band: unclipped -3 is the minimum, gradient r A
  EXPECT_FLOAT_EQ(surrogate_dlogp(Objective::kClip, 1.5f, -2.0f, kEps, &s), -3.0f);
  EXPECT_FLOAT_EQ(s, -3.0f);
  // A > 0, r below the band: unclipped 1.0 < 0.8 * 2 = 1.6 is the minimum
  EXPECT_FLOAT_EQ(surrogate_dlogp(Objective::kClip, 0.5f, 2.0f, kEps, &s), 1.0f);
  EXPECT_FLOAT_EQ(s, 1.0f);
  // A < 0, r below the band: clipped -1.6 is the minimum, flat
  EXPECT_FLOAT_EQ(surrogate_dlogp(Objective::kClip, 0.5f, -2.0f, kEps, &s), 0.0f);
  EXPECT_FLOAT_EQ(s, -1.6f);
  // inside the band both terms agree: r A with gradient r A, either sign
  EXPECT_FLOAT_EQ(surrogate_dlogp(Objective::kClip, 1.1f, 2.0f, kEps, &s), 2.2f);
  EXPECT_FLOAT_EQ(s, 2.2f);
  EXPECT_FLOAT_EQ(surrogate_dlogp(Objective::kClip, 0.9f, -2.0f, kEps, &s), -1.8f);
  EXPECT_FLOAT_EQ(s, -1.8f);
}

TEST(PpoObjectives, UnclippedSurrogatesNeverClip) {
  for (Objective o : {Objective::kKlAdaptive, Objective::kKlFixed, Objective::kNone}) {
    float s = 0.0f;
    EXPECT_FLOAT_EQ(surrogate_dlogp(o, 1.5f, 2.0f, kEps, &s), 3.0f);
    EXPECT_FLOAT_EQ(s, 3.0f);
    EXPECT_FLOAT_EQ(surrogate_dlogp(o, 0.5f, -2.0f, kEps, &s), -1.0f);
    EXPECT_FLOAT_EQ(s, -1.0f);
  }
  EXPECT_FALSE(uses_kl_penalty(Objective::kClip));
  EXPECT_FALSE(uses_kl_penalty(Objective::kNone));
  EXPECT_TRUE(uses_kl_penalty(Objective::kKlAdaptive));
  EXPECT_TRUE(uses_kl_penalty(Objective::kKlFixed));
}

// --- Gaussian head ------------------------------------------------------------------------------

struct GaussianCase {
  Objective objective;
  double ratio, adv, old_logp, surrogate;
  double d_mean[2], d_log_std[2];
  int clipped;
};

// objective, ratio, A, old_logp, surrogate (with -beta KL), d_mean, d_log_std, clipped
// clang-format off
constexpr GaussianCase kGaussianCases[] = {
    {Objective::kClip, 1.5, 1.3, -1.96320627133293, 1.56,
     {0, 0}, {-0.0025, -0.0025}, 1},
    {Objective::kClip, 1.5, -1.3, -1.96320627133293, -1.95,
     {0.265032478275, -0.15965249685}, {-0.436993504345, -0.42613900126}, 1},
    {Objective::kClip, 0.6, 1.3, -1.04691553945877, 0.78,
     {-0.10601299131, 0.0638609987401}, {0.171297401738, 0.166955600504}, 1},
    {Objective::kClip, 0.6, -1.3, -1.04691553945877, -1.04,
     {0, 0}, {-0.0025, -0.0025}, 1},
    {Objective::kClip, 1.1, 1.3, -1.65305134302909, 1.43,
     {-0.194357150735, 0.11707849769}, {0.316128569853, 0.308168600924}, 0},
    {Objective::kClip, 1.1, -1.3, -1.65305134302909, -1.43,
     {0.194357150735, -0.11707849769}, {-0.321128569853, -0.313168600924}, 0},
    {Objective::kKlAdaptive, 1.5, 1.3, -1.96320627133293, 1.88643509492513,
     {-0.169892614279, 0.130996920492}, {0.374220048868, 0.4471300042}, 1},
    {Objective::kKlAdaptive, 1.5, -1.3, -1.96320627133293, -2.01356490507487,
     {0.360172342271, -0.188308073208}, {-0.494766959822, -0.40014799832}, 1},
    {Objective::kKlAdaptive, 0.6, 1.3, -1.04691553945877, 0.716435094925129,
     {-0.0108731273138, 0.0352054223824}, {0.113523946261, 0.192946603444}, 1},
    {Objective::kKlAdaptive, 0.6, -1.3, -1.04691553945877, -0.843564905074871,
     {0.201152855306, -0.0925165750978}, {-0.234070857215, -0.145964597564}, 1},
    {Objective::kKlAdaptive, 1.1, 1.3, -1.65305134302909, 1.36643509492513,
     {-0.0992172867388, 0.0884229213324}, {0.258355114376, 0.334159603864}, 0},
    {Objective::kKlAdaptive, 1.1, -1.3, -1.65305134302909, -1.49356490507487,
     {0.289497014731, -0.145734074048}, {-0.37890202533, -0.287177597984}, 0},
    {Objective::kKlFixed, 1.5, 1.3, -1.96320627133293, 1.88643509492513,
     {-0.169892614279, 0.130996920492}, {0.374220048868, 0.4471300042}, 1},
    {Objective::kKlFixed, 1.5, -1.3, -1.96320627133293, -2.01356490507487,
     {0.360172342271, -0.188308073208}, {-0.494766959822, -0.40014799832}, 1},
    {Objective::kKlFixed, 0.6, 1.3, -1.04691553945877, 0.716435094925129,
     {-0.0108731273138, 0.0352054223824}, {0.113523946261, 0.192946603444}, 1},
    {Objective::kKlFixed, 0.6, -1.3, -1.04691553945877, -0.843564905074871,
     {0.201152855306, -0.0925165750978}, {-0.234070857215, -0.145964597564}, 1},
    {Objective::kKlFixed, 1.1, 1.3, -1.65305134302909, 1.36643509492513,
     {-0.0992172867388, 0.0884229213324}, {0.258355114376, 0.334159603864}, 0},
    {Objective::kKlFixed, 1.1, -1.3, -1.65305134302909, -1.49356490507487,
     {0.289497014731, -0.145734074048}, {-0.37890202533, -0.287177597984}, 0},
    {Objective::kNone, 1.5, 1.3, -1.96320627133293, 1.95,
     {-0.265032478275, 0.15965249685}, {0.431993504345, 0.42113900126}, 1},
    {Objective::kNone, 1.5, -1.3, -1.96320627133293, -1.95,
     {0.265032478275, -0.15965249685}, {-0.436993504345, -0.42613900126}, 1},
    {Objective::kNone, 0.6, 1.3, -1.04691553945877, 0.78,
     {-0.10601299131, 0.0638609987401}, {0.171297401738, 0.166955600504}, 1},
    {Objective::kNone, 0.6, -1.3, -1.04691553945877, -0.78,
     {0.10601299131, -0.0638609987401}, {-0.176297401738, -0.171955600504}, 1},
    {Objective::kNone, 1.1, 1.3, -1.65305134302909, 1.43,
     {-0.194357150735, 0.11707849769}, {0.316128569853, 0.308168600924}, 0},
    {Objective::kNone, 1.1, -1.3, -1.65305134302909, -1.43,
     {0.194357150735, -0.11707849769}, {-0.321128569853, -0.313168600924}, 0},
};
// clang-format on

TEST(PpoObjectives, GaussianHandComputed) {
  const float mean[2] = {0.3f, -0.2f}, log_std[2] = {-0.5f, 0.1f};
  const float old_mean[2] = {0.1f, 0.0f}, old_log_std[2] = {-0.4f, 0.0f};
  const float action[2] = {0.5f, -0.6f};
  EXPECT_NEAR(gaussian_log_prob(mean, log_std, action, 2), -1.5577411632247649, 1e-6);
  for (const GaussianCase& g : kGaussianCases) {
    SCOPED_TRACE(testing::Message() << "objective " << static_cast<int>(g.objective) << " ratio "
                                    << g.ratio << " adv " << g.adv);
    float d_mean[2], d_log_std[2];
    const SampleTerms t = gaussian_policy_loss(
        mean, log_std, old_mean, old_log_std, action, static_cast<float>(g.old_logp),
        static_cast<float>(g.adv), 2, coeffs(g.objective), d_mean, d_log_std);
    EXPECT_NEAR(t.surrogate, g.surrogate, 2e-6);
    EXPECT_NEAR(t.kl, 0.090807007249816385, 1e-6);
    EXPECT_NEAR(t.entropy, 2.4378770664093454, 1e-6);
    EXPECT_EQ(t.clipped, static_cast<float>(g.clipped));
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(d_mean[j], g.d_mean[j], 1e-6) << "j " << j;
      EXPECT_NEAR(d_log_std[j], g.d_log_std[j], 1e-6) << "j " << j;
    }
  }
}

// --- categorical head ---------------------------------------------------------------------------

struct CategoricalCase {
  Objective objective;
  int action;
  double adv, surrogate;
  double d_logits[3];
  int clipped;
};

// objective, action (ratio 0.5, 1, 1.5), A, surrogate (with -beta KL), d_logits, clipped
// clang-format off
constexpr CategoricalCase kCategoricalCases[] = {
    {Objective::kClip, 0, 1.3, 0.65,
     {-0.135741814669, 0.0540939933134, 0.0816478213552}, 1},
    {Objective::kClip, 0, -1.3, -1.04,
     {-0.000325148001884, -7.26733533006e-05, 0.000397821355184}, 1},
    {Objective::kClip, 1, 1.3, 1.3,
     {0.0538415186648, -0.21673934002, 0.162897821355}, 0},
    {Objective::kClip, 1, -1.3, -1.3,
     {-0.0544918146686, 0.216593993313, -0.162102178645}, 0},
    {Objective::kClip, 2, 1.3, 1.56,
     {-0.000325148001884, -7.26733533006e-05, 0.000397821355184}, 1},
    {Objective::kClip, 2, -1.3, -1.95,
     {-0.0815751480019, -0.162572673353, 0.244147821355}, 1},
    {Objective::kKlAdaptive, 0, 1.3, 0.582874183094585,
     {-0.164908481335, 0.0540939933134, 0.110814488022}, 1},
    {Objective::kKlAdaptive, 0, -1.3, -0.717125816905415,
     {0.105924851998, -0.05423934002, -0.0516855119781}, 1},
    {Objective::kKlAdaptive, 1, 1.3, 1.23287418309458,
     {0.0246748519981, -0.21673934002, 0.192064488022}, 0},
    {Objective::kKlAdaptive, 1, -1.3, -1.36712581690542,
     {-0.0836584813352, 0.216593993313, -0.132935511978}, 0},
    {Objective::kKlAdaptive, 2, 1.3, 1.88287418309459,
     {0.0517581853314, 0.162427326647, -0.214185511978}, 1},
    {Objective::kKlAdaptive, 2, -1.3, -2.01712581690542,
     {-0.110741814669, -0.162572673353, 0.273314488022}, 1},
    {Objective::kKlFixed, 0, 1.3, 0.582874183094585,
     {-0.164908481335, 0.0540939933134, 0.110814488022}, 1},
    {Objective::kKlFixed, 0, -1.3, -0.717125816905415,
     {0.105924851998, -0.05423934002, -0.0516855119781}, 1},
    {Objective::kKlFixed, 1, 1.3, 1.23287418309458,
     {0.0246748519981, -0.21673934002, 0.192064488022}, 0},
    {Objective::kKlFixed, 1, -1.3, -1.36712581690542,
     {-0.0836584813352, 0.216593993313, -0.132935511978}, 0},
    {Objective::kKlFixed, 2, 1.3, 1.88287418309459,
     {0.0517581853314, 0.162427326647, -0.214185511978}, 1},
    {Objective::kKlFixed, 2, -1.3, -2.01712581690542,
     {-0.110741814669, -0.162572673353, 0.273314488022}, 1},
    {Objective::kNone, 0, 1.3, 0.65,
     {-0.135741814669, 0.0540939933134, 0.0816478213552}, 1},
    {Objective::kNone, 0, -1.3, -0.65,
     {0.135091518665, -0.05423934002, -0.0808521786448}, 1},
    {Objective::kNone, 1, 1.3, 1.3,
     {0.0538415186648, -0.21673934002, 0.162897821355}, 0},
    {Objective::kNone, 1, -1.3, -1.3,
     {-0.0544918146686, 0.216593993313, -0.162102178645}, 0},
    {Objective::kNone, 2, 1.3, 1.95,
     {0.0809248519981, 0.162427326647, -0.243352178645}, 1},
    {Objective::kNone, 2, -1.3, -1.95,
     {-0.0815751480019, -0.162572673353, 0.244147821355}, 1},
};
// clang-format on

TEST(PpoObjectives, CategoricalHandComputed) {
  // p = [1/6, 1/3, 1/2] against a uniform old policy
  const float logits[3] = {0.0f, std::log(2.0f), std::log(3.0f)};
  const float third = std::log(1.0f / 3.0f);
  const float old_log_p[3] = {third, third, third};
  for (const CategoricalCase& g : kCategoricalCases) {
    SCOPED_TRACE(testing::Message() << "objective " << static_cast<int>(g.objective) << " action "
                                    << g.action << " adv " << g.adv);
    float d_logits[3];
    const SampleTerms t =
        categorical_policy_loss(logits, old_log_p, g.action, third, static_cast<float>(g.adv), 3,
                                coeffs(g.objective), d_logits);
    EXPECT_NEAR(t.surrogate, g.surrogate, 2e-6);
    // KL(uniform || p) = log(1/3) - log(1/36) / 3, H(p) = log 6 / 6 + log 3 / 3 + log 2 / 2
    EXPECT_NEAR(t.kl, 0.095894024150593504, 1e-6);
    EXPECT_NEAR(t.entropy, 1.0114042647073518, 1e-6);
    EXPECT_EQ(t.clipped, static_cast<float>(g.clipped));
    for (int k = 0; k < 3; ++k)
      EXPECT_NEAR(d_logits[k], g.d_logits[k], 1e-6) << "k " << k;
  }
}

// A plain hand derivation, no table: clip, A = -1, action 2 (ratio 1.5, above the band, so the
// unclipped -1.5 is the minimum): d loss / d z = -w * (r A) * (onehot - p) = 0.25 * 1.5 *
// [-1/6, -1/3, 1/2] = [-0.0625, -0.125, 0.1875]
TEST(PpoObjectives, CategoricalClipByHand) {
  const float logits[3] = {0.0f, std::log(2.0f), std::log(3.0f)};
  const float third = std::log(1.0f / 3.0f);
  const float old_log_p[3] = {third, third, third};
  LossCoeffs c = coeffs(Objective::kClip);
  c.ent_coef = 0.0f;
  float d[3];
  SampleTerms t = categorical_policy_loss(logits, old_log_p, 2, third, -1.0f, 3, c, d);
  EXPECT_NEAR(t.surrogate, -1.5f, 1e-6);
  EXPECT_NEAR(d[0], -0.0625f, 1e-7);
  EXPECT_NEAR(d[1], -0.125f, 1e-7);
  EXPECT_NEAR(d[2], 0.1875f, 1e-7);
  // A = +1: the clipped 1.2 is the minimum and no gradient flows
  t = categorical_policy_loss(logits, old_log_p, 2, third, 1.0f, 3, c, d);
  EXPECT_NEAR(t.surrogate, 1.2f, 1e-6);
  for (float x : d)
    EXPECT_EQ(x, 0.0f);
  // kl_fixed adds w beta (p - p_old) = 0.25 * 0.7 * [-1/6, 0, 1/6] to the unclipped 1.5 gradient
  c.objective = Objective::kKlFixed;
  t = categorical_policy_loss(logits, old_log_p, 2, third, 1.0f, 3, c, d);
  EXPECT_NEAR(t.surrogate, 1.5 - 0.7 * 0.095894024150593504, 1e-6);
  EXPECT_NEAR(d[0], 0.0625 - 0.175 / 6.0, 1e-7);
  EXPECT_NEAR(d[1], 0.125, 1e-7);
  EXPECT_NEAR(d[2], -0.1875 + 0.175 / 6.0, 1e-7);
}

// --- entropy ------------------------------------------------------------------------------------

TEST(PpoObjectives, Entropy) {
  // Gaussian: sum_j log_std_j + 0.5 log(2 pi e) = 0.5 + 2 * 1.4189385332046727
  const float log_std[2] = {1.0f, -0.5f};
  EXPECT_NEAR(gaussian_entropy(log_std, 2), 3.3378770664093454, 1e-6);
  // categorical: uniform over 4 has entropy log 4; one-hot-ish logits have almost none
  float log_p[4];
  const float flat[4] = {0.3f, 0.3f, 0.3f, 0.3f};
  log_softmax(flat, 4, log_p);
  EXPECT_NEAR(categorical_entropy(log_p, 4), std::log(4.0), 1e-6);
  const float peaked[4] = {40.0f, 0.0f, 0.0f, 0.0f};
  log_softmax(peaked, 4, log_p);
  EXPECT_NEAR(categorical_entropy(log_p, 4), 0.0, 1e-6);
  // p = [0.25, 0.75]: H = -(0.25 log 0.25 + 0.75 log 0.75) = 0.5623351446188083
  const float two[2] = {0.0f, std::log(3.0f)};
  log_softmax(two, 2, log_p);
  EXPECT_NEAR(categorical_entropy(log_p, 2), 0.5623351446188083, 1e-6);
}

TEST(PpoObjectives, EntropyBonusGradientOnly) {
  // A = 0 and no penalty: only -c2 H contributes, d/d log_std = -c2 w for every component
  const float mean[2] = {0.3f, -0.2f}, log_std[2] = {-0.5f, 0.1f}, action[2] = {0.5f, -0.6f};
  float d_mean[2], d_log_std[2];
  LossCoeffs c = coeffs(Objective::kNone);
  c.ent_coef = 0.1f;
  gaussian_policy_loss(mean, log_std, mean, log_std, action, -1.0f, 0.0f, 2, c, d_mean, d_log_std);
  EXPECT_EQ(d_mean[0], 0.0f);
  EXPECT_EQ(d_mean[1], 0.0f);
  EXPECT_FLOAT_EQ(d_log_std[0], -0.025f);
  EXPECT_FLOAT_EQ(d_log_std[1], -0.025f);
  // categorical: p = [0.25, 0.75], H = 0.5623351446188083; dH/dz_k = -p_k (log p_k + H)
  // -> [0.20773, -0.20773]; the loss gradient is -c2 w dH/dz
  const float logits[2] = {0.0f, std::log(3.0f)};
  float log_p[2], d[2];
  log_softmax(logits, 2, log_p);
  categorical_policy_loss(logits, log_p, 0, log_p[0], 0.0f, 2, c, d);
  const double dh0 = -0.25 * (std::log(0.25) + 0.5623351446188083);
  EXPECT_NEAR(d[0], -0.1 * 0.25 * dh0, 1e-7);
  EXPECT_NEAR(d[1], 0.1 * 0.25 * dh0, 1e-7);
}

// --- value loss ---------------------------------------------------------------------------------

TEST(PpoValueLoss, Unclipped) {
  LossCoeffs c;
  c.value_clip = 0.0f;
  c.vf_coef = 0.5f;
  c.weight = 0.25f;
  float loss = 0.0f;
  // 0.5 (1.5 - 1)^2 = 0.125; gradient c1 w (V - R) = 0.5 * 0.25 * 0.5
  EXPECT_FLOAT_EQ(value_loss_grad(1.5f, 1.0f, 1.0f, c, &loss), 0.0625f);
  EXPECT_FLOAT_EQ(loss, 0.125f);
  // far from the old value nothing clips when value_clip <= 0
  EXPECT_FLOAT_EQ(value_loss_grad(-2.0f, 5.0f, 1.0f, c, &loss), 0.5f * 0.25f * -3.0f);
  EXPECT_FLOAT_EQ(loss, 4.5f);
  c.value_clip = -1.0f;
  EXPECT_FLOAT_EQ(value_loss_grad(-2.0f, 5.0f, 1.0f, c, &loss), 0.5f * 0.25f * -3.0f);
}

TEST(PpoValueLoss, ClippedBranches) {
  LossCoeffs c;
  c.value_clip = 0.2f;
  c.vf_coef = 0.5f;
  c.weight = 0.25f;
  const float k = c.vf_coef * c.weight;
  float loss = 0.0f;
  // V = 1.5 left the band above V_old = 1 (V_clip = 1.2). R = 2: err -0.5, err_clip -0.8, the
  // clipped error is larger -> loss 0.5 * 0.64, and flat in V
  EXPECT_FLOAT_EQ(value_loss_grad(1.5f, 1.0f, 2.0f, c, &loss), 0.0f);
  EXPECT_NEAR(loss, 0.32f, 1e-6);
  // R = 1: err 0.5, err_clip 0.2 -> unclipped 0.125, gradient k * 0.5
  EXPECT_FLOAT_EQ(value_loss_grad(1.5f, 1.0f, 1.0f, c, &loss), k * 0.5f);
  EXPECT_FLOAT_EQ(loss, 0.125f);
  // below the band (V_clip = 0.8): R = 0 -> err 0.5, err_clip 0.8 -> clipped, flat
  EXPECT_FLOAT_EQ(value_loss_grad(0.5f, 1.0f, 0.0f, c, &loss), 0.0f);
  EXPECT_NEAR(loss, 0.32f, 1e-6);
  // R = 1 -> err -0.5, err_clip -0.2 -> unclipped, gradient -k * 0.5
  EXPECT_FLOAT_EQ(value_loss_grad(0.5f, 1.0f, 1.0f, c, &loss), -k * 0.5f);
  EXPECT_FLOAT_EQ(loss, 0.125f);
  // inside the band V_clip = V: plain 0.5 (V - R)^2
  EXPECT_NEAR(value_loss_grad(1.1f, 1.0f, 3.0f, c, &loss), k * -1.9f, 1e-6);
  EXPECT_NEAR(loss, 0.5f * 1.9f * 1.9f, 1e-5);
}

}  // namespace
}  // namespace stampede
