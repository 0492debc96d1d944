#include "support/model_json.hpp"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "envs/physics/contact_pairs.hpp"

namespace stampede {
namespace {

const nlohmann::json& field(const nlohmann::json& j, const char* name) {
  if (!j.contains(name)) throw std::runtime_error(std::string("model json: missing ") + name);
  return j.at(name);
}

template <typename T, int kCap>
void read_vec(const nlohmann::json& j, const char* name, int n, T (&out)[kCap]) {
  const auto& a = field(j, name);
  if (static_cast<int>(a.size()) != n || n > kCap) {
    throw std::runtime_error(std::string("model json: bad length of ") + name);
  }
  for (int i = 0; i < n; ++i)
    out[i] = a[i].get<T>();
}

template <typename T, int kCap, int kDim>
void read_mat(const nlohmann::json& j, const char* name, int n, T (&out)[kCap][kDim]) {
  const auto& a = field(j, name);
  if (static_cast<int>(a.size()) != n || n > kCap) {
    throw std::runtime_error(std::string("model json: bad length of ") + name);
  }
  for (int i = 0; i < n; ++i) {
    if (static_cast<int>(a[i].size()) != kDim) {
      throw std::runtime_error(std::string("model json: bad row width of ") + name);
    }
    for (int k = 0; k < kDim; ++k)
      out[i][k] = a[i][k].get<T>();
  }
}

void check_cap(int n, int cap, const char* what) {
  if (n < 0 || n > cap) {
    throw std::runtime_error(std::string("model json: too many ") + what + " for the engine");
  }
}

}  // namespace

Model model_from_json(const nlohmann::json& j) {
  Model m{};
  m.nq = field(j, "nq").get<int>();
  m.nv = field(j, "nv").get<int>();
  m.nu = field(j, "nu").get<int>();
  m.nbody = field(j, "nbody").get<int>();
  m.njnt = field(j, "njnt").get<int>();
  m.ngeom = field(j, "ngeom").get<int>();
  m.nsite = field(j, "nsite").get<int>();
  check_cap(m.nq, kMaxQpos, "qpos");
  check_cap(m.nv, kMaxDofs, "dofs");
  check_cap(m.nu, kMaxActuators, "actuators");
  check_cap(m.nbody, kMaxBodies, "bodies");
  check_cap(m.njnt, kMaxJoints, "joints");
  check_cap(m.ngeom, kMaxGeoms, "geoms");
  check_cap(m.nsite, kMaxSites, "sites");

  const auto& o = field(j, "opt");
  m.opt.timestep = field(o, "timestep").get<Real>();
  read_vec(o, "gravity", 3, m.opt.gravity);
  read_vec(o, "wind", 3, m.opt.wind);
  m.opt.density = field(o, "density").get<Real>();
  m.opt.viscosity = field(o, "viscosity").get<Real>();
  m.opt.impratio = field(o, "impratio").get<Real>();
  m.opt.tolerance = field(o, "tolerance").get<Real>();
  m.opt.ls_tolerance = field(o, "ls_tolerance").get<Real>();
  m.opt.iterations = field(o, "iterations").get<int>();
  m.opt.ls_iterations = field(o, "ls_iterations").get<int>();
  m.opt.integrator = field(o, "integrator").get<int>();
  m.opt.solver = field(o, "solver").get<int>();
  m.opt.cone = field(o, "cone").get<int>();
  m.opt.disableflags = field(o, "disableflags").get<int>();
  m.stat_meaninertia = field(j, "stat_meaninertia").get<Real>();

  const int nb = m.nbody, nj = m.njnt, nv = m.nv, ng = m.ngeom, ns = m.nsite, nu = m.nu;
  read_vec(j, "body_parentid", nb, m.body_parentid);
  read_vec(j, "body_rootid", nb, m.body_rootid);
  read_vec(j, "body_weldid", nb, m.body_weldid);
  read_vec(j, "body_jntnum", nb, m.body_jntnum);
  read_vec(j, "body_jntadr", nb, m.body_jntadr);
  read_vec(j, "body_dofnum", nb, m.body_dofnum);
  read_vec(j, "body_dofadr", nb, m.body_dofadr);
  read_mat(j, "body_pos", nb, m.body_pos);
  read_mat(j, "body_quat", nb, m.body_quat);
  read_mat(j, "body_ipos", nb, m.body_ipos);
  read_mat(j, "body_iquat", nb, m.body_iquat);
  read_vec(j, "body_mass", nb, m.body_mass);
  read_mat(j, "body_inertia", nb, m.body_inertia);
  read_mat(j, "body_invweight0", nb, m.body_invweight0);

  read_vec(j, "jnt_type", nj, m.jnt_type);
  read_vec(j, "jnt_qposadr", nj, m.jnt_qposadr);
  read_vec(j, "jnt_dofadr", nj, m.jnt_dofadr);
  read_vec(j, "jnt_bodyid", nj, m.jnt_bodyid);
  read_vec(j, "jnt_limited", nj, m.jnt_limited);
  read_mat(j, "jnt_pos", nj, m.jnt_pos);
  read_mat(j, "jnt_axis", nj, m.jnt_axis);
  read_mat(j, "jnt_range", nj, m.jnt_range);
  read_vec(j, "jnt_margin", nj, m.jnt_margin);
  read_mat(j, "jnt_solref", nj, m.jnt_solref);
  read_mat(j, "jnt_solimp", nj, m.jnt_solimp);
  read_vec(j, "jnt_stiffness", nj, m.jnt_stiffness);

  read_vec(j, "dof_bodyid", nv, m.dof_bodyid);
  read_vec(j, "dof_jntid", nv, m.dof_jntid);
  read_vec(j, "dof_parentid", nv, m.dof_parentid);
  read_vec(j, "dof_armature", nv, m.dof_armature);
  read_vec(j, "dof_damping", nv, m.dof_damping);
  read_vec(j, "dof_invweight0", nv, m.dof_invweight0);

  read_vec(j, "geom_type", ng, m.geom_type);
  read_vec(j, "geom_bodyid", ng, m.geom_bodyid);
  read_vec(j, "geom_contype", ng, m.geom_contype);
  read_vec(j, "geom_conaffinity", ng, m.geom_conaffinity);
  read_vec(j, "geom_condim", ng, m.geom_condim);
  read_vec(j, "geom_priority", ng, m.geom_priority);
  read_mat(j, "geom_size", ng, m.geom_size);
  read_vec(j, "geom_rbound", ng, m.geom_rbound);
  read_mat(j, "geom_pos", ng, m.geom_pos);
  read_mat(j, "geom_quat", ng, m.geom_quat);
  read_mat(j, "geom_friction", ng, m.geom_friction);
  read_vec(j, "geom_solmix", ng, m.geom_solmix);
  read_mat(j, "geom_solref", ng, m.geom_solref);
  read_mat(j, "geom_solimp", ng, m.geom_solimp);
  read_vec(j, "geom_margin", ng, m.geom_margin);
  read_vec(j, "geom_gap", ng, m.geom_gap);

  read_vec(j, "site_bodyid", ns, m.site_bodyid);
  read_mat(j, "site_pos", ns, m.site_pos);
  read_mat(j, "site_quat", ns, m.site_quat);

  read_vec(j, "actuator_trnid", nu, m.actuator_trnid);
  read_vec(j, "actuator_ctrllimited", nu, m.actuator_ctrllimited);
  read_vec(j, "actuator_gear", nu, m.actuator_gear);
  read_mat(j, "actuator_ctrlrange", nu, m.actuator_ctrlrange);

  read_vec(j, "qpos0", m.nq, m.qpos0);
  read_vec(j, "qpos_spring", m.nq, m.qpos_spring);

  // the candidate pairs as the MJCF loader computes them (MuJoCo has no such list to export)
  std::vector<std::array<int, 2>> excluded;
  if (j.contains("exclude_body"))
    excluded = j.at("exclude_body").get<std::vector<std::array<int, 2>>>();
  const ContactPairIssue issue = build_contact_pairs(m, excluded);
  if (issue.kind != ContactPairIssue::kNone) {
    throw std::runtime_error("model json: contacts the engine cannot simulate (issue " +
                             std::to_string(issue.kind) + ")");
  }
  return m;
}

Model load_model_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  nlohmann::json j;
  in >> j;
  return model_from_json(field(j, "model"));
}

void state_from_json(const nlohmann::json& j, const Model& m, Data& d) {
  d.time = field(j, "time").get<Real>();
  read_vec(j, "qpos", m.nq, d.qpos);
  read_vec(j, "qvel", m.nv, d.qvel);
  read_vec(j, "ctrl", m.nu, d.ctrl);
  read_vec(j, "qacc_warmstart", m.nv, d.qacc_warmstart);
}

}  // namespace stampede
