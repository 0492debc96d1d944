// MJCF compiler: body tree to flat arrays with frames, mass properties, joints and actuators.
#include "envs/mjcf/compile.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "envs/mjcf/frames.hpp"
#include "envs/mjcf/inertia.hpp"

namespace stampede {

namespace {

using namespace mjcf;

constexpr double kEps = 1e-14;      // MuJoCo's mjEPS
constexpr double kMinVal = 1e-15;   // MuJoCo's mjMINVAL
constexpr double kFrameEps = 1e-6;  // poses closer than this count as equal (body_simple)
constexpr size_t kMaxCompileBodies = 1000;
constexpr int kMaxCompileDofs = 600;

enum { kFree = 0, kBall = 1, kSlide = 2, kHinge = 3 };
enum { kPlane = 0, kSphere = 2, kCapsule = 3, kEllipsoid = 4, kCylinder = 5, kBox = 6 };

Vec3 v3(const double* p) {
  return {p[0], p[1], p[2]};
}

bool null_pose(const Vec3& pos, const Quat& q) {
  for (double p : pos)
    if (std::abs(p) > kFrameEps) return false;
  bool plus = std::abs(q[0] - 1) < kFrameEps && std::abs(q[1]) < kFrameEps &&
              std::abs(q[2]) < kFrameEps && std::abs(q[3]) < kFrameEps;
  bool minus = std::abs(q[0] + 1) < kFrameEps && std::abs(q[1]) < kFrameEps &&
               std::abs(q[2]) < kFrameEps && std::abs(q[3]) < kFrameEps;
  return plus || minus;
}

// per-body results the compiler needs beyond the model arrays
struct BodyWork {
  const MjcfBodySpec* spec = nullptr;
  int parent = -1;
  double mass = 0;
  Vec3 inertia{0, 0, 0};
};

class Compiler {
 public:
  explicit Compiler(const MjcfSpec& s) : s_(s), c_(s.compiler) {}
  CompiledMjcf run();

 private:
  void flatten(const MjcfBodySpec& b, int parent);
  Quat resolve(const MjcfOrientation& o, const MjcfOrigin& at) const;
  void compile_body(int i);
  void compile_geom(int body, const MjcfGeomSpec& g, bool infer, MassPiece* piece);
  void compile_excludes();
  void compile_joints(int i);
  void compile_inertia(int i, const std::vector<MassPiece>& pieces);
  void compile_actuators();
  bool body_has_mass(int i) const;

