// Intermediate representations of the MJCF compiler (host only, double precision).
//
// MjcfSpec is what the parser produces: the body tree with every default class and childclass
// already applied, values parsed and checked but frames and inertias not yet resolved. CompiledMjcf
// is what the compiler produces: flat, dynamically sized arrays with mjModel's field names, which
// mjcf_loader packs into the fixed-capacity float Model.
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
namespace stampede {

// Every loader failure: the message names the source, the line, and the element.
class MjcfError : public UsageError {
 public:
  using UsageError::UsageError;
};

// where an element came from, for error messages raised after parsing
struct MjcfOrigin {
  std::string source;   // file name or "<string>"
  std::string element;  // tag, e.g. "geom"
  std::string name;     // the name attribute, may be empty
  int line = 0;
};

// Throws MjcfError formatted as "source:line: <element name='..'>: what".
[[noreturn]] void mjcf_fail(const MjcfOrigin& at, const std::string& what);

// One orientation specifier; MJCF allows exactly one of these per element.
struct MjcfOrientation {
  enum Kind { kQuat, kAxisAngle, kEuler, kXYAxes, kZAxis };
  Kind kind = kQuat;
  double v[6] = {1, 0, 0, 0, 0, 0};
};

struct MjcfCompilerSpec {
  bool degree = true;  // angle="degree"
  char eulerseq[4] = {'x', 'y', 'z', 0};
  int inertiafromgeom = 2;  // 0 false, 1 true, 2 auto
  int inertiagrouprange[2] = {0, 5};
  double settotalmass = -1;  // scale body masses to this total when > 0
  double boundmass = 0;
  double boundinertia = 0;
  bool balanceinertia = false;
  bool autolimits = true;
};

struct MjcfOptionSpec {
  double timestep = 0.002;
  double gravity[3] = {0, 0, -9.81};
  double wind[3] = {0, 0, 0};
  double density = 0;
  double viscosity = 0;
  double impratio = 1;
  double tolerance = 1e-8;
  double ls_tolerance = 0.01;
  int iterations = 100;
  int ls_iterations = 50;
  int integrator = 0;  // 0 Euler, 1 RK4 (MuJoCo's enum values)
  int solver = 2;      // 0 PGS, 2 Newton
  int cone = 0;        // pyramidal
  int disableflags = 0;
};

// limited / ctrllimited: MuJoCo's tri-state
enum MjcfLimited { kLimitedFalse = 0, kLimitedTrue = 1, kLimitedAuto = 2 };

struct MjcfJointSpec {
  MjcfOrigin at;
  int type = 3;  // 0 free, 1 ball, 2 slide, 3 hinge
  double pos[3] = {0, 0, 0};
  double axis[3] = {0, 0, 1};
  double range[2] = {0, 0};
  int limited = kLimitedAuto;
  double damping = 0, stiffness = 0, springref = 0, armature = 0, margin = 0, ref = 0;
  double solref[2] = {0.02, 1};
  double solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
};

struct MjcfGeomSpec {
  MjcfOrigin at;
  int type = 2;  // sphere
  double size[3] = {0, 0, 0};
  bool has_fromto = false;
  double fromto[6] = {0, 0, 0, 0, 0, 0};
  double pos[3] = {0, 0, 0};
  MjcfOrientation orient;
  bool has_mass = false;
  double mass = 0;
  double density = 1000;
  int contype = 1, conaffinity = 1, condim = 3, priority = 0, group = 0;
  double friction[3] = {1, 0.005, 0.0001};
  double margin = 0, gap = 0, solmix = 1;
  double solref[2] = {0.02, 1};
  double solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
};

struct MjcfSiteSpec {
  MjcfOrigin at;
  double pos[3] = {0, 0, 0};
  MjcfOrientation orient;
};

struct MjcfInertialSpec {
  MjcfOrigin at;
  double pos[3] = {0, 0, 0};
  MjcfOrientation orient;
  double mass = 0;
  bool has_diag = false, has_full = false;
  double diaginertia[3] = {0, 0, 0};
  double fullinertia[6] = {0, 0, 0, 0, 0, 0};  // Ixx Iyy Izz Ixy Ixz Iyz
};

struct MjcfBodySpec {
  MjcfOrigin at;
  double pos[3] = {0, 0, 0};
  MjcfOrientation orient;
  std::vector<MjcfJointSpec> joints;
  std::vector<MjcfGeomSpec> geoms;
  std::vector<MjcfSiteSpec> sites;
  bool has_inertial = false;
  MjcfInertialSpec inertial;
  std::vector<MjcfBodySpec> children;
};

struct MjcfActuatorSpec {
  MjcfOrigin at;
  std::string joint;
  double gear[6] = {1, 0, 0, 0, 0, 0};
  double ctrlrange[2] = {0, 0};
  int ctrllimited = kLimitedAuto;
};

// <contact><exclude body1 body2>: the two bodies never collide
struct MjcfExcludeSpec {
  MjcfOrigin at;
  std::string body1, body2;
};

struct MjcfSpec {
  std::string model_name;
  MjcfOrigin root_at;  // the <mujoco> element, for errors about the model as a whole
  MjcfCompilerSpec compiler;
  MjcfOptionSpec option;
  MjcfBodySpec world;
  std::vector<MjcfActuatorSpec> actuators;
  std::vector<MjcfExcludeSpec> excludes;
};

// The compiled model in double precision; field meanings as in mjModel and envs/physics/model.hpp.
struct CompiledMjcf {
  std::string model_name;
  MjcfOrigin root_at;
  MjcfOptionSpec opt;
  double stat_meaninertia = 1;
  int nq = 0, nv = 0;

