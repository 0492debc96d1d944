// MJCF loader: parse, compile, pack into the float Model.
#include "envs/mjcf/loader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "envs/mjcf/compile.hpp"
#include "envs/mjcf/parse.hpp"
#include "envs/physics/contact_pairs.hpp"

namespace stampede {

namespace {

// which element the value being packed belongs to, for range errors (set by the packing loops)
struct PackContext {
  const MjcfOrigin* at = nullptr;  // the element's own origin, or the model's
  std::string element;             // e.g. "actuator 0", when `at` is the model's
};
thread_local PackContext g_pack;

class PackSite {
 public:
  PackSite(const MjcfOrigin& at, std::string element) { g_pack = {&at, std::move(element)}; }
  PackSite(const MjcfOrigin& at, const char* kind, int index)
      : PackSite(at, std::string(kind) + " " + std::to_string(index)) {}
  ~PackSite() { g_pack = {}; }
  PackSite(const PackSite&) = delete;
  PackSite& operator=(const PackSite&) = delete;
};

// every value must fit the engine's float: huge inputs become errors, not infinities
Real real(double v, const char* field) {
  if (!std::isfinite(v) || std::abs(v) > static_cast<double>(std::numeric_limits<Real>::max())) {
    char shown[32];
    std::snprintf(shown, sizeof(shown), "%.6g", v);
    const std::string what = std::string("compiled ") + field +
                             (g_pack.element.empty() ? "" : " of " + g_pack.element) + " = " +
                             shown + " is out of the engine's float range (|x| <= 3.4e38)";
    if (g_pack.at) mjcf_fail(*g_pack.at, what);
    throw MjcfError(what);
  }
  return static_cast<Real>(v);
}

template <size_t N, size_t M>
void put(Real (&dst)[N], const std::array<double, M>& src, const char* field) {
  static_assert(N <= M);
  for (size_t k = 0; k < N; ++k)
    dst[k] = real(src[k], field);
}

void check_capacity(const std::string& model, const char* what, int n, int cap) {
  if (n > cap)
    throw MjcfError(model + ": " + std::to_string(n) + " " + what +
                    " exceed the engine's capacity of " + std::to_string(cap));
}

}  // namespace

int mjcf_find(const std::vector<std::string>& list, std::string_view name) {
  auto it = std::find(list.begin(), list.end(), name);
  return it == list.end() ? -1 : static_cast<int>(it - list.begin());
}

namespace {

// far above any MJCF a user writes by hand or exports (Humanoid is 9 KB)
constexpr std::uintmax_t kMaxMjcfBytes = std::uintmax_t{64} << 20;

// MJCF is UTF-8 (MuJoCo's parser requires it; the run's config.json stores the text as JSON, which
// must be): the first byte that breaks it is an error at its line, as the XML parser's are
void check_utf8(const std::string& xml, const std::string& source) {
  int line = 1;
  for (size_t i = 0; i < xml.size();) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(xml[k]); };
    const unsigned char c = byte(i);
    if (c == '\n') ++line;
    // RFC 3629: the sequence's length from its lead byte, and the range of its second byte
    // (which excludes overlong forms, surrogates and code points above U+10FFFF)
    int extra = -1;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    }
    bool ok = extra >= 0 && i + extra < xml.size();
    for (int k = 1; ok && k <= extra; ++k) {
      const unsigned char next = byte(i + k);
      ok = k == 1 ? next >= lo && next <= hi : (next & 0xc0) == 0x80;
    }
    if (!ok) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", c);
      throw MjcfError(source + ":" + std::to_string(line) + ": byte " + hex +
                      " is not UTF-8; MJCF files must be UTF-8");
    }
    i += static_cast<size_t>(extra) + 1;
  }
}

}  // namespace

CompiledMjcf compile_mjcf_string(const std::string& xml, const std::string& source) {
  check_utf8(xml, source);
  return compile_mjcf(parse_mjcf(xml, source));
}

