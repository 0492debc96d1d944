// Per-environment simulation state and the scratch of one forward pass, with fixed capacities so
// a batch is a flat array of Data. Names follow MuJoCo's mjData. Only qpos, qvel, ctrl,
// qacc_warmstart and time are state; everything else is recomputed by forward() and, after
// step(), belongs to the last forward evaluation (for RK4: the 4th stage), as in MuJoCo.
#pragma once

#include <cstdint>

#include "envs/physics/model.hpp"

namespace stampede {

// capacities of one DataT; each must be at least the model's count (check with fits())
template <int NQ, int NV, int NBODY, int NJNT, int NGEOM, int NSITE, int NU, int NEFC, int NCON = 0>
struct DataSizes {
  // at least one of each, so that no array has zero length
  static constexpr int at_least_1(int n) { return n < 1 ? 1 : n; }
  static constexpr int kNq = at_least_1(NQ), kNv = at_least_1(NV), kNbody = at_least_1(NBODY);
  static constexpr int kNjnt = at_least_1(NJNT), kNgeom = at_least_1(NGEOM);
  static constexpr int kNsite = at_least_1(NSITE), kNu = at_least_1(NU), kNefc = at_least_1(NEFC);
  static constexpr int kNcon = at_least_1(NCON);
  // what a model may use: the arrays hold at least one element, the capacity may be 0
  static constexpr int kEfcCapacity = NEFC, kConCapacity = NCON;
  // whether ball and free joints can occur; small task-sized data compile those paths away
  static constexpr bool kBall = NQ >= 4 && NV >= 3;
  static constexpr bool kFree = NQ >= 7 && NV >= 6;
};

// MuJoCo's mjtConstraint values
enum ConstraintType : int32_t {
  kCnstrLimitJoint = 3,
  kCnstrContactFrictionless = 5,
  kCnstrContactPyramidal = 6,
};
enum ConstraintState : int32_t { kCnstrSatisfied = 0, kCnstrQuadratic = 1 };

// joint-limit rows a model can need at most (both sides of every limited hinge and slide)
constexpr int limit_rows_max(const Model& m) {
  int rows = 0;
  for (int j = 0; j < m.njnt; ++j) {
    if (m.jnt_limited[j] && m.jnt_type[j] != kJntFree) rows += m.jnt_type[j] == kJntBall ? 1 : 2;
  }
  return rows;
}

// Capacities are template parameters so a task can size its per-environment scratch to its model
// (a few KB for the pendulums rather than ~40 KB): one GPU thread per environment keeps it in
// local memory. Data (below) has the engine-wide maximum capacities.
template <class S>
struct DataT {
  using Sizes = S;

  // state
  Real time;
  Real qpos[S::kNq];
  Real qvel[S::kNv];
  Real ctrl[S::kNu];
  Real qacc_warmstart[S::kNv];

  // position-dependent: kinematics
  Real xpos[S::kNbody][3];
  Real xquat[S::kNbody][4];
  Real xmat[S::kNbody][9];  // row-major rotation, columns are the body axes in world
  Real xipos[S::kNbody][3];
  Real ximat[S::kNbody][9];
  Real xanchor[S::kNjnt][3];
  Real xaxis[S::kNjnt][3];
  Real geom_xpos[S::kNgeom][3];
  Real geom_xmat[S::kNgeom][9];
  Real site_xpos[S::kNsite][3];
  Real site_xmat[S::kNsite][9];

  // position-dependent: com-based quantities (spatial vectors are (angular, linear))
  Real subtree_com[S::kNbody][3];
  Real cinert[S::kNbody][10];  // (I_xx, I_yy, I_zz, I_xy, I_xz, I_yz, m*c, m) about subtree_com
  Real cdof[S::kNv][6];
  Real crb[S::kNbody][10];  // composite rigid-body inertia

