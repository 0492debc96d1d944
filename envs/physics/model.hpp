// The flat compiled model: everything the dynamics read and never write. A plain-old-data struct
// with fixed capacities and no internal pointers, so a batch of environments shares one copy that
// reaches the GPU in a single cudaMemcpy. Field names follow MuJoCo's mjModel; arrays are indexed
// [element][component] and quaternions are (w, x, y, z).
//
// Filled by the MJCF compiler (envs/mjcf/) or, in tests, from the JSON export of a model
// compiled by the `mujoco` Python package (tests/support/model_json.*). Compiler-derived constants
// (inertia from geoms, body/dof invweight0, qpos0 from ref) are inputs here, not recomputed.
#pragma once

#include <cstdint>

namespace stampede {

using Real = float;

// capacities: enough for MuJoCo's Humanoid (nq 24, nv 23, nu 17, nbody 14, ngeom 18)
inline constexpr int kMaxBodies = 32;
inline constexpr int kMaxJoints = 32;
inline constexpr int kMaxDofs = 32;
inline constexpr int kMaxQpos = 40;  // a free joint takes 7 qpos for 6 dofs
inline constexpr int kMaxGeoms = 32;
inline constexpr int kMaxSites = 16;
inline constexpr int kMaxActuators = 24;
// contact capacities: candidate geom pairs, and contacts and constraint rows of one state at most
inline constexpr int kMaxPairs = 128;
inline constexpr int kMaxContacts = 64;
inline constexpr int kMaxEfc = 256;

// values equal MuJoCo's enums so exported arrays can be copied as they are
enum JointType : int32_t { kJntFree = 0, kJntBall = 1, kJntSlide = 2, kJntHinge = 3 };
enum GeomType : int32_t {
  kGeomPlane = 0,
  kGeomHfield = 1,
  kGeomSphere = 2,
  kGeomCapsule = 3,
  kGeomEllipsoid = 4,
  kGeomCylinder = 5,
  kGeomBox = 6,
  kGeomMesh = 7,
};
enum Integrator : int32_t { kIntEuler = 0, kIntRK4 = 1 };
enum Solver : int32_t { kSolPGS = 0, kSolCG = 1, kSolNewton = 2 };
enum Cone : int32_t { kConePyramidal = 0, kConeElliptic = 1 };
inline constexpr int kNumGeomTypes = 8;

// disable flags, same bits as mjtDisableBit
enum DisableBit : int32_t {
  kDsblConstraint = 1 << 0,
  kDsblFilterParent = 1 << 2,
  kDsblLimit = 1 << 3,
  kDsblContact = 1 << 4,
  kDsblSpring = 1 << 5,
  kDsblDamper = 1 << 6,
  kDsblGravity = 1 << 7,
  kDsblClampCtrl = 1 << 8,
  kDsblWarmstart = 1 << 9,
  kDsblActuation = 1 << 11,
  kDsblRefsafe = 1 << 12,
  kDsblEulerDamp = 1 << 15,
};

// <option>: MuJoCo's defaults
struct ModelOptions {
  Real timestep = 0.002f;
  Real gravity[3] = {0, 0, -9.81f};
  Real wind[3] = {0, 0, 0};
  Real density = 0;    // medium density for the fluid model
  Real viscosity = 0;  // medium viscosity for the fluid model
  Real impratio = 1;
  Real tolerance = 1e-8f;
  Real ls_tolerance = 0.01f;
  int32_t iterations = 100;
  int32_t ls_iterations = 50;
  int32_t integrator = kIntEuler;
  int32_t solver = kSolNewton;
  int32_t cone = kConePyramidal;
  int32_t disableflags = 0;
};

struct Model {
  // sizes
  int32_t nq = 0;     // generalized coordinates
  int32_t nv = 0;     // degrees of freedom
  int32_t nu = 0;     // actuators
  int32_t nbody = 0;  // bodies, including the world body 0
  int32_t njnt = 0;   // joints
  int32_t ngeom = 0;  // geoms
  int32_t nsite = 0;  // sites

  ModelOptions opt;
  Real stat_meaninertia = 1;  // mean diagonal of M at qpos0; scales solver tolerances

  // bodies (parents precede children: parentid[i] < i)
  int32_t body_parentid[kMaxBodies];
  int32_t body_rootid[kMaxBodies];  // top-level ancestor below the world
  int32_t body_weldid[kMaxBodies];  // top-most ancestor welded to this body
  int32_t body_jntnum[kMaxBodies];
  int32_t body_jntadr[kMaxBodies];  // -1 when jntnum is 0
  int32_t body_dofnum[kMaxBodies];
  int32_t body_dofadr[kMaxBodies];  // -1 when dofnum is 0
  Real body_pos[kMaxBodies][3];     // frame offset in the parent frame
  Real body_quat[kMaxBodies][4];    // frame orientation in the parent frame
  Real body_ipos[kMaxBodies][3];    // centre of mass in the body frame
  Real body_iquat[kMaxBodies][4];   // principal inertia frame in the body frame
  Real body_mass[kMaxBodies];
  Real body_inertia[kMaxBodies][3];     // principal moments of inertia
  Real body_invweight0[kMaxBodies][2];  // mean inverse inertia at qpos0 (translation, rotation)