CompiledMjcf compile_mjcf_file(const std::string& path) {
  // a FIFO or device would block or never end; a directory is no model
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw MjcfError(path + ": " +
                    (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file") +
                    "; an MJCF model must be a regular file");
  }
  if (std::filesystem::file_size(path, ec) > kMaxMjcfBytes) {
    throw MjcfError(path + ": larger than " + std::to_string(kMaxMjcfBytes >> 20) +
                    " MiB; not an MJCF model this loader reads");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MjcfError(path + ": cannot open MJCF file");
  std::stringstream ss;
  ss << in.rdbuf();
  return compile_mjcf_string(ss.str(), path);
}

namespace {

void pack_options(const CompiledMjcf& c, Model& m) {
  const PackSite site(c.root_at, "option");
  const MjcfOptionSpec& o = c.opt;
  m.opt.timestep = real(o.timestep, "timestep");
  put(m.opt.gravity, std::array<double, 3>{o.gravity[0], o.gravity[1], o.gravity[2]}, "gravity");
  put(m.opt.wind, std::array<double, 3>{o.wind[0], o.wind[1], o.wind[2]}, "wind");
  m.opt.density = real(o.density, "density");
  m.opt.viscosity = real(o.viscosity, "viscosity");
  m.opt.impratio = real(o.impratio, "impratio");
  m.opt.tolerance = real(o.tolerance, "tolerance");
  m.opt.ls_tolerance = real(o.ls_tolerance, "ls_tolerance");
  m.opt.iterations = o.iterations;
  m.opt.ls_iterations = o.ls_iterations;
  m.opt.integrator = o.integrator;
  m.opt.solver = o.solver;
  m.opt.cone = o.cone;
  m.opt.disableflags = o.disableflags;
  m.stat_meaninertia = real(c.stat_meaninertia, "stat_meaninertia");
}

void pack_bodies(const CompiledMjcf& c, Model& m) {
  for (int i = 0; i < c.nbody(); ++i) {
    const PackSite site(c.body_at[i], "");
    m.body_parentid[i] = c.body_parentid[i];
    m.body_rootid[i] = c.body_rootid[i];
    m.body_weldid[i] = c.body_weldid[i];
    m.body_jntnum[i] = c.body_jntnum[i];
    m.body_jntadr[i] = c.body_jntadr[i];
    m.body_dofnum[i] = c.body_dofnum[i];
    m.body_dofadr[i] = c.body_dofadr[i];
    put(m.body_pos[i], c.body_pos[i], "body_pos");
    put(m.body_quat[i], c.body_quat[i], "body_quat");
    put(m.body_ipos[i], c.body_ipos[i], "body_ipos");
    put(m.body_iquat[i], c.body_iquat[i], "body_iquat");
    m.body_mass[i] = real(c.body_mass[i], "body_mass");
    put(m.body_inertia[i], c.body_inertia[i], "body_inertia");
    put(m.body_invweight0[i], c.body_invweight0[i], "body_invweight0");
  }
}

// joints and the degrees of freedom they create
void pack_joints(const CompiledMjcf& c, Model& m) {
  for (int j = 0; j < c.njnt(); ++j) {
    const PackSite site(c.jnt_at[j], "");
    m.jnt_type[j] = c.jnt_type[j];
    m.jnt_qposadr[j] = c.jnt_qposadr[j];
    m.jnt_dofadr[j] = c.jnt_dofadr[j];
    m.jnt_bodyid[j] = c.jnt_bodyid[j];
    m.jnt_limited[j] = c.jnt_limited[j];
    put(m.jnt_pos[j], c.jnt_pos[j], "jnt_pos");
    put(m.jnt_axis[j], c.jnt_axis[j], "jnt_axis");
    put(m.jnt_range[j], c.jnt_range[j], "jnt_range");
    m.jnt_margin[j] = real(c.jnt_margin[j], "jnt_margin");
    put(m.jnt_solref[j], c.jnt_solref[j], "jnt_solref");
    put(m.jnt_solimp[j], c.jnt_solimp[j], "jnt_solimp");
    m.jnt_stiffness[j] = real(c.jnt_stiffness[j], "jnt_stiffness");
  }
  for (int d = 0; d < c.nv; ++d) {
    const PackSite site(c.root_at, "dof", d);
    m.dof_bodyid[d] = c.dof_bodyid[d];
    m.dof_jntid[d] = c.dof_jntid[d];
    m.dof_parentid[d] = c.dof_parentid[d];
    m.dof_armature[d] = real(c.dof_armature[d], "dof_armature");
    m.dof_damping[d] = real(c.dof_damping[d], "dof_damping");
    m.dof_invweight0[d] = real(c.dof_invweight0[d], "dof_invweight0");
  }
}

void pack_geoms_and_sites(const CompiledMjcf& c, Model& m) {
  for (int g = 0; g < c.ngeom(); ++g) {
    const PackSite site(c.geom_at[g], "");
    m.geom_type[g] = c.geom_type[g];
    m.geom_bodyid[g] = c.geom_bodyid[g];
    m.geom_contype[g] = c.geom_contype[g];
    m.geom_conaffinity[g] = c.geom_conaffinity[g];
    m.geom_condim[g] = c.geom_condim[g];
    m.geom_priority[g] = c.geom_priority[g];
    put(m.geom_size[g], c.geom_size[g], "geom_size");
    m.geom_rbound[g] = real(c.geom_rbound[g], "geom_rbound");
    put(m.geom_pos[g], c.geom_pos[g], "geom_pos");
    put(m.geom_quat[g], c.geom_quat[g], "geom_quat");
    put(m.geom_friction[g], c.geom_friction[g], "geom_friction");
    m.geom_solmix[g] = real(c.geom_solmix[g], "geom_solmix");
    put(m.geom_solref[g], c.geom_solref[g], "geom_solref");
    put(m.geom_solimp[g], c.geom_solimp[g], "geom_solimp");
    m.geom_margin[g] = real(c.geom_margin[g], "geom_margin");
    m.geom_gap[g] = real(c.geom_gap[g], "geom_gap");
  }
  for (int s = 0; s < c.nsite(); ++s) {
    const PackSite site(c.site_at[s], "");
    m.site_bodyid[s] = c.site_bodyid[s];
    put(m.site_pos[s], c.site_pos[s], "site_pos");
    put(m.site_quat[s], c.site_quat[s], "site_quat");
  }
}

// actuators and the reference configurations
void pack_actuators(const CompiledMjcf& c, Model& m) {
  for (int a = 0; a < c.nu(); ++a) {
    const PackSite site(c.actuator_at[a], "");
    m.actuator_trnid[a] = c.actuator_trnid[a];
    m.actuator_ctrllimited[a] = c.actuator_ctrllimited[a];
    m.actuator_gear[a] = real(c.actuator_gear[a][0], "actuator_gear");
    put(m.actuator_ctrlrange[a], c.actuator_ctrlrange[a], "actuator_ctrlrange");
  }
  for (int q = 0; q < c.nq; ++q) {
    const PackSite site(c.root_at, "qpos", q);
    m.qpos0[q] = real(c.qpos0[q], "qpos0");
    m.qpos_spring[q] = real(c.qpos_spring[q], "qpos_spring");
  }
}

const char* const kGeomTypeNames[] = {"plane",     "hfield",   "sphere", "capsule",
                                      "ellipsoid", "cylinder", "box",    "mesh"};

std::string geom_label(const CompiledMjcf& c, int g) {
  const std::string& name = c.geom_name[g];
  const MjcfOrigin& at = c.geom_at[g];
  return (name.empty() ? "geom " + std::to_string(g) : "geom '" + name + "'") + " (" +
         kGeomTypeNames[c.geom_type[g]] + ", line " + std::to_string(at.line) + ")";
}

// the candidate contact pairs; a model whose contacts the engine cannot simulate faithfully is
// an error naming what is missing
void pack_contacts(const CompiledMjcf& c, Model& m) {
  const ContactPairIssue issue = build_contact_pairs(m, c.exclude_body);
  const std::string over = issue.needed > issue.capacity
                               ? " (" + std::to_string(issue.needed - issue.capacity) + " over)"
                               : "";
  switch (issue.kind) {
    case ContactPairIssue::kNone:
      return;
    case ContactPairIssue::kUnsupportedPair:
      mjcf_fail(c.geom_at[issue.geom2],
                "the engine has no collider for " + geom_label(c, issue.geom1) + " and " +
                    geom_label(c, issue.geom2) +
                    ", which can collide: supported are plane, sphere, capsule and box pairs "
                    "except box-box; filter the pair (contype/conaffinity, "
                    "<exclude>) or disable contacts");
    case ContactPairIssue::kTooManyPairs:
      mjcf_fail(c.root_at, std::to_string(issue.needed) +
                               " candidate contact pairs exceed the "
                               "engine's capacity of " +
                               std::to_string(issue.capacity) + over);
    case ContactPairIssue::kTooManyContacts:
      mjcf_fail(c.root_at, "the contact pairs can make " + std::to_string(issue.needed) +
                               " contacts, beyond the engine's capacity of " +
                               std::to_string(issue.capacity) + over);
    case ContactPairIssue::kTooManyRows:
      mjcf_fail(c.root_at, "joint limits and contacts can need " + std::to_string(issue.needed) +
                               " constraint rows, beyond the engine's capacity of " +
                               std::to_string(issue.capacity) + over);
  }
}

}  // namespace

Model pack_model(const CompiledMjcf& c, MjcfNames* names) {
  const std::string& id = c.model_name.empty() ? std::string("model") : c.model_name;
  check_capacity(id, "bodies", c.nbody(), kMaxBodies);
  check_capacity(id, "joints", c.njnt(), kMaxJoints);
  check_capacity(id, "dofs", c.nv, kMaxDofs);
  check_capacity(id, "qpos", c.nq, kMaxQpos);
  check_capacity(id, "geoms", c.ngeom(), kMaxGeoms);
  check_capacity(id, "sites", c.nsite(), kMaxSites);
  check_capacity(id, "actuators", c.nu(), kMaxActuators);

  Model m{};
  m.nq = c.nq;
  m.nv = c.nv;
  m.nu = c.nu();
  m.nbody = c.nbody();
  m.njnt = c.njnt();
  m.ngeom = c.ngeom();
  m.nsite = c.nsite();

  pack_options(c, m);
  pack_bodies(c, m);
  pack_joints(c, m);
  pack_geoms_and_sites(c, m);
  pack_actuators(c, m);
  pack_contacts(c, m);
  if (names) {
    names->model = c.model_name;
    names->body = c.body_name;
    names->joint = c.jnt_name;
    names->geom = c.geom_name;
    names->site = c.site_name;
    names->actuator = c.actuator_name;
  }
  return m;
}

Model load_mjcf_string(const std::string& xml, MjcfNames* names, const std::string& source) {
  return pack_model(compile_mjcf_string(xml, source), names);
}

Model load_mjcf_file(const std::string& path, MjcfNames* names) {
  return pack_model(compile_mjcf_file(path), names);
}

}  // namespace stampede
