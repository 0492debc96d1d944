// Forward kinematics: world frames of bodies, joints, inertial frames, geoms and sites from qpos.
// Joint transforms compose in the body frame after the fixed parent offset; hinge and slide
// displacements are measured from qpos0, and quaternions in qpos are normalised in a local copy
// (qpos itself is left as the caller wrote it, as MuJoCo does).
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// frame of an object attached to body b at local (pos, quat)
template <class D>
STAMPEDE_HD void local_to_global(const D& d, int b, const Real* pos, const Real* quat, Real* xpos,
                                 Real* xmat) {
  mat_vec3(xpos, d.xmat[b], pos);
  for (int k = 0; k < 3; ++k)
    xpos[k] += d.xpos[b][k];
  Real q[4];
  quat_mul(q, d.xquat[b], quat);
  quat_to_mat(xmat, q);
}

// apply the joints of body i to its frame (xpos, xquat start at the fixed offset)
template <class D>
STAMPEDE_HD void apply_body_joints(const Model& m, D& d, int i, Real* xpos, Real* xquat) {
  const int adr = m.body_jntadr[i];
  for (int j = adr; j < adr + m.body_jntnum[i]; ++j) {
    const int qa = m.jnt_qposadr[j];
    Real xaxis[3], xanchor[3];
    quat_rotate(xaxis, xquat, m.jnt_axis[j]);
    quat_rotate(xanchor, xquat, m.jnt_pos[j]);
    for (int k = 0; k < 3; ++k)
      xanchor[k] += xpos[k];

    if (m.jnt_type[j] == kJntSlide) {
      const Real s = d.qpos[qa] - m.qpos0[qa];
      for (int k = 0; k < 3; ++k)
        xpos[k] += xaxis[k] * s;
    } else {
      // hinge or ball: rotate about the anchor, which stays fixed in the world
      Real qloc[4];
      if (D::Sizes::kBall && m.jnt_type[j] == kJntBall) {
        for (int k = 0; k < 4; ++k)
          qloc[k] = d.qpos[qa + k];
        quat_normalize(qloc);
      } else {
        quat_from_axis_angle(qloc, m.jnt_axis[j], d.qpos[qa] - m.qpos0[qa]);
      }
      quat_mul(xquat, xquat, qloc);
      Real off[3];
      quat_rotate(off, xquat, m.jnt_pos[j]);
      sub3(xpos, xanchor, off);
    }
    copy3(d.xanchor[j], xanchor);
    copy3(d.xaxis[j], xaxis);
  }
}

template <class D>
STAMPEDE_HD void kinematics(const Model& m, D& d) {
  // world body
  for (int k = 0; k < 3; ++k)
    d.xpos[0][k] = d.xipos[0][k] = 0;
  d.xquat[0][0] = 1;
  d.xquat[0][1] = d.xquat[0][2] = d.xquat[0][3] = 0;
  for (int k = 0; k < 9; ++k)
    d.xmat[0][k] = d.ximat[0][k] = (k % 4 == 0) ? 1 : 0;

  // bodies in tree order: parents are final before their children
  for (int i = 1; i < m.nbody; ++i) {
    Real xpos[3], xquat[4];
    const int j0 = m.body_jntadr[i];
    if (D::Sizes::kFree && m.body_jntnum[i] == 1 && m.jnt_type[j0] == kJntFree) {
      // free joint: qpos holds the world pose directly
      const int qa = m.jnt_qposadr[j0];
      copy3(xpos, d.qpos + qa);
      for (int k = 0; k < 4; ++k)
        xquat[k] = d.qpos[qa + 3 + k];
      quat_normalize(xquat);
      copy3(d.xanchor[j0], xpos);
      copy3(d.xaxis[j0], m.jnt_axis[j0]);
    } else {
      const int p = m.body_parentid[i];
      mat_vec3(xpos, d.xmat[p], m.body_pos[i]);
      for (int k = 0; k < 3; ++k)
        xpos[k] += d.xpos[p][k];
      quat_mul(xquat, d.xquat[p], m.body_quat[i]);
      apply_body_joints(m, d, i, xpos, xquat);
    }
    quat_normalize(xquat);
    copy3(d.xpos[i], xpos);
    for (int k = 0; k < 4; ++k)
      d.xquat[i][k] = xquat[k];
    quat_to_mat(d.xmat[i], xquat);
  }

  // attached frames
  for (int i = 1; i < m.nbody; ++i) {
    local_to_global(d, i, m.body_ipos[i], m.body_iquat[i], d.xipos[i], d.ximat[i]);
  }
  for (int g = 0; g < m.ngeom; ++g) {
    local_to_global(d, m.geom_bodyid[g], m.geom_pos[g], m.geom_quat[g], d.geom_xpos[g],
                    d.geom_xmat[g]);
  }
  for (int s = 0; s < m.nsite; ++s) {
    local_to_global(d, m.site_bodyid[s], m.site_pos[s], m.site_quat[s], d.site_xpos[s],
                    d.site_xmat[s]);
  }
}

}  // namespace stampede