  // position-dependent: mass matrix (dense, full symmetric, row-major nv x nv) and its LDL'
  Real qM[S::kNv * S::kNv];
  Real qLD[S::kNv * S::kNv];  // strict lower part holds L (unit diagonal), diagonal holds D
  Real qLDiagInv[S::kNv];

  // velocity-dependent
  Real cvel[S::kNbody][6];
  Real cdof_dot[S::kNv][6];
  Real qfrc_bias[S::kNv];     // Coriolis, centrifugal and gravity
  Real qfrc_passive[S::kNv];  // springs, dampers, fluid

  // actuation and smooth acceleration
  Real actuator_force[S::kNu];
  Real qfrc_actuator[S::kNv];
  Real qfrc_smooth[S::kNv];
  Real qacc_smooth[S::kNv];

  // contacts found by collision(), in the order of the model's pairs; frame rows are the normal
  // (from geom1 to geom2) and two tangents
  int32_t ncon;
  Real contact_dist[S::kNcon];  // signed distance, negative in penetration
  Real contact_pos[S::kNcon][3];
  Real contact_frame[S::kNcon][9];
  int32_t contact_pair[S::kNcon];
  int32_t contact_exclude[S::kNcon];      // 1: within the gap, no constraint rows
  int32_t contact_efc_address[S::kNcon];  // first row, -1 without rows

  // constraints (dense rows over nv): joint limits, then contacts
  int32_t nefc;
  int32_t efc_type[S::kNefc];
  int32_t efc_id[S::kNefc];  // joint id for limits, contact index for contacts
  int32_t efc_state[S::kNefc];
  Real efc_J[S::kNefc][S::kNv];
  Real efc_pos[S::kNefc];
  Real efc_margin[S::kNefc];
  Real efc_diagApprox[S::kNefc];
  Real efc_R[S::kNefc];
  Real efc_D[S::kNefc];
  Real efc_KBIP[S::kNefc][4];  // stiffness, damping, impedance, impedance derivative
  Real efc_vel[S::kNefc];
  Real efc_aref[S::kNefc];
  Real efc_b[S::kNefc];
  Real efc_force[S::kNefc];
  Real qfrc_constraint[S::kNv];
  Real qacc[S::kNv];
  int32_t solver_niter;
  int32_t overflow;  // 1 when a contact or row found no room (DataT::fits rules it out)

  // solver and integrator scratch
  Real scratch_H[S::kNv * S::kNv];  // Newton Hessian / implicit-damping matrix factor
  Real scratch_Hdiag_inv[S::kNv];
  Real rk_qpos0[S::kNq];  // state at the start of an RK4 step
  Real rk_qvel0[S::kNv];
  Real rk_stage_qvel[4][S::kNv];  // velocity of each RK4 stage
  Real rk_stage_qacc[4][S::kNv];  // acceleration of each RK4 stage

  // true when a model's counts fit these capacities, with room for every joint-limit and contact
  // row it can ever need, so no state can run out of rows
  static constexpr bool fits(const Model& m) {
    for (int j = 0; j < m.njnt; ++j) {
      if ((m.jnt_type[j] == kJntBall && !S::kBall) || (m.jnt_type[j] == kJntFree && !S::kFree)) {
        return false;
      }
    }
    const int limit_rows = limit_rows_max(m);
    return m.nq <= S::kNq && m.nv <= S::kNv && m.nbody <= S::kNbody && m.njnt <= S::kNjnt &&
           m.ngeom <= S::kNgeom && m.nsite <= S::kNsite && m.nu <= S::kNu &&
           m.ncon_max <= S::kConCapacity && limit_rows + m.nefc_contact_max <= S::kEfcCapacity;
  }
};

using Data = DataT<DataSizes<kMaxQpos, kMaxDofs, kMaxBodies, kMaxJoints, kMaxGeoms, kMaxSites,
                             kMaxActuators, kMaxEfc, kMaxContacts>>;

}  // namespace stampede
