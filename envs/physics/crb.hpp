// Joint-space inertia matrix by the composite-rigid-body algorithm: accumulate body inertias into
// composite inertias leaves to root, then M(i,j) = cdof_j . (crb_body(i) cdof_i) for every
// ancestor dof j of dof i, plus armature on the diagonal. qM is stored dense and symmetric.
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

template <class D>
STAMPEDE_HD void composite_inertia(const Model& m, D& d) {
  for (int i = 0; i < m.nbody; ++i) {
    for (int k = 0; k < 10; ++k)
      d.crb[i][k] = d.cinert[i][k];
  }
  // bodies attached to the world form separate trees: nothing flows into body 0
  for (int i = m.nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    if (p == 0) continue;
    for (int k = 0; k < 10; ++k)
      d.crb[p][k] += d.crb[i][k];
  }
}

template <class D>
STAMPEDE_HD void mass_matrix(const Model& m, D& d) {
  composite_inertia(m, d);
  const int nv = m.nv;
  for (int k = 0; k < nv * nv; ++k)
    d.qM[k] = 0;

  for (int i = 0; i < nv; ++i) {
    Real f[6];
    inertia_mul(f, d.crb[m.dof_bodyid[i]], d.cdof[i]);
    d.qM[i * nv + i] = m.dof_armature[i];
    // dofs off the ancestor chain of i couple to it only through other paths: they stay zero
    for (int j = i; j >= 0; j = m.dof_parentid[j]) {
      const Real v = dot6(d.cdof[j], f);
      d.qM[i * nv + j] += v;
      if (j != i) d.qM[j * nv + i] = d.qM[i * nv + j];
    }
  }
}

}  // namespace stampede
