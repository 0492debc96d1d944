// Constraint solver, MuJoCo's default: Newton's method on the primal problem
//   qacc = argmin_x  1/2 (x - qacc_smooth)' M (x - qacc_smooth) + sum_active 1/2 D_i (J_i x -
//   aref_i)^2
// where a row is active while J_i x - aref_i < 0. The cost is convex and piecewise quadratic, so
// each Newton direction comes from H = M + J_active' D J_active and the step length from an exact
// line search over the pieces. R > 0 makes the optimum unique, so a converged solve equals
// MuJoCo's up to rounding whatever path it took.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/factor.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

// per-row residuals Jx - aref, and the matching matrix-vector products, kept during the solve
template <class S>
struct NewtonState {
  Real Ma[S::kNv];
  Real grad[S::kNv];
  Real search[S::kNv];
  Real Mv[S::kNv];
  Real jaref[S::kNefc];
  Real jv[S::kNefc];
  Real cost;
  bool factor_ok;  // the Hessian factor in scratch_H is valid
};

template <class D>
STAMPEDE_HD void mul_jac(const Model& m, const D& d, Real* res, const Real* vec) {
  for (int r = 0; r < d.nefc; ++r) {
    Real s = 0;
    for (int j = 0; j < m.nv; ++j)
      s += d.efc_J[r][j] * vec[j];
    res[r] = s;
  }
}

// constraint cost (sum over active rows of 1/2 D jar^2); sets state, force, qfrc_constraint
template <class D>
STAMPEDE_HD Real update_constraint(const Model& m, D& d, const Real* jar) {
  Real cost = 0;
  for (int j = 0; j < m.nv; ++j)
    d.qfrc_constraint[j] = 0;
  for (int r = 0; r < d.nefc; ++r) {
    if (jar[r] >= 0) {
      d.efc_state[r] = kCnstrSatisfied;
      d.efc_force[r] = 0;
      continue;
    }
    d.efc_state[r] = kCnstrQuadratic;
    d.efc_force[r] = -d.efc_D[r] * jar[r];
    cost += 0.5f * d.efc_D[r] * jar[r] * jar[r];
    for (int j = 0; j < m.nv; ++j)
      d.qfrc_constraint[j] += d.efc_J[r][j] * d.efc_force[r];
  }
  return cost;
}

// 1/2 (Ma - qfrc_smooth)' (qacc - qacc_smooth)
template <class D>
STAMPEDE_HD Real gauss_cost(const Model& m, const D& d, const Real* Ma, const Real* qacc) {
  Real c = 0;
  for (int j = 0; j < m.nv; ++j)
    c += 0.5f * (Ma[j] - d.qfrc_smooth[j]) * (qacc[j] - d.qacc_smooth[j]);
  return c;
}

// H = M + J_active' D J_active, Cholesky-factored into d.scratch_H
template <class D>
STAMPEDE_HD bool factor_hessian(const Model& m, D& d) {
  const int nv = m.nv;
  Real* H = d.scratch_H;
  for (int k = 0; k < nv * nv; ++k)
    H[k] = d.qM[k];
  for (int r = 0; r < d.nefc; ++r) {
    if (d.efc_state[r] != kCnstrQuadratic) continue;
    const Real* J = d.efc_J[r];
    for (int i = 0; i < nv; ++i) {
      if (J[i] == 0) continue;
      const Real dji = d.efc_D[r] * J[i];
      for (int j = 0; j <= i; ++j)
        H[i * nv + j] += dji * J[j];
    }
  }
  return cholesky_factor(H, nv);
}

// first and second derivative of the cost along the search direction at step alpha
template <class D>
STAMPEDE_HD void line_derivs(const D& d, const Real* quad_gauss,
                             const NewtonState<typename D::Sizes>& s, Real alpha, Real* d1,
                             Real* d2) {
  Real g1 = quad_gauss[1] + 2 * quad_gauss[2] * alpha;
  Real g2 = 2 * quad_gauss[2];
  for (int r = 0; r < d.nefc; ++r) {
    const Real jar = s.jaref[r] + alpha * s.jv[r];
    if (jar < 0) {
      g1 += d.efc_D[r] * s.jv[r] * jar;
      g2 += d.efc_D[r] * s.jv[r] * s.jv[r];
    }
  }
  *d1 = g1;
  *d2 = g2;
}

// true when some row changes activity between steps a and b
template <class D>
STAMPEDE_HD bool crosses_piece(const D& d, const NewtonState<typename D::Sizes>& s, Real a,
                               Real b) {
  for (int r = 0; r < d.nefc; ++r) {
    if ((s.jaref[r] + a * s.jv[r] < 0) != (s.jaref[r] + b * s.jv[r] < 0)) return true;
  }
  return false;
}

