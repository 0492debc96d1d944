// Per-stage and one-step validation of the dynamics against MuJoCo 3.3.7 (goldens from
// scripts/gen_physics_goldens.py): states sampled from random-control rollouts of Gymnasium's
// contact-free assets are injected, forward() runs in float32, and every stage's output is
// compared with MuJoCo's float64 values (atol = rtol = 5e-4; 2e-3 for the solver's outputs). One
// step is compared for Euler (implicit damping) and RK4 from the same states.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "envs/physics/data.hpp"
#include "envs/physics/forward.hpp"
#include "envs/physics/model.hpp"
#include "support/goldens.hpp"
#include "support/model_json.hpp"

namespace stampede {
namespace {

using nlohmann::json;

constexpr double kStageTol = 5e-4;
// solver outputs subtract large, nearly equal terms (J qacc_smooth - aref with stiff limits), so
// float32 loses more there; measured worst 3e-4, bound 2e-3 (MJX's solver tests use 5e-2)
constexpr double kSolverTol = 2e-3;

json load_golden(const std::string& name) {
  return testing::load_golden("physics", name);
}

// |ours - ref| <= tol (1 + |ref|) elementwise; returns the worst scaled error
double expect_close(const std::string& what, const Real* ours, const json& ref, double tol) {
  const std::vector<double> r = testing::flatten(ref);
  double worst = 0;
  int bad = 0;
  EXPECT_FALSE(r.empty()) << what;
  for (size_t i = 0; i < r.size(); ++i) {
    const double err = testing::scaled_error(ours[i], r[i]);
    worst = std::fmax(worst, std::isnan(ours[i]) ? INFINITY : err);
    if (!(err <= tol) && bad++ < 3) {
      ADD_FAILURE() << what << "[" << i << "]: ours " << ours[i] << " mujoco " << r[i];
    }
  }
  if (std::getenv("STAMPEDE_PHYSICS_VERBOSE"))
    printf("  %-28s n=%3zu worst %.2e\n", what.c_str(), r.size(), worst);
  return worst;
}

struct Case {
  json golden;
  Model model;
};

Case load_case(const std::string& name) {
  Case c;
  c.golden = load_golden(name);
  c.model = model_from_json(c.golden.at("model"));
  return c;
}

// Gymnasium's assets, and joint_zoo: free and ball joints, springs, custom solref/solimp, Euler
const char* kAssets[] = {"inverted_pendulum", "inverted_double_pendulum", "reacher", "swimmer",
                         "joint_zoo"};

class PhysicsStages : public ::testing::TestWithParam<const char*> {};

TEST_P(PhysicsStages, ForwardMatchesMujocoAtInjectedStates) {
  const Case c = load_case(GetParam());
  const Model& m = c.model;
  auto d = std::make_unique<Data>();
  int nefc_total = 0;
  for (const auto& s : c.golden.at("states")) {
    state_from_json(s, m, *d);
    forward(m, *d);
    const json& f = s.at("forward");
    const double t = kStageTol;
    // position stage
    expect_close("xpos", &d->xpos[0][0], f["xpos"], t);
    expect_close("xquat", &d->xquat[0][0], f["xquat"], t);
    expect_close("xmat", &d->xmat[0][0], f["xmat"], t);
    expect_close("xipos", &d->xipos[0][0], f["xipos"], t);
    expect_close("ximat", &d->ximat[0][0], f["ximat"], t);
    expect_close("xanchor", &d->xanchor[0][0], f["xanchor"], t);
    expect_close("xaxis", &d->xaxis[0][0], f["xaxis"], t);
    expect_close("geom_xpos", &d->geom_xpos[0][0], f["geom_xpos"], t);
    expect_close("geom_xmat", &d->geom_xmat[0][0], f["geom_xmat"], t);
    if (m.nsite > 0) {
      expect_close("site_xpos", &d->site_xpos[0][0], f["site_xpos"], t);
      expect_close("site_xmat", &d->site_xmat[0][0], f["site_xmat"], t);
    }
    expect_close("subtree_com", &d->subtree_com[0][0], f["subtree_com"], t);
    expect_close("cinert", &d->cinert[0][0], f["cinert"], t);
    expect_close("cdof", &d->cdof[0][0], f["cdof"], t);
    expect_close("crb", &d->crb[0][0], f["crb"], t);
    expect_close("qM", d->qM, f["qM"], t);
    // velocity stage
    expect_close("cvel", &d->cvel[0][0], f["cvel"], t);
    expect_close("cdof_dot", &d->cdof_dot[0][0], f["cdof_dot"], t);
    expect_close("qfrc_bias", d->qfrc_bias, f["qfrc_bias"], t);
    expect_close("qfrc_passive", d->qfrc_passive, f["qfrc_passive"], t);
    // actuation and smooth dynamics
    expect_close("actuator_force", d->actuator_force, f["actuator_force"], t);
    expect_close("qfrc_actuator", d->qfrc_actuator, f["qfrc_actuator"], t);
    expect_close("qfrc_smooth", d->qfrc_smooth, f["qfrc_smooth"], t);
    expect_close("qacc_smooth", d->qacc_smooth, f["qacc_smooth"], t);
    // limit rows and the constraint solve
    ASSERT_EQ(d->nefc, f["nefc"].get<int>());
    nefc_total += d->nefc;
    for (int r = 0; r < d->nefc; ++r) {
      EXPECT_EQ(d->efc_type[r], f["efc_type"][r].get<int>());
      EXPECT_EQ(d->efc_id[r], f["efc_id"][r].get<int>());
      expect_close("efc_J", d->efc_J[r], f["efc_J"][r], t);
    }
    if (d->nefc > 0) {
      expect_close("efc_pos", d->efc_pos, f["efc_pos"], t);
      expect_close("efc_margin", d->efc_margin, f["efc_margin"], t);
      expect_close("efc_diagApprox", d->efc_diagApprox, f["efc_diagApprox"], t);
      expect_close("efc_R", d->efc_R, f["efc_R"], t);
      expect_close("efc_D", d->efc_D, f["efc_D"], t);
      expect_close("efc_KBIP", &d->efc_KBIP[0][0], f["efc_KBIP"], t);
      expect_close("efc_vel", d->efc_vel, f["efc_vel"], t);
      expect_close("efc_aref", d->efc_aref, f["efc_aref"], t);
      expect_close("efc_b", d->efc_b, f["efc_b"], t);
      expect_close("efc_force", d->efc_force, f["efc_force"], kSolverTol);
    }
    expect_close("qfrc_constraint", d->qfrc_constraint, f["qfrc_constraint"], kSolverTol);
    expect_close("qacc", d->qacc, f["qacc"], kSolverTol);
  }
  EXPECT_GT(nefc_total, 0) << "goldens should exercise joint limits";
}

// one step from each injected state: positions 1e-4, velocities 5e-3
TEST_P(PhysicsStages, OneStepMatchesMujocoEulerAndRk4) {
  Case c = load_case(GetParam());
  auto d = std::make_unique<Data>();
  for (const int integrator : {kIntEuler, kIntRK4}) {
    c.model.opt.integrator = integrator;
    const char* key = integrator == kIntEuler ? "step_euler" : "step_rk4";
    for (const auto& s : c.golden.at("states")) {
      state_from_json(s, c.model, *d);
      ASSERT_EQ(step(c.model, *d), kStepOk);
      const json& ref = s.at(key);
      expect_close(std::string(key) + " qpos", d->qpos, ref["qpos"], 1e-4);
      expect_close(std::string(key) + " qvel", d->qvel, ref["qvel"], 5e-3);
      expect_close(std::string(key) + " qacc_warmstart", d->qacc_warmstart, ref["qacc_warmstart"],
                   5e-2);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Physics, PhysicsStages, ::testing::ValuesIn(kAssets));

}  // namespace
}  // namespace stampede
