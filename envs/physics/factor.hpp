// Factorisation and solves with the joint-space inertia matrix. M = L' D L with L unit lower
// triangular whose sparsity follows the dof tree (row i is non-zero only at ancestors of i), so
// eliminating from the last dof upwards creates no fill-in. Dense Cholesky serves matrices whose
// pattern is not the tree's (the Newton solver's Hessian).
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// in place: A (nv x nv, lower part read) -> L below the diagonal, D on it; diag_inv = 1/D
STAMPEDE_HD void factor_tree_ldl(const Model& m, Real* A, Real* diag_inv) {
  const int nv = m.nv;
  for (int k = nv - 1; k >= 0; --k) {
    Real dkk = A[k * nv + k];
    if (dkk < kMinVal) dkk = A[k * nv + k] = kMinVal;
    for (int i = m.dof_parentid[k]; i >= 0; i = m.dof_parentid[i]) {
      const Real t = A[k * nv + i] / dkk;
      // update row i at i and its ancestors, which are also ancestors of k
      for (int j = i; j >= 0; j = m.dof_parentid[j])
        A[i * nv + j] -= t * A[k * nv + j];
      A[k * nv + i] = t;
    }
  }
  for (int k = 0; k < nv; ++k)
    diag_inv[k] = 1 / A[k * nv + k];
}

// x <- (L' D L)^-1 x
STAMPEDE_HD void solve_tree_ldl(const Model& m, const Real* LD, const Real* diag_inv, Real* x) {
  const int nv = m.nv;
  for (int i = nv - 1; i >= 0; --i) {
    const Real xi = x[i];
    if (xi == 0) continue;
    for (int j = m.dof_parentid[i]; j >= 0; j = m.dof_parentid[j])
      x[j] -= LD[i * nv + j] * xi;
  }
  for (int i = 0; i < nv; ++i)
    x[i] *= diag_inv[i];
  for (int i = 0; i < nv; ++i) {
    for (int j = m.dof_parentid[i]; j >= 0; j = m.dof_parentid[j])
      x[i] -= LD[i * nv + j] * x[j];
  }
}

template <class D>
STAMPEDE_HD void factor_mass(const Model& m, D& d) {
  const int nv = m.nv;
  for (int k = 0; k < nv * nv; ++k)
    d.qLD[k] = d.qM[k];
  factor_tree_ldl(m, d.qLD, d.qLDiagInv);
}

// res = M^-1 vec (res may alias vec)
template <class D>
STAMPEDE_HD void solve_mass(const Model& m, const D& d, Real* res, const Real* vec) {
  for (int i = 0; i < m.nv; ++i)
    res[i] = vec[i];
  solve_tree_ldl(m, d.qLD, d.qLDiagInv, res);
}

// res = M vec with the dense symmetric qM
template <class D>
STAMPEDE_HD void mul_mass(const Model& m, const D& d, Real* res, const Real* vec) {
  const int nv = m.nv;
  for (int i = 0; i < nv; ++i) {
    Real s = 0;
    for (int j = 0; j < nv; ++j)
      s += d.qM[i * nv + j] * vec[j];
    res[i] = s;
  }
}

// dense Cholesky A = L L' in place (lower part); returns false if not positive definite
STAMPEDE_HD bool cholesky_factor(Real* A, int n) {
  for (int j = 0; j < n; ++j) {
    Real s = A[j * n + j];
    for (int k = 0; k < j; ++k)
      s -= A[j * n + k] * A[j * n + k];
    if (!(s > kMinVal)) return false;
    const Real ljj = sqrtf(s);
    A[j * n + j] = ljj;
    const Real inv = 1 / ljj;
    for (int i = j + 1; i < n; ++i) {
      Real t = A[i * n + j];
      for (int k = 0; k < j; ++k)
        t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t * inv;
    }
  }
  return true;
}

// x <- (L L')^-1 x
STAMPEDE_HD void cholesky_solve(const Real* L, int n, Real* x) {
  for (int i = 0; i < n; ++i) {
    Real s = x[i];
    for (int k = 0; k < i; ++k)
      s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    Real s = x[i];
    for (int k = i + 1; k < n; ++k)
      s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
}

}  // namespace stampede