// exact minimisation of the convex piecewise quadratic along s.search: Newton steps inside a
// bracket, finished once a step stays within one quadratic piece (then it is exact)
template <class D>
STAMPEDE_HD Real line_search(const Model& m, const D& d, NewtonState<typename D::Sizes>& s,
                             Real scale) {
  const int nv = m.nv;
  Real snorm = 0;
  for (int j = 0; j < nv; ++j)
    snorm += s.search[j] * s.search[j];
  snorm = sqrtf(snorm);
  if (snorm < kMinVal) return 0;
  const Real gtol = m.opt.tolerance * m.opt.ls_tolerance * snorm / scale;

  mul_mass(m, d, s.Mv, s.search);
  mul_jac(m, d, s.jv, s.search);
  Real quad_gauss[3];
  quad_gauss[1] = 0;
  quad_gauss[2] = 0;
  for (int j = 0; j < nv; ++j) {
    quad_gauss[1] += s.search[j] * (s.Ma[j] - d.qfrc_smooth[j]);
    quad_gauss[2] += 0.5f * s.search[j] * s.Mv[j];
  }

  Real alpha = 0, d1, d2;
  line_derivs(d, quad_gauss, s, alpha, &d1, &d2);
  if (d1 >= 0 || !(d2 > 0)) return 0;  // not a descent direction
  Real lo = 0, hi = INFINITY;
  for (int it = 0; it < m.opt.ls_iterations; ++it) {
    Real next = alpha - d1 / d2;
    const bool newton = next > lo && next < hi;
    if (!newton) {
      // outside the bracket: the Newton step is below float resolution when nothing bounds it
      // above (the step would only ever grow alpha), so alpha is as good as float can tell
      if (!(hi < INFINITY)) break;
      next = 0.5f * (lo + hi);
    }
    if (next == alpha) break;  // no representable progress left
    const bool same_piece = newton && !crosses_piece(d, s, alpha, next);
    alpha = next;
    line_derivs(d, quad_gauss, s, alpha, &d1, &d2);
    if (same_piece || fabsf(d1) < gtol) break;
    if (d1 < 0)
      lo = alpha;
    else
      hi = alpha;
  }
  return alpha;
}

// refresh cost, forces, gradient and Newton direction at the current qacc
template <class D>
STAMPEDE_HD void newton_update(const Model& m, D& d, NewtonState<typename D::Sizes>& s,
                               bool refactor) {
  const int nv = m.nv;
  s.cost = update_constraint(m, d, s.jaref) + gauss_cost(m, d, s.Ma, d.qacc);
  if (refactor) s.factor_ok = factor_hessian(m, d);
  for (int j = 0; j < nv; ++j)
    s.grad[j] = s.Ma[j] - d.qfrc_smooth[j] - d.qfrc_constraint[j];
  for (int j = 0; j < nv; ++j)
    s.search[j] = -s.grad[j];
  if (s.factor_ok)
    cholesky_solve(d.scratch_H, nv, s.search);
  else
    solve_tree_ldl(m, d.qLD, d.qLDiagInv, s.search);  // fall back to M^-1: still descends
}

template <class D>
STAMPEDE_HD void solve_newton(const Model& m, D& d) {
  const int nv = m.nv;
  NewtonState<typename D::Sizes> s;
  mul_mass(m, d, s.Ma, d.qacc);
  mul_jac(m, d, s.jaref, d.qacc);
  for (int r = 0; r < d.nefc; ++r)
    s.jaref[r] -= d.efc_aref[r];
  newton_update(m, d, s, true);

  const Real scale = 1 / (m.stat_meaninertia * (nv > 1 ? nv : 1));
  int iter = 0;
  int32_t old_state[D::Sizes::kNefc];
  while (iter < m.opt.iterations) {
    const Real alpha = line_search(m, d, s, scale);
    if (alpha == 0) break;
    for (int j = 0; j < nv; ++j) {
      d.qacc[j] += alpha * s.search[j];
      s.Ma[j] += alpha * s.Mv[j];
    }
    for (int r = 0; r < d.nefc; ++r)
      s.jaref[r] += alpha * s.jv[r];

    for (int r = 0; r < d.nefc; ++r)
      old_state[r] = d.efc_state[r];
    const Real old_cost = s.cost;
    // the Hessian changes only when a row switches between satisfied and active
    bool changed = false;
    for (int r = 0; r < d.nefc; ++r) {
      const int st = s.jaref[r] < 0 ? kCnstrQuadratic : kCnstrSatisfied;
      changed = changed || st != old_state[r];
    }
    newton_update(m, d, s, changed);
    ++iter;

    Real gnorm = 0;
    for (int j = 0; j < nv; ++j)
      gnorm += s.grad[j] * s.grad[j];
    const Real improvement = scale * (old_cost - s.cost);
    const Real gradient = scale * sqrtf(gnorm);
    if (improvement < m.opt.tolerance || gradient < m.opt.tolerance) break;
  }
  d.solver_niter = iter;
}

// choose the start (last step's qacc or the unconstrained one, whichever costs less), then solve
template <class D>
STAMPEDE_HD void fwd_constraint(const Model& m, D& d) {
  const int nv = m.nv;
  for (int j = 0; j < nv; ++j)
    d.qfrc_constraint[j] = 0;
  d.solver_niter = 0;
  if (d.nefc == 0) {
    for (int j = 0; j < nv; ++j)
      d.qacc[j] = d.qacc_smooth[j];
    return;
  }
  mul_jac(m, d, d.efc_b, d.qacc_smooth);
  for (int r = 0; r < d.nefc; ++r)
    d.efc_b[r] -= d.efc_aref[r];

  if (!(m.opt.disableflags & kDsblWarmstart)) {
    Real jar[D::Sizes::kNefc], Ma[D::Sizes::kNv];
    mul_jac(m, d, jar, d.qacc_warmstart);
    for (int r = 0; r < d.nefc; ++r)
      jar[r] -= d.efc_aref[r];
    mul_mass(m, d, Ma, d.qacc_warmstart);
    const Real cost_warm = update_constraint(m, d, jar) + gauss_cost(m, d, Ma, d.qacc_warmstart);
    const Real cost_smooth = update_constraint(m, d, d.efc_b);
    const Real* start = cost_warm > cost_smooth ? d.qacc_smooth : d.qacc_warmstart;
    for (int j = 0; j < nv; ++j)
      d.qacc[j] = start[j];
  } else {
    for (int j = 0; j < nv; ++j)
      d.qacc[j] = d.qacc_smooth[j];
  }
  solve_newton(m, d);
}

}  // namespace stampede
