// MJCF compiler against MuJoCo 3.3.7: every compiled field of our Model equals the golden export
// of the `mujoco` package (scripts/gen_mjcf_goldens.py), for the synthetic snippets in
// tests/data/mjcf/snippets/ and for our task assets against Gymnasium's own assets.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "envs/mjcf/frames.hpp"
#include "envs/mjcf/loader.hpp"
#include "support/goldens.hpp"

namespace stampede {
namespace {

using nlohmann::json;

using testing::load_golden;

std::vector<double> flat(const json& j) {
  return testing::flatten(j);
}

// float fields: relative 1e-5 per element, plus 1e-6 of the field's largest magnitude for values
// that are zero up to rounding (a float cannot hold MuJoCo's 1e-17 residues)
constexpr double kRel = 1e-5;
constexpr double kFieldAbs = 1e-6;

class ModelComparer {
 public:
  ModelComparer(const json& golden, const Model& m, std::string what)
      : g_(golden), m_(m), what_(std::move(what)) {}

  void ints(const char* field, const int32_t* data, int count) {
    std::vector<double> want = flat(g_.at(field));
    ASSERT_EQ(static_cast<int>(want.size()), count) << what_ << " " << field;
    for (int i = 0; i < count; ++i)
      EXPECT_EQ(data[i], static_cast<int32_t>(want[i])) << what_ << " " << field << "[" << i << "]";
  }

  void reals(const char* field, const Real* data, int count) {
    reals_of(field, flat(g_.at(field)), data, count);
  }

  void reals_of(const std::string& field, const std::vector<double>& want, const Real* data,
                int count) {
    ASSERT_EQ(static_cast<int>(want.size()), count) << what_ << " " << field;
    double scale = 0;
    for (double w : want)
      scale = std::max(scale, std::abs(w));
    for (int i = 0; i < count; ++i)
      EXPECT_NEAR(data[i], want[i], kRel * std::abs(want[i]) + kFieldAbs * scale)
          << what_ << " " << field << "[" << i << "]";
  }

  // quaternions: q and -q are the same rotation
  void quats(const char* field, const Real (*data)[4], int count) {
    std::vector<double> want = flat(g_.at(field));
    ASSERT_EQ(static_cast<int>(want.size()), 4 * count) << what_ << " " << field;
    for (int i = 0; i < count; ++i) {
      double dot = 0;
      for (int k = 0; k < 4; ++k)
        dot += data[i][k] * want[4 * i + k];
      double sign = dot < 0 ? -1 : 1;
      for (int k = 0; k < 4; ++k)
        EXPECT_NEAR(sign * data[i][k], want[4 * i + k], 2e-6)
            << what_ << " " << field << "[" << i << "][" << k << "]";
    }
  }

  // principal inertia and its frame are defined up to axis order and sign: compare the inertia
  // tensor they make in the body frame, and the sorted moments
  void body_inertia() {
    std::vector<double> moments = flat(g_.at("body_inertia")), iquat = flat(g_.at("body_iquat"));
    for (int b = 0; b < m_.nbody; ++b) {
      auto tensor = [](const mjcf::Quat& q, const double* d) {
        mjcf::Mat3 r = mjcf::quat_to_mat(q), t{};
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k)
              t[3 * i + j] += r[3 * i + k] * d[k] * r[3 * j + k];
        return t;
      };
      const double* wm = &moments[3 * b];
      double hm[3] = {m_.body_inertia[b][0], m_.body_inertia[b][1], m_.body_inertia[b][2]};
      mjcf::Mat3 want =
          tensor({iquat[4 * b], iquat[4 * b + 1], iquat[4 * b + 2], iquat[4 * b + 3]}, wm);
      mjcf::Mat3 have = tensor(
          {m_.body_iquat[b][0], m_.body_iquat[b][1], m_.body_iquat[b][2], m_.body_iquat[b][3]}, hm);
      double scale = std::max({wm[0], wm[1], wm[2]});
      for (int k = 0; k < 9; ++k)
        EXPECT_NEAR(have[k], want[k], 2e-5 * scale)
            << what_ << " body " << b << " tensor[" << k << "]";
      std::vector<double> ws(wm, wm + 3), hs(hm, hm + 3);
      std::sort(ws.begin(), ws.end());
      std::sort(hs.begin(), hs.end());
      for (int k = 0; k < 3; ++k)
        EXPECT_NEAR(hs[k], ws[k], kRel * ws[k] + 1e-7 * scale) << what_ << " body " << b;
    }
  }