  const MjcfSpec& s_;
  const MjcfCompilerSpec& c_;
  std::vector<BodyWork> work_;
  CompiledMjcf m_;
};

Quat Compiler::resolve(const MjcfOrientation& o, const MjcfOrigin& at) const {
  Quat q;
  if (const char* err = resolve_orientation(o, c_.degree, c_.eulerseq, &q)) mjcf_fail(at, err);
  return q;
}

void Compiler::flatten(const MjcfBodySpec& b, int parent) {
  work_.push_back({&b, parent});
  int id = static_cast<int>(work_.size()) - 1;
  for (const MjcfBodySpec& c : b.children)
    flatten(c, id);
}

void Compiler::compile_geom(int body, const MjcfGeomSpec& g, bool infer, MassPiece* piece) {
  double size[3] = {g.size[0], g.size[1], g.size[2]};
  Vec3 pos = v3(g.pos);
  Quat quat;
  if (g.has_fromto) {
    if (g.type != kCapsule && g.type != kCylinder && g.type != kEllipsoid && g.type != kBox)
      mjcf_fail(g.at, "fromto requires a capsule, cylinder, ellipsoid or box");
    if (pos[0] != 0 || pos[1] != 0 || pos[2] != 0) mjcf_fail(g.at, "both pos and fromto given");
    Vec3 vec{g.fromto[0] - g.fromto[3], g.fromto[1] - g.fromto[4], g.fromto[2] - g.fromto[5]};
    double half = norm3(vec.data()) / 2;
    if (half < kEps) mjcf_fail(g.at, "fromto end points coincide");
    size[1] = half;
    if (g.type == kEllipsoid || g.type == kBox) {
      size[2] = half;
      size[1] = size[0];
    }
    for (int k = 0; k < 3; ++k)
      pos[k] = (g.fromto[k] + g.fromto[k + 3]) / 2;
    quat = z_to_vec(vec);
  } else {
    quat = resolve(g.orient, g.at);
  }
  // sizes each shape needs
  int need = g.type == kSphere ? 1 : (g.type == kCapsule || g.type == kCylinder) ? 2 : 3;
  if (g.type != kPlane)
    for (int k = 0; k < need; ++k)
      if (size[k] <= 0) mjcf_fail(g.at, "size[" + std::to_string(k) + "] must be positive");
  if (g.type == kPlane && size[2] <= 0) mjcf_fail(g.at, "plane size[2] must be positive");
  if (g.type == kPlane && m_.body_weldid[body] != 0)
    mjcf_fail(g.at, "a plane is allowed only in a static body");

  double mass = 0;
  Vec3 inertia{0, 0, 0};
  if (infer) {
    double volume = geom_volume(g.type, size);
    if (g.has_mass) {
      if (g.mass > 0 && volume > kEps) {
        mass = g.mass;
        inertia = geom_inertia(g.type, size, mass);
      }
    } else if (g.density > 0) {
      mass = g.density * volume;
      inertia = geom_inertia(g.type, size, mass);
    }
  }
  *piece = {mass, pos, quat, inertia};

  double rbound = 0;
  switch (g.type) {
    case kSphere:
      rbound = size[0];
      break;
    case kCapsule:
      rbound = size[0] + size[1];
      break;
    case kCylinder:
      rbound = std::hypot(size[0], size[1]);
      break;
    case kEllipsoid:
      rbound = std::max({size[0], size[1], size[2]});
      break;
    case kBox:
      rbound = std::sqrt(size[0] * size[0] + size[1] * size[1] + size[2] * size[2]);
      break;
    default:
      break;
  }
  m_.geom_name.push_back(g.at.name);
  m_.geom_at.push_back(g.at);
  m_.geom_type.push_back(g.type);
  m_.geom_bodyid.push_back(body);
  m_.geom_contype.push_back(g.contype);
  m_.geom_conaffinity.push_back(g.conaffinity);
  m_.geom_condim.push_back(g.condim);
  m_.geom_priority.push_back(g.priority);
  m_.geom_size.push_back({size[0], size[1], size[2]});
  m_.geom_pos.push_back(pos);
  m_.geom_quat.push_back(quat);
  m_.geom_friction.push_back({g.friction[0], g.friction[1], g.friction[2]});
  m_.geom_rbound.push_back(rbound);
  m_.geom_solmix.push_back(g.solmix);
  m_.geom_margin.push_back(g.margin);
  m_.geom_gap.push_back(g.gap);
  m_.geom_mass.push_back(mass);
  m_.geom_solref.push_back({g.solref[0], g.solref[1]});
  m_.geom_solimp.push_back({g.solimp[0], g.solimp[1], g.solimp[2], g.solimp[3], g.solimp[4]});
}

void Compiler::compile_inertia(int i, const std::vector<MassPiece>& pieces) {
  const MjcfBodySpec& b = *work_[i].spec;
  bool have_ipos = false;
  Vec3 ipos{0, 0, 0}, inertia{0, 0, 0};
  Quat iquat{1, 0, 0, 0};
  double mass = 0;
  if (b.has_inertial) {
    const MjcfInertialSpec& in = b.inertial;
    have_ipos = true;
    ipos = v3(in.pos);
    mass = in.mass;
    if (in.has_full) {
      if (!principal_inertia(in.fullinertia, &inertia, &iquat))
        mjcf_fail(in.at, "fullinertia must be positive definite");
    } else {
      iquat = resolve(in.orient, in.at);
      inertia = v3(in.diaginertia);
    }
  }
  bool from_geoms = c_.inertiafromgeom == 1 || (c_.inertiafromgeom == 2 && !b.has_inertial);
  if (from_geoms) {
    std::vector<MassPiece> sel;
    for (size_t k = 0; k < pieces.size(); ++k) {
      int group = b.geoms[k].group;
      if (group >= c_.inertiagrouprange[0] && group <= c_.inertiagrouprange[1] &&
          pieces[k].mass > kEps)
        sel.push_back(pieces[k]);
    }
    if (sel.size() == 1) {
      // a single geom keeps its own frame and moment order
      have_ipos = true;
      ipos = sel[0].pos;
      iquat = sel[0].quat;
      mass = sel[0].mass;
      inertia = sel[0].inertia;
    } else if (sel.size() > 1) {
      MassPiece total;
      if (!combine_pieces(sel, &total))
        mjcf_fail(b.at, "body inertia from geoms is not positive definite");
      have_ipos = true;
      ipos = total.pos;
      iquat = total.quat;
      mass = total.mass;
      inertia = total.inertia;
    }
  }
  if (!have_ipos) {
    // MuJoCo copies the body frame (relative to the parent) into an undefined inertial frame
    ipos = m_.body_pos[i];
    iquat = m_.body_quat[i];
  }
  mass = std::max(mass, c_.boundmass);
  for (double& v : inertia)
    v = std::max(v, c_.boundinertia);
  if (mass < 0 || inertia[0] < 0 || inertia[1] < 0 || inertia[2] < 0)
    mjcf_fail(b.at, "mass and inertia must be non-negative");
  if (inertia[0] + inertia[1] < inertia[2] || inertia[0] + inertia[2] < inertia[1] ||
      inertia[1] + inertia[2] < inertia[0]) {
    if (!c_.balanceinertia) mjcf_fail(b.at, "inertia must satisfy A + B >= C");
    double mean = (inertia[0] + inertia[1] + inertia[2]) / 3;
    inertia = {mean, mean, mean};
  }
  m_.body_ipos[i] = ipos;
  m_.body_iquat[i] = quat_normalized(iquat);
  m_.body_mass[i] = mass;
  m_.body_inertia[i] = inertia;
}

void Compiler::compile_joints(int i) {
  const MjcfBodySpec& b = *work_[i].spec;
  int parent = work_[i].parent;
  // last dof of the ancestors: the parent chain for this body's first dof
  int lastdof = -1;
  for (int p = parent; p > 0 && lastdof < 0; p = work_[p].parent)
    if (m_.body_dofnum[p] > 0) lastdof = m_.body_dofadr[p] + m_.body_dofnum[p] - 1;
  m_.body_jntnum[i] = static_cast<int>(b.joints.size());
  m_.body_jntadr[i] = b.joints.empty() ? -1 : m_.njnt();
  m_.body_dofadr[i] = b.joints.empty() ? -1 : m_.nv;
  int dofs = 0;
  for (const MjcfJointSpec& js : b.joints) {
    MjcfJointSpec j = js;
    if (j.type == kFree) {
      if (b.joints.size() > 1) mjcf_fail(j.at, "a free joint must be the only joint of its body");
      if (parent != 0) mjcf_fail(j.at, "a free joint is allowed only in a child of the world");
      j.limited = kLimitedFalse;
    } else if (j.limited == kLimitedAuto) {
      bool hasrange = !(j.range[0] == 0 && j.range[1] == 0);
      if (hasrange && !c_.autolimits)
        mjcf_fail(j.at, "range given without limited while compiler autolimits is false");
      j.limited = hasrange ? kLimitedTrue : kLimitedFalse;
    }
    const double deg = std::numbers::pi / 180.0;
    if (j.limited == kLimitedTrue) {
      if (j.type != kBall && j.range[0] >= j.range[1])
        mjcf_fail(j.at, "range[0] must be smaller than range[1]");
      if (j.type == kBall && j.range[0] != 0) mjcf_fail(j.at, "a ball joint needs range[0] = 0");
      if (c_.degree && (j.type == kHinge || j.type == kBall)) {
        j.range[0] *= deg;
        j.range[1] *= deg;
      }
    }
    Vec3 axis = v3(j.axis), pos = v3(j.pos);
    if (j.type == kFree || j.type == kBall) axis = {0, 0, 1};
    if (j.type == kFree) pos = {0, 0, 0};
    double n = norm3(axis.data());
    if (n < kEps) mjcf_fail(j.at, "joint axis is zero");
    for (double& a : axis)
      a /= n;
    if (j.type == kHinge && c_.degree) {
      j.ref *= deg;
      j.springref *= deg;
    }
    int jid = m_.njnt();
    m_.jnt_name.push_back(j.at.name);
    m_.jnt_at.push_back(j.at);
    m_.jnt_type.push_back(j.type);
    m_.jnt_qposadr.push_back(m_.nq);
    m_.jnt_dofadr.push_back(m_.nv);
    m_.jnt_bodyid.push_back(i);
    m_.jnt_limited.push_back(j.limited == kLimitedTrue);
    m_.jnt_pos.push_back(pos);
    m_.jnt_axis.push_back(axis);
    m_.jnt_range.push_back({j.range[0], j.range[1]});
    m_.jnt_solref.push_back({j.solref[0], j.solref[1]});
    m_.jnt_solimp.push_back({j.solimp[0], j.solimp[1], j.solimp[2], j.solimp[3], j.solimp[4]});
    m_.jnt_margin.push_back(j.margin);
    m_.jnt_stiffness.push_back(j.stiffness);
    if (j.type == kFree) {
      const Vec3& p = m_.body_pos[i];
      const Quat& q = m_.body_quat[i];
      for (double v : {p[0], p[1], p[2], q[0], q[1], q[2], q[3]}) {
        m_.qpos0.push_back(v);
        m_.qpos_spring.push_back(v);
      }
    } else if (j.type == kBall) {
      for (double v : {1.0, 0.0, 0.0, 0.0}) {
        m_.qpos0.push_back(v);
        m_.qpos_spring.push_back(v);
      }
    } else {
      m_.qpos0.push_back(j.ref);
      m_.qpos_spring.push_back(j.springref);
    }
    m_.nq += j.type == kFree ? 7 : j.type == kBall ? 4 : 1;
    int ndof = j.type == kFree ? 6 : j.type == kBall ? 3 : 1;
    for (int k = 0; k < ndof; ++k) {
      m_.dof_bodyid.push_back(i);
      m_.dof_jntid.push_back(jid);
      m_.dof_parentid.push_back(lastdof);
      m_.dof_armature.push_back(j.armature);
      m_.dof_damping.push_back(j.damping);
      m_.dof_invweight0.push_back(0);
      lastdof = m_.nv++;
    }
    dofs += ndof;
  }
  m_.body_dofnum[i] = dofs;
}

void Compiler::compile_body(int i) {
  const MjcfBodySpec& b = *work_[i].spec;
  int parent = work_[i].parent;
  m_.body_name.push_back(i == 0 ? "world" : b.at.name);
  m_.body_at.push_back(b.at);
  m_.body_parentid.push_back(std::max(parent, 0));
  m_.body_pos.push_back(i == 0 ? Vec3{0, 0, 0} : v3(b.pos));
  m_.body_quat.push_back(i == 0 ? Quat{1, 0, 0, 0} : resolve(b.orient, b.at));
  for (auto* v : {&m_.body_jntnum, &m_.body_jntadr, &m_.body_dofnum, &m_.body_dofadr,
                  &m_.body_rootid, &m_.body_weldid, &m_.body_simple})
    v->push_back(0);
  m_.body_ipos.push_back({0, 0, 0});
  m_.body_iquat.push_back({1, 0, 0, 0});
  m_.body_inertia.push_back({0, 0, 0});
  m_.body_mass.push_back(0);
  m_.body_invweight0.push_back({0, 0});
  m_.body_rootid[i] = (i == 0 || parent == 0) ? i : m_.body_rootid[parent];
  if (i > 0)
    compile_joints(i);
  else
    m_.body_dofadr[i] = m_.body_jntadr[i] = -1;
  m_.body_weldid[i] = (i == 0 || !b.joints.empty()) ? i : m_.body_weldid[parent];

  std::vector<MassPiece> pieces(b.geoms.size());
  for (size_t k = 0; k < b.geoms.size(); ++k) {
    int group = b.geoms[k].group;
    bool infer = i > 0 && (!b.has_inertial || c_.inertiafromgeom == 1) &&
                 group >= c_.inertiagrouprange[0] && group <= c_.inertiagrouprange[1];
    compile_geom(i, b.geoms[k], infer, &pieces[k]);
  }
  if (i > 0) compile_inertia(i, pieces);
  for (const MjcfSiteSpec& s : b.sites) {
    m_.site_name.push_back(s.at.name);
    m_.site_at.push_back(s.at);
    m_.site_bodyid.push_back(i);
    m_.site_pos.push_back(v3(s.pos));
    m_.site_quat.push_back(resolve(s.orient, s.at));
  }

  // simple bodies (MuJoCo's body_simple): inertial frame equals the body frame, a root or the
  // child of a static root, with axis-aligned joints at the origin and at most one rotation
  if (i == 0) {
    m_.body_simple[0] = 1;
    return;
  }
  int simple =
      null_pose(m_.body_ipos[i], m_.body_iquat[i]) &&
      (m_.body_rootid[i] == i || (m_.body_parentid[parent] == 0 && m_.body_dofnum[parent] == 0));
  if (parent > 0) m_.body_simple[parent] = 0;
  bool rotation = false;
  for (int j = m_.body_jntadr[i]; j >= 0 && j < m_.body_jntadr[i] + m_.body_jntnum[i]; ++j) {
    const Vec3& ax = m_.jnt_axis[j];
    int nonzero = (std::abs(ax[0]) > kEps) + (std::abs(ax[1]) > kEps) + (std::abs(ax[2]) > kEps);
    bool oned = m_.jnt_type[j] == kHinge || m_.jnt_type[j] == kSlide;
    if (rotation || !null_pose(m_.jnt_pos[j], {1, 0, 0, 0}) || (oned && nonzero != 1)) simple = 0;
    if (m_.jnt_type[j] == kBall || m_.jnt_type[j] == kHinge) rotation = true;
  }
  if (simple && m_.body_dofnum[i] > 0) {
    simple = 2;
    for (int j = m_.body_jntadr[i]; j < m_.body_jntadr[i] + m_.body_jntnum[i]; ++j)
      if (m_.jnt_type[j] != kSlide) simple = 1;
  }
  m_.body_simple[i] = simple;
}

bool Compiler::body_has_mass(int i) const {
  if (m_.body_mass[i] >= kMinVal && m_.body_inertia[i][0] >= kMinVal &&
      m_.body_inertia[i][1] >= kMinVal && m_.body_inertia[i][2] >= kMinVal)
    return true;
  // a welded child carrying mass counts for its moving parent
  for (int c = i + 1; c < m_.nbody(); ++c)
    if (m_.body_parentid[c] == i && m_.body_jntnum[c] == 0 && body_has_mass(c)) return true;
  return false;
}

void Compiler::compile_actuators() {
  for (const MjcfActuatorSpec& a : s_.actuators) {
    auto it = std::find(m_.jnt_name.begin(), m_.jnt_name.end(), a.joint);
    if (a.joint.empty() || it == m_.jnt_name.end())
      mjcf_fail(a.at, "unknown joint '" + a.joint + "'");
    int jid = static_cast<int>(it - m_.jnt_name.begin());
    if (m_.jnt_type[jid] != kHinge && m_.jnt_type[jid] != kSlide)
      mjcf_fail(a.at, "a motor must drive a hinge or slide joint in the MJCF subset");
    int limited = a.ctrllimited;
    bool hasrange = !(a.ctrlrange[0] == 0 && a.ctrlrange[1] == 0);
    if (limited == kLimitedAuto) {
      if (hasrange && !s_.compiler.autolimits)
        mjcf_fail(a.at, "ctrlrange given without ctrllimited while compiler autolimits is false");
      limited = hasrange ? kLimitedTrue : kLimitedFalse;
    }
    if (limited == kLimitedTrue && a.ctrlrange[0] >= a.ctrlrange[1])
      mjcf_fail(a.at, "ctrlrange[0] must be smaller than ctrlrange[1]");
    m_.actuator_name.push_back(a.at.name);
    m_.actuator_at.push_back(a.at);
    m_.actuator_trnid.push_back(jid);
    m_.actuator_ctrllimited.push_back(limited == kLimitedTrue);
    m_.actuator_gear.push_back({a.gear[0], a.gear[1], a.gear[2], a.gear[3], a.gear[4], a.gear[5]});
    m_.actuator_ctrlrange.push_back({a.ctrlrange[0], a.ctrlrange[1]});
  }
}

void Compiler::compile_excludes() {
  for (const MjcfExcludeSpec& e : s_.excludes) {
    std::array<int, 2> ids{};
    for (int k = 0; k < 2; ++k) {
      const std::string& name = k == 0 ? e.body1 : e.body2;
      auto it = std::find(m_.body_name.begin(), m_.body_name.end(), name);
      if (name.empty() || it == m_.body_name.end())
        mjcf_fail(e.at, "unknown body '" + name + "' (exclude needs body1 and body2)");
      ids[k] = static_cast<int>(it - m_.body_name.begin());
    }
    m_.exclude_body.push_back(ids);
  }
}

CompiledMjcf Compiler::run() {
  m_.model_name = s_.model_name;
  m_.root_at = s_.root_at;
  m_.opt = s_.option;
  flatten(s_.world, -1);
  // far beyond any engine capacity: stop before the dense qpos0 computations grow large
  if (work_.size() > kMaxCompileBodies)
    mjcf_fail(s_.world.at, "too many bodies (" + std::to_string(work_.size()) + ")");
  for (int i = 0; i < static_cast<int>(work_.size()); ++i) {
    compile_body(i);
    if (m_.nv > kMaxCompileDofs) mjcf_fail(work_[i].spec->at, "too many degrees of freedom");
  }
  for (int i = 1; i < m_.nbody(); ++i)
    if (m_.body_jntnum[i] > 0 && !body_has_mass(i))
      mjcf_fail(work_[i].spec->at, "a moving body needs positive mass and inertia");
  compile_actuators();
  compile_excludes();
  if (c_.settotalmass > 0) {
    double total = 0;
    for (double mass : m_.body_mass)
      total += mass;
    double scale = std::max(kMinVal, c_.settotalmass / std::max(kMinVal, total));
    for (int i = 1; i < m_.nbody(); ++i) {
      m_.body_mass[i] *= scale;
      for (double& v : m_.body_inertia[i])
        v *= scale;
    }
  }
  compute_qpos0_constants(&m_);
  return m_;
}

}  // namespace

CompiledMjcf compile_mjcf(const MjcfSpec& spec) {
  return Compiler(spec).run();
}

}  // namespace stampede