  // joints
  int32_t jnt_type[kMaxJoints];  // JointType
  int32_t jnt_qposadr[kMaxJoints];
  int32_t jnt_dofadr[kMaxJoints];
  int32_t jnt_bodyid[kMaxJoints];
  int32_t jnt_limited[kMaxJoints];  // 0 or 1
  Real jnt_pos[kMaxJoints][3];      // anchor in the body frame
  Real jnt_axis[kMaxJoints][3];     // axis in the body frame (hinge, slide)
  Real jnt_range[kMaxJoints][2];
  Real jnt_margin[kMaxJoints];     // limit becomes active when dist < margin
  Real jnt_solref[kMaxJoints][2];  // limit (timeconst, dampratio) or direct (-stiff, -damp)
  Real jnt_solimp[kMaxJoints][5];  // limit (dmin, dmax, width, midpoint, power)
  Real jnt_stiffness[kMaxJoints];  // spring towards qpos_spring

  // degrees of freedom
  int32_t dof_bodyid[kMaxDofs];
  int32_t dof_jntid[kMaxDofs];
  int32_t dof_parentid[kMaxDofs];  // previous dof in the kinematic chain, -1 at a root
  Real dof_armature[kMaxDofs];
  Real dof_damping[kMaxDofs];
  Real dof_invweight0[kMaxDofs];

  // geoms (contact fields are carried for the contact pipeline)
  int32_t geom_type[kMaxGeoms];  // GeomType
  int32_t geom_bodyid[kMaxGeoms];
  int32_t geom_contype[kMaxGeoms];
  int32_t geom_conaffinity[kMaxGeoms];
  int32_t geom_condim[kMaxGeoms];
  int32_t geom_priority[kMaxGeoms];
  Real geom_size[kMaxGeoms][3];
  Real geom_rbound[kMaxGeoms];   // bounding-sphere radius, 0 for planes
  Real geom_pos[kMaxGeoms][3];   // in the body frame
  Real geom_quat[kMaxGeoms][4];  // in the body frame
  Real geom_friction[kMaxGeoms][3];
  Real geom_solmix[kMaxGeoms];
  Real geom_solref[kMaxGeoms][2];
  Real geom_solimp[kMaxGeoms][5];
  Real geom_margin[kMaxGeoms];
  Real geom_gap[kMaxGeoms];

  // candidate contact pairs, fixed when the model is built (envs/physics/contact_pairs.hpp) in
  // the order MuJoCo's collision detection visits them; geom1's type <= geom2's type. The
  // parameters are those MuJoCo 3.3.7 combines from the two geoms (mj_contactParam).
  int32_t npair = 0;
  int32_t ncon_max = 0;          // contacts all pairs can make together at most
  int32_t nefc_contact_max = 0;  // constraint rows those contacts can need at most
  int32_t pair_geom1[kMaxPairs];
  int32_t pair_geom2[kMaxPairs];
  int32_t pair_dim[kMaxPairs];       // condim: 1, 3, 4 or 6
  Real pair_friction[kMaxPairs][5];  // (slide, slide, spin, roll, roll), each >= MuJoCo's 1e-5
  Real pair_solref[kMaxPairs][2];
  Real pair_solimp[kMaxPairs][5];
  Real pair_margin[kMaxPairs];  // max of the geoms' margins: contacts are detected within it
  Real pair_gap[kMaxPairs];     // max of the geoms' gaps: rows only for dist < margin - gap

  // sites
  int32_t site_bodyid[kMaxSites];
  Real site_pos[kMaxSites][3];
  Real site_quat[kMaxSites][4];

  // actuators: motors on joints (gain 1, bias 0), force = gear * clamp(ctrl, ctrlrange)
  int32_t actuator_trnid[kMaxActuators];  // joint id
  int32_t actuator_ctrllimited[kMaxActuators];
  Real actuator_gear[kMaxActuators];  // gear[0] of MuJoCo's 6-vector
  Real actuator_ctrlrange[kMaxActuators][2];

  // reference configurations
  Real qpos0[kMaxQpos];        // configuration at which kinematics equals the model's frames
  Real qpos_spring[kMaxQpos];  // spring reference (springref)
};

}  // namespace stampede