  void all() {
    for (const char* n : {"nq", "nv", "nu", "nbody", "njnt", "ngeom", "nsite"}) {
      int have = n == std::string("nq")      ? m_.nq
                 : n == std::string("nv")    ? m_.nv
                 : n == std::string("nu")    ? m_.nu
                 : n == std::string("nbody") ? m_.nbody
                 : n == std::string("njnt")  ? m_.njnt
                 : n == std::string("ngeom") ? m_.ngeom
                                             : m_.nsite;
      ASSERT_EQ(have, g_.at(n).get<int>()) << what_ << " " << n;
    }
    const json& o = g_.at("opt");
    const ModelOptions& p = m_.opt;
    reals_of("opt.timestep", {o.at("timestep").get<double>()}, &p.timestep, 1);
    reals_of("opt.gravity", flat(o.at("gravity")), p.gravity, 3);
    reals_of("opt.wind", flat(o.at("wind")), p.wind, 3);
    for (const char* f : {"density", "viscosity", "impratio", "tolerance", "ls_tolerance"}) {
      const Real* v = f == std::string("density")     ? &p.density
                      : f == std::string("viscosity") ? &p.viscosity
                      : f == std::string("impratio")  ? &p.impratio
                      : f == std::string("tolerance") ? &p.tolerance
                                                      : &p.ls_tolerance;
      reals_of(std::string("opt.") + f, {o.at(f).get<double>()}, v, 1);
    }
    EXPECT_EQ(p.iterations, o.at("iterations").get<int>()) << what_;
    EXPECT_EQ(p.ls_iterations, o.at("ls_iterations").get<int>()) << what_;
    EXPECT_EQ(p.integrator, o.at("integrator").get<int>()) << what_;
    EXPECT_EQ(p.solver, o.at("solver").get<int>()) << what_;
    EXPECT_EQ(p.cone, o.at("cone").get<int>()) << what_;
    EXPECT_EQ(p.disableflags, o.at("disableflags").get<int>()) << what_;
    reals_of("stat_meaninertia", {g_.at("stat_meaninertia").get<double>()}, &m_.stat_meaninertia,
             1);

    const int nb = m_.nbody, nj = m_.njnt, nv = m_.nv, ng = m_.ngeom, ns = m_.nsite, nu = m_.nu;
    ints("body_parentid", m_.body_parentid, nb);
    ints("body_rootid", m_.body_rootid, nb);
    ints("body_weldid", m_.body_weldid, nb);
    ints("body_jntnum", m_.body_jntnum, nb);
    ints("body_jntadr", m_.body_jntadr, nb);
    ints("body_dofnum", m_.body_dofnum, nb);
    ints("body_dofadr", m_.body_dofadr, nb);
    reals("body_pos", &m_.body_pos[0][0], 3 * nb);
    quats("body_quat", m_.body_quat, nb);
    reals("body_ipos", &m_.body_ipos[0][0], 3 * nb);
    reals("body_mass", m_.body_mass, nb);
    body_inertia();
    reals("body_invweight0", &m_.body_invweight0[0][0], 2 * nb);

    ints("jnt_type", m_.jnt_type, nj);
    ints("jnt_qposadr", m_.jnt_qposadr, nj);
    ints("jnt_dofadr", m_.jnt_dofadr, nj);
    ints("jnt_bodyid", m_.jnt_bodyid, nj);
    ints("jnt_limited", m_.jnt_limited, nj);
    reals("jnt_pos", &m_.jnt_pos[0][0], 3 * nj);
    reals("jnt_axis", &m_.jnt_axis[0][0], 3 * nj);
    reals("jnt_range", &m_.jnt_range[0][0], 2 * nj);
    reals("jnt_margin", m_.jnt_margin, nj);
    reals("jnt_solref", &m_.jnt_solref[0][0], 2 * nj);
    reals("jnt_solimp", &m_.jnt_solimp[0][0], 5 * nj);
    reals("jnt_stiffness", m_.jnt_stiffness, nj);

    ints("dof_bodyid", m_.dof_bodyid, nv);
    ints("dof_jntid", m_.dof_jntid, nv);
    ints("dof_parentid", m_.dof_parentid, nv);
    reals("dof_armature", m_.dof_armature, nv);
    reals("dof_damping", m_.dof_damping, nv);
    reals("dof_invweight0", m_.dof_invweight0, nv);

    ints("geom_type", m_.geom_type, ng);
    ints("geom_bodyid", m_.geom_bodyid, ng);
    ints("geom_contype", m_.geom_contype, ng);
    ints("geom_conaffinity", m_.geom_conaffinity, ng);
    ints("geom_condim", m_.geom_condim, ng);
    ints("geom_priority", m_.geom_priority, ng);
    reals("geom_size", &m_.geom_size[0][0], 3 * ng);
    reals("geom_rbound", m_.geom_rbound, ng);
    reals("geom_pos", &m_.geom_pos[0][0], 3 * ng);
    quats("geom_quat", m_.geom_quat, ng);
    reals("geom_friction", &m_.geom_friction[0][0], 3 * ng);
    reals("geom_solmix", m_.geom_solmix, ng);
    reals("geom_solref", &m_.geom_solref[0][0], 2 * ng);
    reals("geom_solimp", &m_.geom_solimp[0][0], 5 * ng);
    reals("geom_margin", m_.geom_margin, ng);
    reals("geom_gap", m_.geom_gap, ng);

    ints("site_bodyid", m_.site_bodyid, ns);
    reals("site_pos", &m_.site_pos[0][0], 3 * ns);
    quats("site_quat", m_.site_quat, ns);

    ints("actuator_trnid", m_.actuator_trnid, nu);
    ints("actuator_ctrllimited", m_.actuator_ctrllimited, nu);
    reals("actuator_gear", m_.actuator_gear, nu);
    reals("actuator_ctrlrange", &m_.actuator_ctrlrange[0][0], 2 * nu);
    reals("qpos0", m_.qpos0, m_.nq);
    reals("qpos_spring", m_.qpos_spring, m_.nq);
  }

