// The Gymnasium v5 MuJoCo tasks on the engine against Gymnasium 1.2.2's own
// environments (goldens from scripts/gen_physics_goldens.py): from the same start state and
// under the same actions, observations and rewards agree to atol = rtol = 1e-4 (measured 8e-6) and
// terminations exactly. Also drives each task through the batched env-step used by both backends.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "envs/core/env_batch.hpp"
#include "envs/mjcf/loader.hpp"
#include "envs/mujoco/half_cheetah.hpp"
#include "envs/mujoco/hopper.hpp"
#include "envs/mujoco/inverted_double_pendulum.hpp"
#include "envs/mujoco/inverted_pendulum.hpp"
#include "envs/mujoco/reacher.hpp"
#include "envs/mujoco/swimmer.hpp"
#include "envs/mujoco/walker2d.hpp"
#include "support/goldens.hpp"
#include "support/model_json.hpp"

namespace stampede {
namespace {

using nlohmann::json;

constexpr double kTaskTol = 1e-4;
// Contacts make HalfCheetah chaotic: Gymnasium's own episode, replayed from a start state 1e-6
// away, drifts by 1e-2 within 30 steps (the golden's per-step "drift"); a step is held to this
// factor times that drift where it exceeds kTaskTol
constexpr double kDriftFactor = 10;

json load_golden(const std::string& name) {
  return testing::load_golden("physics", name);
}

double g_worst = 0;  // worst scaled error of the running check, printed when verbose

bool close(double ours, double ref, double tol) {
  const double err = testing::scaled_error(ours, ref);
  g_worst = std::fmax(g_worst, err);
  return err <= tol;
}

// the model from MuJoCo's compiler (golden export) or from ours (envs/mujoco/assets)
Model task_model(const std::string& asset, const json& g, bool from_mjcf) {
  if (from_mjcf) {
    return load_mjcf_file(std::string(STAMPEDE_SOURCE_DIR) + "/envs/mujoco/assets/" + asset +
                          ".xml");
  }
  return model_from_json(g.at("model"));
}

template <class Env>
void check_against_gymnasium(const std::string& asset, bool from_mjcf) {
  const json g = load_golden(asset);
  const Model model = task_model(asset, g, from_mjcf);
  ASSERT_TRUE(Env::matches(model));
  Env env;
  env.model = &model;
  Rng rng(7, RngPurpose::kEnvStep, 0, 0);
  int steps = 0;
  g_worst = 0;
  for (const auto& ep : g.at("task").at("episodes")) {
    std::vector<float> s(Env::kStateDim), qpos, qvel, obs(Env::kObsDim), action(Env::kActDim);
    for (const auto& x : ep.at("qpos"))
      qpos.push_back(x.get<float>());
    for (const auto& x : ep.at("qvel"))
      qvel.push_back(x.get<float>());
    env.set_state(s.data(), qpos.data(), qvel.data());
    env.observe(s.data(), obs.data());
    for (int k = 0; k < Env::kObsDim; ++k) {
      EXPECT_TRUE(close(obs[k], ep["obs0"][k].get<double>(), kTaskTol))
          << asset << " reset obs[" << k << "] " << obs[k] << " vs " << ep["obs0"][k];
    }
    const int n = static_cast<int>(ep.at("reward").size());
    const bool feedback = ep.contains("feedback_gains");
    for (int t = 0; t < n; ++t) {
      const double tol = ep.contains("drift")
                             ? std::fmax(kTaskTol, kDriftFactor * ep["drift"][t].get<double>())
                             : kTaskTol;
      for (int k = 0; k < Env::kActDim; ++k)
        action[k] = ep["action"][t][k].get<float>();
      if (feedback) {
        // closed loop on our own observation (the episode balances an unstable equilibrium)
        double a = 0;
        for (int k = 0; k < Env::kObsDim; ++k)
          a += ep["feedback_gains"][k].get<double>() * obs[k];
        a = std::fmin(std::fmax(a, ep["action_low"][0].get<double>()),
                      ep["action_high"][0].get<double>());
        action[0] = static_cast<float>(a + ep["feedback_noise"][t][0].get<double>());
        EXPECT_TRUE(close(action[0], ep["action"][t][0].get<double>(), kTaskTol))
            << asset << " step " << t << " feedback action " << action[0];
      }
      const StepOutcome out = env.step(s.data(), action.data(), rng);
      env.observe(s.data(), obs.data());
      ++steps;
      EXPECT_EQ(out.terminated, ep["terminated"][t].get<bool>()) << asset << " step " << t;
      EXPECT_TRUE(close(out.reward, ep["reward"][t].get<double>(), tol))
          << asset << " step " << t << " reward " << out.reward << " vs " << ep["reward"][t];
      for (int k = 0; k < Env::kObsDim; ++k) {
        EXPECT_TRUE(close(obs[k], ep["obs"][t][k].get<double>(), tol))
            << asset << " step " << t << " obs[" << k << "] " << obs[k] << " vs "
            << ep["obs"][t][k];
      }
    }
  }
  EXPECT_GT(steps, 0);
  if (std::getenv("STAMPEDE_PHYSICS_VERBOSE")) {
    printf("  %-26s %s %3d steps, worst obs/reward error %.2e\n", asset.c_str(),
           from_mjcf ? "(mjcf)" : "(json)", steps, g_worst);
  }
}

// each task with MuJoCo's compiled model and with our MJCF compiler's (what training runs)
TEST(PhysicsTasks, InvertedPendulumMatchesGymnasium) {
  check_against_gymnasium<InvertedPendulum>("inverted_pendulum", false);
  check_against_gymnasium<InvertedPendulum>("inverted_pendulum", true);
}
TEST(PhysicsTasks, InvertedDoublePendulumMatchesGymnasium) {
  check_against_gymnasium<InvertedDoublePendulum>("inverted_double_pendulum", false);
  check_against_gymnasium<InvertedDoublePendulum>("inverted_double_pendulum", true);
}
TEST(PhysicsTasks, ReacherMatchesGymnasium) {
  check_against_gymnasium<Reacher>("reacher", false);
  check_against_gymnasium<Reacher>("reacher", true);
}
TEST(PhysicsTasks, SwimmerMatchesGymnasium) {
  check_against_gymnasium<Swimmer>("swimmer", false);
  check_against_gymnasium<Swimmer>("swimmer", true);
}

TEST(PhysicsTasks, HopperMatchesGymnasium) {
  check_against_gymnasium<Hopper>("hopper", false);
  check_against_gymnasium<Hopper>("hopper", true);
}

TEST(PhysicsTasks, Walker2dMatchesGymnasium) {
  check_against_gymnasium<Walker2d>("walker2d", false);
  check_against_gymnasium<Walker2d>("walker2d", true);
}

TEST(PhysicsTasks, HalfCheetahMatchesGymnasium) {
  check_against_gymnasium<HalfCheetah>("half_cheetah", false);
  check_against_gymnasium<HalfCheetah>("half_cheetah", true);
}

// the batched step both backends run: resets, time limits, finite observations, no auto-resets
template <class Env>
void run_batch(const std::string& asset, int num_steps, int expect_episodes_at_least) {
  const Model model = model_from_json(load_golden(asset).at("model"));
  Env env;
  env.model = &model;
  const int n = 3;
  auto envs = HostEnvBatch::of<Env>(n);
  const EnvBatch b = env_batch_view(envs);
  for (int i = 0; i < n; ++i)
    reset_env(env, b, i, 42, 0);
  for (int t = 0; t < num_steps; ++t) {
    for (int i = 0; i < n; ++i) {
      Rng arng(42, RngPurpose::kAction, static_cast<uint32_t>(i), static_cast<uint64_t>(t));
      float action[Env::kActDim];
      for (int k = 0; k < Env::kActDim; ++k)
        action[k] = arng.uniform(-1.0f, 1.0f);
      step_env(env, b, i, action, 42, static_cast<uint64_t>(t));
    }
  }
  int episodes = 0;
  for (int i = 0; i < n; ++i) {
    episodes += envs.done_count[i];
    EXPECT_EQ(envs.state[Env::Layout::kResets * n + i], 0.0f) << asset << ": unexpected auto-reset";
    EXPECT_EQ(envs.bad_state_resets[i], 0) << asset;
  }
  for (float x : envs.obs)
    EXPECT_TRUE(std::isfinite(x)) << asset;
  EXPECT_GE(episodes, expect_episodes_at_least) << asset;
}

TEST(PhysicsTasks, BatchedStepRunsEveryTask) {
  run_batch<InvertedPendulum>("inverted_pendulum", 200, 3);  // random actions topple it fast
  run_batch<InvertedDoublePendulum>("inverted_double_pendulum", 200, 3);
  run_batch<Reacher>("reacher", 120, 6);  // 50-step truncation
  run_batch<Swimmer>("swimmer", 100, 0);
  run_batch<Hopper>("hopper", 200, 3);  // random actions topple it
  run_batch<Walker2d>("walker2d", 200, 3);
  run_batch<HalfCheetah>("half_cheetah", 100, 0);
}

}  // namespace
}  // namespace stampede
