// Classic-control environments against Gymnasium 1.2.2 goldens (scripts/gen_classic_goldens.py),
// the batched step driver's episode bookkeeping, reset distributions, and the counter-based RNG.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

#include "core/rng.hpp"
#include "envs/classic/acrobot.hpp"
#include "envs/classic/cartpole.hpp"
#include "envs/classic/mountain_car_continuous.hpp"
#include "envs/classic/pendulum.hpp"
#include "envs/core/env_batch.hpp"
#include "support/goldens.hpp"

namespace stampede {
namespace {

using nlohmann::json;

constexpr double kPi = std::numbers::pi;

json load_golden(const std::string& name) {
  json doc = testing::load_golden("classic", name);
  if (!doc.is_null()) EXPECT_EQ(doc.at("gymnasium_version").get<std::string>(), "1.2.2");
  return doc;
}

// what differs between tasks when comparing against Gymnasium
template <class Env>
struct Traits;

// Tolerances apply to |got - want| / (1 + |want|), a mixed absolute/relative error.
//
// One step (teacher forced): every task does its math in float from a float64 state rounded to
// float, so one step agrees to a few float ulps (largest seen: 8.6e-7, Acrobot's four RK4 stages
// included); 1e-5 leaves a wide margin yet catches any wrong term or constant.
//
// Free running from the initial state with the recorded (open-loop) actions: float vs float64
// gaps grow with the dynamics' instability, so each task gets a horizon over which the largest
// gap seen stays far below its tolerance. Seen: CartPole 1.9e-6 at 50 steps (the balancing
// episode's open-loop replay then diverges exponentially), Acrobot 8e-6 at 100, Pendulum 4.5e-5
// at 100, MountainCarContinuous 1e-7 at 200.
template <>
struct Traits<CartPole> {
  static constexpr const char* kName = "cartpole";
  static constexpr double kStepTol = 1e-5, kFreeTol = 1e-4;
  static constexpr int kFreeSteps = 50;
  // distance of the next state to the termination boundary (mismatches are allowed only there)
  static double boundary_distance(const std::vector<double>& s) {
    return std::min(std::fabs(std::fabs(s[0]) - 2.4), std::fabs(std::fabs(s[2]) - 12 * kPi / 180));
  }
};

template <>
struct Traits<Acrobot> {
  static constexpr const char* kName = "acrobot";
  static constexpr double kStepTol = 1e-5, kFreeTol = 1e-4;
  static constexpr int kFreeSteps = 100;
  static double boundary_distance(const std::vector<double>& s) {
    return std::fabs(-std::cos(s[0]) - std::cos(s[0] + s[1]) - 1.0);
  }
};

template <>
struct Traits<Pendulum> {
  static constexpr const char* kName = "pendulum";
  static constexpr double kStepTol = 1e-5, kFreeTol = 1e-3;
  static constexpr int kFreeSteps = 100;
  static double boundary_distance(const std::vector<double>&) { return 1e9; }  // never ends
};

template <>
struct Traits<MountainCarContinuous> {
  static constexpr const char* kName = "mountain_car_continuous";
  static constexpr double kStepTol = 1e-5, kFreeTol = 1e-5;
  static constexpr int kFreeSteps = 200;
  static double boundary_distance(const std::vector<double>& s) {
    return std::min(std::fabs(s[0] - 0.45), std::fabs(s[1]));
  }
};

std::string sci(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", x);
  return buf;
}

bool near(double got, double want, double tol) {
  return std::fabs(got - want) <= tol * (1.0 + std::fabs(want));
}

template <class Env>
void action_from_json(const json& a, float* action) {
  if (a.is_array()) {
    for (int k = 0; k < Env::kActDim; ++k)
      action[k] = a[k].get<float>();
  } else {
    action[0] = static_cast<float>(a.get<int>());
  }
}

// state entries that are angles Gymnasium may wrap differently near +-pi
template <class Env>
bool is_wrapped_angle(int k) {
  return std::is_same_v<Env, Acrobot> && k < 2;
}

// state error as in near(); Acrobot's angles may land on opposite sides of +-pi only when
// Gymnasium's sits right at the wrap point
template <class Env>
double state_error(const float* s, const std::vector<double>& want, int k) {
  double d = static_cast<double>(s[k]) - want[k];
  if (is_wrapped_angle<Env>(k) && std::fabs(want[k]) > kPi - 1e-4) {
    d = std::remainder(d, 2.0 * kPi);
  }
  return std::fabs(d) / (1.0 + std::fabs(want[k]));
}

// Loads each recorded Gymnasium state, takes one step with the recorded action and compares the
// next state, observation, reward and termination.
template <class Env>
void check_teacher_forced() {
  using T = Traits<Env>;
  const json doc = load_golden(T::kName);
  ASSERT_FALSE(doc.is_null());
  const Env env{};
  Rng rng(0, RngPurpose::kEnvStep, 0, 0);
  int steps = 0, terminations = 0, truncations = 0, boundary_flips = 0;
  double max_err = 0.0;
  for (const json& ep : doc.at("episodes")) {
    const auto states = ep.at("states").get<std::vector<std::vector<double>>>();
    const auto obs = ep.at("obs").get<std::vector<std::vector<double>>>();
    const size_t len = ep.at("actions").size();
    ASSERT_EQ(states.size(), len + 1);
    ASSERT_EQ(obs.size(), len + 1);
    float s[Env::kStateDim], o[Env::kObsDim], action[Env::kActDim];
    for (size_t t = 0; t <= len; ++t) {
      for (int k = 0; k < Env::kStateDim; ++k)
        s[k] = static_cast<float>(states[t][k]);
      env.observe(s, o);
      for (int k = 0; k < Env::kObsDim; ++k) {
        ASSERT_TRUE(near(o[k], obs[t][k], T::kStepTol)) << "observe t=" << t << " k=" << k;
      }
      if (t == len) break;

      action_from_json<Env>(ep.at("actions")[t], action);
      const StepOutcome out = env.step(s, action, rng);
      ++steps;
      const std::vector<double>& next = states[t + 1];
      for (int k = 0; k < Env::kStateDim; ++k) {
        const double err = state_error<Env>(s, next, k);
        max_err = std::max(max_err, err);
        ASSERT_LE(err, T::kStepTol) << "seed " << ep["seed"] << " t=" << t << " k=" << k << ": "
                                    << s[k] << " vs " << next[k];
      }
      env.observe(s, o);
      for (int k = 0; k < Env::kObsDim; ++k) {
        ASSERT_TRUE(near(o[k], obs[t + 1][k], T::kStepTol))
            << "seed " << ep["seed"] << " t=" << t << " obs k=" << k << ": " << o[k] << " vs "
            << obs[t + 1][k];
      }
      const bool terminated = ep.at("terminated")[t].get<bool>();
      const bool truncated = ep.at("truncated")[t].get<bool>();
      if (out.terminated != terminated) {
        // float vs double may only disagree on a state that sits on the boundary
        ASSERT_LT(T::boundary_distance(next), 1e-5) << "termination differs at t=" << t;
        ++boundary_flips;
        continue;
      }
      ASSERT_TRUE(near(out.reward, ep.at("rewards")[t].get<double>(), T::kStepTol)) << "t=" << t;
      // Gymnasium's TimeLimit truncates exactly at our max_episode_steps (it would set both flags
      // if the task also terminated there; step_env reports termination only, see ClassicBatch)
      ASSERT_EQ(truncated, static_cast<int>(t) + 1 == env.max_episode_steps());
      terminations += terminated;
      truncations += truncated;
    }
  }
  ::testing::Test::RecordProperty("steps", steps);
  ::testing::Test::RecordProperty("max_state_error", sci(max_err));
  EXPECT_GT(steps, 300);
  ::testing::Test::RecordProperty("boundary_flips", boundary_flips);
  // the goldens cover the episode ends each task has
  if (!std::is_same_v<Env, Pendulum>) {
    EXPECT_GE(terminations, 1);
  }
  if (!std::is_same_v<Env, MountainCarContinuous>) {
    EXPECT_GE(truncations, 1);
  }
}

TEST(ClassicGolden, CartPoleOneStep) {
  check_teacher_forced<CartPole>();
}
TEST(ClassicGolden, AcrobotOneStep) {
  check_teacher_forced<Acrobot>();
}
TEST(ClassicGolden, PendulumOneStep) {
  check_teacher_forced<Pendulum>();
}
TEST(ClassicGolden, MountainCarContinuousOneStep) {
  check_teacher_forced<MountainCarContinuous>();
}

// Runs our float dynamics on their own from each episode's initial state with the recorded
// actions and compares observations for a short horizon (the gap to float64 grows with time).
template <class Env>
void check_free_running() {
  using T = Traits<Env>;
  const json doc = load_golden(T::kName);
  ASSERT_FALSE(doc.is_null());
  const Env env{};
  Rng rng(0, RngPurpose::kEnvStep, 0, 0);
  double max_err = 0.0;
  for (const json& ep : doc.at("episodes")) {
    const auto states = ep.at("states").get<std::vector<std::vector<double>>>();
    const auto obs = ep.at("obs").get<std::vector<std::vector<double>>>();
    const int len = std::min<int>(ep.at("actions").size(), T::kFreeSteps);
    float s[Env::kStateDim], o[Env::kObsDim], action[Env::kActDim];
    for (int k = 0; k < Env::kStateDim; ++k)
      s[k] = static_cast<float>(states[0][k]);
    for (int t = 0; t < len; ++t) {
      action_from_json<Env>(ep.at("actions")[t], action);
      const StepOutcome out = env.step(s, action, rng);
      env.observe(s, o);
      for (int k = 0; k < Env::kObsDim; ++k) {
        const double err = std::fabs(o[k] - obs[t + 1][k]) / (1.0 + std::fabs(obs[t + 1][k]));
        max_err = std::max(max_err, err);
        ASSERT_LE(err, T::kFreeTol) << "seed " << ep["seed"] << " t=" << t << " obs k=" << k;
      }
      ASSERT_EQ(out.terminated, ep.at("terminated")[t].get<bool>()) << "t=" << t;
    }
  }
  ::testing::Test::RecordProperty("max_obs_error", sci(max_err));
}

TEST(ClassicGolden, CartPoleFreeRunning) {
  check_free_running<CartPole>();
}
TEST(ClassicGolden, AcrobotFreeRunning) {
  check_free_running<Acrobot>();
}
TEST(ClassicGolden, PendulumFreeRunning) {
  check_free_running<Pendulum>();
}
TEST(ClassicGolden, MountainCarContinuousFreeRunning) {
  check_free_running<MountainCarContinuous>();
}

// HostEnvBatch with final_obs poisoned, so a test sees whether step_env wrote it
template <class Env>
struct HostBatch : HostEnvBatch {
  explicit HostBatch(int n) : HostEnvBatch(HostEnvBatch::of<Env>(n)) {
    std::fill(final_obs.begin(), final_obs.end(), -999.0f);
    b = env_batch_view(*this);
  }
  EnvBatch b;
};

// the observation reset_env must leave for env i when its episode starts at global step `step`
template <class Env>
std::vector<float> expected_reset_obs(const Env& env, uint64_t seed, int i, uint64_t step) {
  float s[Env::kStateDim];
  std::vector<float> o(Env::kObsDim);
  Rng rng(seed, RngPurpose::kReset, static_cast<uint32_t>(i), step);
  env.reset(s, rng);
  env.observe(s, o.data());
  return o;
}

template <class Env>
std::vector<float> obs_row(const std::vector<float>& buf, int i) {
  return {buf.begin() + i * Env::kObsDim, buf.begin() + (i + 1) * Env::kObsDim};
}

// Steps env `i` of a batch with a fixed action until its episode ends, checking the running
// bookkeeping each step against a plain re-computation; returns the global step of the end.
template <class Env>
uint64_t run_until_done(const Env& env, HostBatch<Env>& h, int i, const float* action,
                        uint64_t seed, uint64_t step, float* expect_return, int* expect_length) {
  float ret = 0.0f;
  for (int len = 1; len <= env.max_episode_steps(); ++len, ++step) {
    float s[Env::kStateDim], o[Env::kObsDim];
    load_state<Env>(h.b, i, s);
    Rng rng(seed, RngPurpose::kEnvStep, static_cast<uint32_t>(i), step);
    const StepOutcome ref = env.step(s, action, rng);
    env.observe(s, o);
    ret += ref.reward;

    step_env(env, h.b, i, action, seed, step);
    EXPECT_EQ(h.reward[i], ref.reward);
    EXPECT_EQ(h.terminated[i], ref.terminated ? 1 : 0);
    const bool done = h.terminated[i] || h.truncated[i];
    if (!done) {
      EXPECT_EQ(h.episode_length[i], len);
      EXPECT_EQ(h.episode_return[i], ret);
      EXPECT_EQ(obs_row<Env>(h.obs, i), std::vector<float>(o, o + Env::kObsDim));
      continue;
    }
    // the observation that ended the episode is kept; obs holds the next episode's first one
    EXPECT_EQ(obs_row<Env>(h.final_obs, i), std::vector<float>(o, o + Env::kObsDim));
    EXPECT_EQ(obs_row<Env>(h.obs, i), expected_reset_obs(env, seed, i, step + 1));
    EXPECT_EQ(h.episode_length[i], 0);
    EXPECT_EQ(h.episode_return[i], 0.0f);
    *expect_return = ret;
    *expect_length = len;
    return step;
  }
  ADD_FAILURE() << "episode did not end within the time limit";
  return step;
}

TEST(ClassicBatch, PendulumTruncatesAtTimeLimit) {
  const Pendulum env{};
  const uint64_t seed = 7;
  HostBatch<Pendulum> h(3);
  for (int i = 0; i < 3; ++i)
    reset_env(env, h.b, i, seed, 0);
  const float action[1] = {0.5f};
  float ret = 0.0f;
  int len = 0;
  const uint64_t end = run_until_done(env, h, 1, action, seed, 0, &ret, &len);
  EXPECT_EQ(len, 200);
  EXPECT_EQ(end, 199u);
  EXPECT_EQ(h.truncated[1], 1);
  EXPECT_EQ(h.terminated[1], 0);
  EXPECT_EQ(h.done_count[1], 1);
  EXPECT_EQ(h.done_return_sum[1], ret);
  EXPECT_LT(ret, 0.0f);
  EXPECT_EQ(h.done_length_sum[1], 200.0f);
  // untouched neighbours keep their state and statistics
  EXPECT_EQ(h.done_count[0] + h.done_count[2], 0);
  EXPECT_EQ(obs_row<Pendulum>(h.obs, 0), expected_reset_obs(env, seed, 0, 0));

  // a second episode accumulates into the same per-env statistics
  float ret2 = 0.0f;
  int len2 = 0;
  run_until_done(env, h, 1, action, seed, end + 1, &ret2, &len2);
  EXPECT_EQ(len2, 200);
  EXPECT_EQ(h.done_count[1], 2);
  EXPECT_EQ(h.done_return_sum[1], ret + ret2);
  EXPECT_EQ(h.done_length_sum[1], 400.0f);
  EXPECT_NE(ret, ret2);  // the second episode started from a fresh reset
}

TEST(ClassicBatch, CartPoleTerminates) {
  const CartPole env{};
  const uint64_t seed = 3;
  HostBatch<CartPole> h(2);
  reset_env(env, h.b, 0, seed, 0);
  reset_env(env, h.b, 1, seed, 0);
  EXPECT_NE(obs_row<CartPole>(h.obs, 0), obs_row<CartPole>(h.obs, 1));
  const float push[1] = {1.0f};
  float ret = 0.0f;
  int len = 0;
  run_until_done(env, h, 0, push, seed, 0, &ret, &len);
  EXPECT_EQ(h.terminated[0], 1);
  EXPECT_EQ(h.truncated[0], 0);
  EXPECT_GT(len, 5);
  EXPECT_LT(len, 30);
  EXPECT_EQ(ret, static_cast<float>(len));  // reward 1 on every step, the last one included
  EXPECT_EQ(h.done_return_sum[0], ret);
  EXPECT_EQ(h.done_length_sum[0], static_cast<float>(len));
  // the kept final observation is past a termination threshold
  const float* fo = h.final_obs.data();
  EXPECT_TRUE(std::fabs(fo[0]) > env.x_threshold || std::fabs(fo[2]) > env.theta_threshold);

  // termination on the very step the time limit is reached counts as termination only (Gymnasium
  // would set truncated too; for bootstrapping, termination is what matters)
  CartPole limited = env;
  limited.episode_steps = len;
  HostBatch<CartPole> h2(1);
  reset_env(limited, h2.b, 0, seed, 0);
  float ret2 = 0.0f;
  int len2 = 0;
  run_until_done(limited, h2, 0, push, seed, 0, &ret2, &len2);
  EXPECT_EQ(len2, len);
  EXPECT_EQ(h2.terminated[0], 1);
  EXPECT_EQ(h2.truncated[0], 0);
}

TEST(ClassicBatch, AcrobotTerminatesWithZeroReward) {
  const Acrobot env{};
  const uint64_t seed = 11;
  HostBatch<Acrobot> h(1);
  reset_env(env, h.b, 0, seed, 0);
  uint64_t step = 0;
  for (; step < 500; ++step) {
    // torque against dtheta1 pumps energy in (the policy the goldens use)
    const float action[1] = {h.obs[4] > 0.0f ? 0.0f : 2.0f};
    step_env(env, h.b, 0, action, seed, step);
    if (h.terminated[0] || h.truncated[0]) break;
  }
  ASSERT_EQ(h.terminated[0], 1);
  EXPECT_EQ(h.reward[0], 0.0f);
  const int len = static_cast<int>(step) + 1;
  EXPECT_EQ(h.done_length_sum[0], static_cast<float>(len));
  EXPECT_EQ(h.done_return_sum[0], -static_cast<float>(len - 1));
  const float* fo = h.final_obs.data();  // cos t1, sin t1, cos t2, sin t2
  const float height = -fo[0] - (fo[0] * fo[2] - fo[1] * fo[3]);
  EXPECT_GT(height, 1.0f - 1e-5f);
  EXPECT_EQ(obs_row<Acrobot>(h.obs, 0), expected_reset_obs(env, seed, 0, step + 1));
}

// Draws many resets through reset_env (one per env index) and checks bounds, mean and variance of
// each state entry against U(low, high); tolerances are 5 standard errors of the estimates.
template <class Env>
void check_reset_distribution(const float* low, const float* high, int n = 20000) {
  const Env env{};
  HostBatch<Env> h(n);
  for (int i = 0; i < n; ++i)
    reset_env(env, h.b, i, 42, 1000);
  for (int k = 0; k < Env::kStateDim; ++k) {
    const float* x = h.state.data() + size_t(k) * n;
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < n; ++i) {
      ASSERT_GE(x[i], low[k]) << "entry " << k;
      ASSERT_LE(x[i], high[k]) << "entry " << k;
      sum += x[i];
    }
    const double mean = sum / n;
    for (int i = 0; i < n; ++i)
      sq += (x[i] - mean) * (x[i] - mean);
    const double var = sq / (n - 1);
    const double w = high[k] - low[k];
    if (w == 0.0) {
      EXPECT_EQ(var, 0.0);
      continue;
    }
    // U(a, b): variance w^2/12; the sample variance's variance is (mu4 - sigma^4)/n with
    // mu4 = w^4/80
    const double mean_se = w / std::sqrt(12.0 * n);
    const double var_se = w * w * std::sqrt(1.0 / 80.0 - 1.0 / 144.0) / std::sqrt(double(n));
    EXPECT_NEAR(mean, 0.5 * (low[k] + high[k]), 5.0 * mean_se) << "entry " << k;
    EXPECT_NEAR(var, w * w / 12.0, 5.0 * var_se) << "entry " << k;
  }
  // a later reset of the same env draws a different state
  float a[Env::kStateDim], b[Env::kStateDim];
  Rng r1(42, RngPurpose::kReset, 5, 1000), r2(42, RngPurpose::kReset, 5, 1001);
  env.reset(a, r1);
  env.reset(b, r2);
  EXPECT_NE(a[0], b[0]);
}

TEST(ClassicReset, CartPole) {
  const float lo[4] = {-0.05f, -0.05f, -0.05f, -0.05f}, hi[4] = {0.05f, 0.05f, 0.05f, 0.05f};
  check_reset_distribution<CartPole>(lo, hi);
}

TEST(ClassicReset, Acrobot) {
  const float lo[4] = {-0.1f, -0.1f, -0.1f, -0.1f}, hi[4] = {0.1f, 0.1f, 0.1f, 0.1f};
  check_reset_distribution<Acrobot>(lo, hi);
}

TEST(ClassicReset, Pendulum) {
  const float pi = 3.14159265358979323846f;
  const float lo[2] = {-pi, -1.0f}, hi[2] = {pi, 1.0f};
  check_reset_distribution<Pendulum>(lo, hi);
}

TEST(ClassicReset, MountainCarContinuous) {
  const float lo[2] = {-0.6f, 0.0f}, hi[2] = {-0.4f, 0.0f};
  check_reset_distribution<MountainCarContinuous>(lo, hi);
}

std::vector<uint32_t> draws(uint64_t seed, RngPurpose purpose, uint32_t stream, uint64_t step,
                            int n = 64) {
  Rng rng(seed, purpose, stream, step);
  std::vector<uint32_t> out(n);
  for (uint32_t& v : out)
    v = rng.next_u32();
  return out;
}

TEST(RngTest, PhiloxKnownAnswer) {
  // Random123's published test vector for Philox4x32-10 with zero counter and key
  const Philox4 out = philox4x32_10(Philox4{{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(out.v[0], 0x6627e8d5u);
  EXPECT_EQ(out.v[1], 0xe169c58du);
  EXPECT_EQ(out.v[2], 0xbc57ac4cu);
  EXPECT_EQ(out.v[3], 0x9b00dbd8u);
}

TEST(RngTest, CounterLayout) {
  // the layout CPU and GPU must share: counter (stream, step lo, step hi ^ purpose << 24, block),
  // key = the seed's two words
  const uint64_t seed = 0x0123456789abcdefULL, step = 0x0000000500000007ULL;
  Rng rng(seed, RngPurpose::kEnvStep, 9, step);
  for (uint32_t block = 0; block < 3; ++block) {
    const Philox4 want =
        philox4x32_10(Philox4{{9u, 7u, 5u ^ (2u << 24), block}}, 0x89abcdefu, 0x01234567u);
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(rng.next_u32(), want.v[j]) << block << " " << j;
  }
}

TEST(RngTest, SameKeySameNumbers) {
  const uint64_t big = 0x123456789abcdefULL;
  EXPECT_EQ(draws(1, RngPurpose::kReset, 3, 5), draws(1, RngPurpose::kReset, 3, 5));
  EXPECT_EQ(draws(big, RngPurpose::kEnvStep, 9, big), draws(big, RngPurpose::kEnvStep, 9, big));
  const auto base = draws(1, RngPurpose::kReset, 3, 5);
  EXPECT_NE(base, draws(2, RngPurpose::kReset, 3, 5));                    // seed
  EXPECT_NE(base, draws(1ULL | (1ULL << 32), RngPurpose::kReset, 3, 5));  // seed's high word
  EXPECT_NE(base, draws(1, RngPurpose::kReset, 4, 5));                    // env index
  EXPECT_NE(base, draws(1, RngPurpose::kReset, 3, 6));                    // step
  EXPECT_NE(base, draws(1, RngPurpose::kReset, 3, 5 + (1ULL << 32)));     // step's high word
  EXPECT_NE(base, draws(1, RngPurpose::kEnvStep, 3, 5));                  // purpose
  // blocks of four do not repeat within one generator
  for (int j = 4; j < 64; j += 4)
    EXPECT_NE(base[0], base[j]);
}

TEST(RngTest, UniformMoments) {
  const int n = 1 << 20;
  Rng rng(123, RngPurpose::kAction, 0, 0);
  double sum = 0.0, sq = 0.0;
  float lo = 1.0f, hi = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
    sq += double(u) * u;
  }
  EXPECT_GE(lo, 0.0f);
  EXPECT_LT(hi, 1.0f);
  EXPECT_LT(lo, 1e-4f);
  EXPECT_GT(hi, 1.0f - 1e-4f);
  const double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(var, 1.0 / 12.0, 5.0 * std::sqrt(1.0 / 80.0 - 1.0 / 144.0) / std::sqrt(n));

  Rng open(123, RngPurpose::kAction, 1, 0);
  for (int i = 0; i < 100000; ++i) {
    const float u = open.uniform_open0();
    ASSERT_GT(u, 0.0f);
    ASSERT_LE(u, 1.0f);
  }
}

TEST(RngTest, NormalMoments) {
  const int n = 1 << 20;
  Rng rng(7, RngPurpose::kAction, 2, 0);
  double sum = 0.0, sq = 0.0, tail = 0.0;
  for (int i = 0; i < n; ++i) {
    const float z = rng.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sq += double(z) * z;
    tail += std::fabs(z) > 1.959964f;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
  // two-sided 5% tail, binomial standard error
  EXPECT_NEAR(tail / n, 0.05, 5.0 * std::sqrt(0.05 * 0.95 / n));
}

}  // namespace
}  // namespace stampede