 private:
  const json& g_;
  const Model& m_;
  std::string what_;
};

void expect_names(const json& g, const MjcfNames& n, const std::string& what) {
  const json& gn = g.at("names");
  EXPECT_EQ(n.body, gn.at("body").get<std::vector<std::string>>()) << what;
  EXPECT_EQ(n.joint, gn.at("joint").get<std::vector<std::string>>()) << what;
  EXPECT_EQ(n.geom, gn.at("geom").get<std::vector<std::string>>()) << what;
  EXPECT_EQ(n.site, gn.at("site").get<std::vector<std::string>>()) << what;
  EXPECT_EQ(n.actuator, gn.at("actuator").get<std::vector<std::string>>()) << what;
}

// double-precision compiler output: MuJoCo's constants far below float resolution. Not to machine
// precision: MuJoCo's Jacobi eigensolver for principal axes stops once a rotation step is below
// ~1e-6 rad, which moves invweight0 by up to a few 1e-7 relative on multi-geom bodies.
void expect_compiled_exact(const json& g, const CompiledMjcf& c, const std::string& what) {
  auto near = [&](const char* field, const std::vector<double>& have) {
    std::vector<double> want = flat(g.at(field));
    ASSERT_EQ(want.size(), have.size()) << what << " " << field;
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(have[i], want[i], 1e-6 * std::abs(want[i]) + 1e-12)
          << what << " " << field << "[" << i << "]";
  };
  std::vector<double> mass = c.body_mass, iw, dw = c.dof_invweight0, q0 = c.qpos0, simple;
  for (const auto& w : c.body_invweight0)
    iw.insert(iw.end(), w.begin(), w.end());
  for (int s : c.body_simple)
    simple.push_back(s);
  near("body_mass", mass);
  near("body_invweight0", iw);
  near("dof_invweight0", dw);
  near("qpos0", q0);
  near("body_simple", simple);
}

const char* const kSnippets[] = {
    "defaults_childclass", "euler_seq",      "euler_intrinsic", "fromto_shapes", "settotalmass",
    "inertial_auto",       "inertial_false", "multi_geom",      "joints",        "simple_bodies"};
const char* const kTasks[] = {"inverted_pendulum", "inverted_double_pendulum", "reacher",
                              "swimmer"};

TEST(MjcfGolden, GoldensRecordPinnedVersions) {
  for (const char* t : kTasks) {
    json g = load_golden("mjcf", std::string("gym_") + t);
    EXPECT_EQ(g.at("mujoco_version"), "3.3.7");
    EXPECT_EQ(g.at("gymnasium_version"), "1.2.2");
  }
}

TEST(MjcfGolden, SnippetsCompileLikeMujoco) {
  for (const char* s : kSnippets) {
    std::string xml = std::string(STAMPEDE_TEST_DATA) + "/mjcf/snippets/" + s + ".xml";
    json g = load_golden("mjcf", std::string("snippet_") + s);
    MjcfNames names;
    Model m = load_mjcf_file(xml, &names);
    ModelComparer(g.at("model"), m, s).all();
    expect_names(g.at("model"), names, s);
    expect_compiled_exact(g.at("model"), compile_mjcf_file(xml), s);
  }
}

TEST(MjcfGolden, TaskAssetsCompileLikeGymnasiumAssets) {
  for (const char* t : kTasks) {
    std::string xml = std::string(STAMPEDE_SOURCE_DIR) + "/envs/mujoco/assets/" + t + ".xml";
    json g = load_golden("mjcf", std::string("gym_") + t);
    MjcfNames names;
    Model m = load_mjcf_file(xml, &names);
    ModelComparer(g.at("model"), m, t).all();
    expect_names(g.at("model"), names, t);
    expect_compiled_exact(g.at("model"), compile_mjcf_file(xml), t);
  }
}

}  // namespace
}  // namespace stampede
