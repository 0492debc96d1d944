// Com-based position quantities: subtree centres of mass, body inertias (cinert) and motion dofs
// (cdof) expressed in world-aligned frames centred at the subtree com of each body's root. Working
// about a nearby point rather than the world origin keeps float32 products well conditioned.
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// inertia of a body with principal moments `inert` in frame `rot`, mass m, centre at `dif`
// from the reference point: rotated inertia plus the parallel-axis term, and mass moments
STAMPEDE_HD void inertia_com(Real* r, const Real* inert, const Real* rot, const Real* dif, Real m) {
  // R diag(inert) R'
  for (int a = 0; a < 3; ++a) {
    for (int b = a; b < 3; ++b) {
      const Real v = rot[3 * a] * inert[0] * rot[3 * b] +
                     rot[3 * a + 1] * inert[1] * rot[3 * b + 1] +
                     rot[3 * a + 2] * inert[2] * rot[3 * b + 2];
      if (a == b)
        r[a] = v;
      else
        r[a + b + 2] = v;  // (0,1)->3, (0,2)->4, (1,2)->5
    }
  }
  r[0] += m * (dif[1] * dif[1] + dif[2] * dif[2]);
  r[1] += m * (dif[0] * dif[0] + dif[2] * dif[2]);
  r[2] += m * (dif[0] * dif[0] + dif[1] * dif[1]);
  r[3] -= m * dif[0] * dif[1];
  r[4] -= m * dif[0] * dif[2];
  r[5] -= m * dif[1] * dif[2];
  for (int k = 0; k < 3; ++k)
    r[6 + k] = m * dif[k];
  r[9] = m;
}

// motion dof of a rotation about `axis` through a point at -offset from the reference point
STAMPEDE_HD void rotation_dof(Real* cdof, const Real* axis, const Real* offset) {
  copy3(cdof, axis);
  cross3(cdof + 3, axis, offset);
}

template <class D>
STAMPEDE_HD void com_pos(const Model& m, D& d) {
  // subtree mass-weighted positions, accumulated leaves to root
  Real subtree_mass[D::Sizes::kNbody];
  for (int i = 0; i < m.nbody; ++i) {
    subtree_mass[i] = m.body_mass[i];
    for (int k = 0; k < 3; ++k)
      d.subtree_com[i][k] = m.body_mass[i] * d.xipos[i][k];
  }
  for (int i = m.nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    subtree_mass[p] += subtree_mass[i];
    for (int k = 0; k < 3; ++k)
      d.subtree_com[p][k] += d.subtree_com[i][k];
  }
  for (int i = 0; i < m.nbody; ++i) {
    if (subtree_mass[i] < kMinVal) {
      copy3(d.subtree_com[i], d.xipos[i]);
    } else {
      const Real inv = 1 / subtree_mass[i];
      for (int k = 0; k < 3; ++k)
        d.subtree_com[i][k] *= inv;
    }
  }

  // body inertias about the root's subtree com
  for (int k = 0; k < 10; ++k)
    d.cinert[0][k] = 0;
  for (int i = 1; i < m.nbody; ++i) {
    Real dif[3];
    sub3(dif, d.xipos[i], d.subtree_com[m.body_rootid[i]]);
    inertia_com(d.cinert[i], m.body_inertia[i], d.ximat[i], dif, m.body_mass[i]);
  }

  // motion dofs
  for (int j = 0; j < m.njnt; ++j) {
    const int b = m.jnt_bodyid[j];
    Real(*cdof)[6] = d.cdof + m.jnt_dofadr[j];
    Real offset[3];
    sub3(offset, d.subtree_com[m.body_rootid[b]], d.xanchor[j]);
    switch (m.jnt_type[j]) {
      case kJntFree:
        // translations along world axes, then rotations as for a ball joint
        for (int r = 0; r < 3; ++r) {
          for (int k = 0; k < 6; ++k)
            cdof[r][k] = (k == r + 3) ? 1 : 0;
        }
        cdof += 3;
        [[fallthrough]];
      case kJntBall:
        // rotations about the body's own axes (columns of xmat)
        for (int r = 0; r < 3; ++r) {
          const Real axis[3] = {d.xmat[b][r], d.xmat[b][r + 3], d.xmat[b][r + 6]};
          rotation_dof(cdof[r], axis, offset);
        }
        break;
      case kJntSlide:
        for (int k = 0; k < 3; ++k) {
          cdof[0][k] = 0;
          cdof[0][k + 3] = d.xaxis[j][k];
        }
        break;
      default:  // hinge
        rotation_dof(cdof[0], d.xaxis[j], offset);
        break;
    }
  }
}

}  // namespace stampede