  std::vector<std::string> body_name;
  std::vector<MjcfOrigin> body_at, jnt_at, site_at, actuator_at;  // where each was declared
  std::vector<int> body_parentid, body_rootid, body_weldid, body_jntnum, body_jntadr, body_dofnum,
      body_dofadr, body_simple;
  std::vector<std::array<double, 3>> body_pos, body_ipos, body_inertia;
  std::vector<std::array<double, 4>> body_quat, body_iquat;
  std::vector<double> body_mass;
  std::vector<std::array<double, 2>> body_invweight0;

  std::vector<std::string> jnt_name;
  std::vector<int> jnt_type, jnt_qposadr, jnt_dofadr, jnt_bodyid, jnt_limited;
  std::vector<std::array<double, 3>> jnt_pos, jnt_axis;
  std::vector<std::array<double, 2>> jnt_range, jnt_solref;
  std::vector<std::array<double, 5>> jnt_solimp;
  std::vector<double> jnt_margin, jnt_stiffness;

  std::vector<int> dof_bodyid, dof_jntid, dof_parentid;
  std::vector<double> dof_armature, dof_damping, dof_invweight0;

  std::vector<std::string> geom_name;
  std::vector<MjcfOrigin> geom_at;  // where each geom was declared, for contact errors
  std::vector<int> geom_type, geom_bodyid, geom_contype, geom_conaffinity, geom_condim,
      geom_priority;
  std::vector<std::array<double, 3>> geom_size, geom_pos, geom_friction;
  std::vector<std::array<double, 4>> geom_quat;
  std::vector<double> geom_rbound, geom_solmix, geom_margin, geom_gap, geom_mass;
  std::vector<std::array<double, 2>> geom_solref;
  std::vector<std::array<double, 5>> geom_solimp;

  std::vector<std::string> site_name;
  std::vector<int> site_bodyid;
  std::vector<std::array<double, 3>> site_pos;
  std::vector<std::array<double, 4>> site_quat;

  std::vector<std::string> actuator_name;
  std::vector<int> actuator_trnid, actuator_ctrllimited;
  std::vector<std::array<double, 6>> actuator_gear;
  std::vector<std::array<double, 2>> actuator_ctrlrange;

  std::vector<double> qpos0, qpos_spring;

  std::vector<std::array<int, 2>> exclude_body;  // body pairs that never collide

  int nbody() const { return static_cast<int>(body_parentid.size()); }
  int njnt() const { return static_cast<int>(jnt_type.size()); }
  int ngeom() const { return static_cast<int>(geom_type.size()); }
  int nsite() const { return static_cast<int>(site_bodyid.size()); }
  int nu() const { return static_cast<int>(actuator_trnid.size()); }
};

}  // namespace stampede
