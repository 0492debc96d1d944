// 100-step trajectories of Gymnasium's assets and the contact models under recorded random controls
// (out-of-range controls included), float32 engine against MuJoCo 3.3.7 in float64, with the
// models' own integrator (RK4). Rounding differences grow along a trajectory, so the tolerance
// widens with the horizon: tight for the first steps, looser at 100.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "envs/mjcf/loader.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/forward.hpp"
#include "envs/physics/model.hpp"
#include "support/goldens.hpp"
#include "support/model_json.hpp"

namespace stampede {
namespace {

using nlohmann::json;

struct Horizon {
  int steps;
  double qpos_tol;  // atol = rtol
  double qvel_tol;
};

// tolerances per horizon; the worst errors seen are printed with STAMPEDE_PHYSICS_VERBOSE=1
// (measured on x86-64 gcc: qpos <= 1.1e-6, qvel <= 4e-6 after 100 steps for the contact-free
// models). Contacts make some trajectories chaotic: MuJoCo itself, started 1e-6 away, drifts by
// up to 4 in HalfCheetah's velocities within 100 steps (the golden's "sensitivity"). Such a
// trajectory is held to kSensitivityFactor times that drift where it exceeds the fixed bound.
constexpr Horizon kHorizons[] = {{10, 1e-5, 1e-4}, {50, 1e-4, 1e-3}, {100, 1e-4, 1e-3}};
constexpr double kSensitivityFactor = 10;

using testing::scaled_error;

// steps model m through the golden trajectory, checking each horizon's tolerance
void track_trajectory(const Model& m, const json& g, const char* what) {
  const json& traj = g.at("trajectory");
  auto d = std::make_unique<Data>();
  state_from_json(traj.at("start"), m, *d);
  const int steps = static_cast<int>(traj.at("ctrl").size());
  ASSERT_EQ(steps, 100);
  const json& drift = traj.at("sensitivity");
  double worst_q = 0, worst_v = 0;
  int h = 0;
  for (int t = 0; t < steps; ++t) {
    for (int u = 0; u < m.nu; ++u)
      d->ctrl[u] = traj["ctrl"][t][u].get<Real>();
    ASSERT_EQ(step(m, *d), kStepOk) << what << " step " << t;
    for (int i = 0; i < m.nq; ++i) {
      worst_q = std::fmax(worst_q, scaled_error(d->qpos[i], traj["qpos"][t][i].get<double>()));
    }
    for (int i = 0; i < m.nv; ++i) {
      worst_v = std::fmax(worst_v, scaled_error(d->qvel[i], traj["qvel"][t][i].get<double>()));
    }
    if (t + 1 == kHorizons[h].steps) {
      ASSERT_EQ(drift["horizons"][h].get<int>(), t + 1);
      const double tol_q =
          std::fmax(kHorizons[h].qpos_tol, kSensitivityFactor * drift["qpos"][h].get<double>());
      const double tol_v =
          std::fmax(kHorizons[h].qvel_tol, kSensitivityFactor * drift["qvel"][h].get<double>());
      EXPECT_LE(worst_q, tol_q) << what << " qpos within " << t + 1;
      EXPECT_LE(worst_v, tol_v) << what << " qvel within " << t + 1;
      if (std::getenv("STAMPEDE_PHYSICS_VERBOSE")) {
        printf("  %-36s steps %3d  qpos %.2e (tol %.1e)  qvel %.2e (tol %.1e)\n", what, t + 1,
               worst_q, tol_q, worst_v, tol_v);
      }
      ++h;
    }
  }
}

json load_golden(const char* name) {
  return testing::load_golden("physics", name);
}

class PhysicsTrajectory : public ::testing::TestWithParam<const char*> {};

// the model exported from MuJoCo's compiler
TEST_P(PhysicsTrajectory, HundredStepsTrackMujoco) {
  const json g = load_golden(GetParam());
  track_trajectory(model_from_json(g.at("model")), g, GetParam());
}

// end to end: our MJCF compiler on envs/mujoco/assets, then the same trajectory
TEST_P(PhysicsTrajectory, HundredStepsTrackMujocoFromOurMjcfCompiler) {
  const json g = load_golden(GetParam());
  // joint_zoo carries its MJCF in the golden, the contact models name theirs under tests/, the
  // Gymnasium tasks have theirs in envs/mujoco/assets
  const std::string asset = g.at("asset").get<std::string>();
  const std::string root = std::string(STAMPEDE_SOURCE_DIR) + "/";
  const Model m = g.contains("mjcf") ? load_mjcf_string(g["mjcf"].get<std::string>())
                  : asset.rfind("tests/", 0) == 0
                      ? load_mjcf_file(root + asset)
                      : load_mjcf_file(root + "envs/mujoco/assets/" + GetParam() + ".xml");
  track_trajectory(m, g, (std::string(GetParam()) + " (mjcf)").c_str());
}

INSTANTIATE_TEST_SUITE_P(Physics, PhysicsTrajectory, ::testing::ValuesIn(testing::kPhysicsGoldens));

}  // namespace
}  // namespace stampede
