// Constraint rows of the contacts (MuJoCo's mj_instantiateContact and the contact part of
// mj_diagApprox, pyramidal cone). Per contact the Jacobian of the contact point on geom2's body
// minus that on geom1's body is rotated into the contact frame: row 0 the normal, rows 1-2 the
// tangents, rows 3-5 (condim 4 and 6) the rotations about normal and tangents. condim 1 gives one
// frictionless row; condim n > 1 gives 2(n - 1) pyramid edges J_normal +- mu_k J_k. Each row's
// diagonal approximation is the bodies' summed translational invweight0, scaled by 1 + mu_k^2 for
// the edges (rotational invweight0 for the rotation edges).
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/point_jacobian.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// constraint rows one contact of dimension condim needs (pyramidal cone)
STAMPEDE_HD constexpr int contact_rows(int condim) {
  return condim == 1 ? 1 : 2 * (condim - 1);
}

// jacp (3 x nv) and, when jacr is not null, jacr (3 x nv) += sign * the Jacobian of a point
// fixed to `body`
template <class D>
STAMPEDE_HD void add_point_jacobian(const Model& m, const D& d, int body, const Real* point,
                                    Real sign, Real (*jacp)[D::Sizes::kNv],
                                    Real (*jacr)[D::Sizes::kNv]) {
  for_each_point_dof(m, d, body, point, [&](int j, const Real* lin, const Real* ang) {
    for (int k = 0; k < 3; ++k) {
      jacp[k][j] += sign * lin[k];
      if (jacr) jacr[k][j] += sign * ang[k];
    }
  });
}

// appends a row; false (and d.overflow set) if the data has no room, which DataT::fits rules out
template <class D>
STAMPEDE_HD bool add_constraint_row(const Model& m, D& d, int type, int id, const Real* jac,
                                    Real pos, Real margin, Real diag) {
  const int r = d.nefc;
  if (r >= D::Sizes::kEfcCapacity) {
    d.overflow = 1;
    return false;
  }
  d.efc_type[r] = type;
  d.efc_id[r] = id;
  for (int j = 0; j < m.nv; ++j)
    d.efc_J[r][j] = jac[j];
  d.efc_pos[r] = pos;
  d.efc_margin[r] = margin;
  d.efc_diagApprox[r] = diag;
  d.nefc = r + 1;
  return true;
}

// the rows of contact c
template <class D>
STAMPEDE_HD void instantiate_contact(const Model& m, D& d, int c) {
  constexpr int kNv = D::Sizes::kNv;
  const int nv = m.nv;
  const int p = d.contact_pair[c];
  const int dim = m.pair_dim[p];
  const int b1 = m.geom_bodyid[m.pair_geom1[p]], b2 = m.geom_bodyid[m.pair_geom2[p]];

  // Jacobian difference (translation, then rotation) in world axes
  Real dif[6][kNv];
  for (int k = 0; k < 6; ++k)
    for (int j = 0; j < nv; ++j)
      dif[k][j] = 0;
  Real(*difr)[kNv] = dim > 3 ? dif + 3 : nullptr;
  add_point_jacobian(m, d, b2, d.contact_pos[c], 1.0f, dif, difr);
  add_point_jacobian(m, d, b1, d.contact_pos[c], -1.0f, dif, difr);

  // rotated into the contact frame: row k of the frame times the translation (k < 3) or the
  // rotation (k >= 3, frame row k - 3) part
  Real jac[6][kNv];
  const Real* frame = d.contact_frame[c];
  for (int k = 0; k < dim; ++k) {
    const Real* axis = frame + 3 * (k < 3 ? k : k - 3);
    const Real(*part)[kNv] = k < 3 ? dif : dif + 3;
    for (int j = 0; j < nv; ++j)
      jac[k][j] = axis[0] * part[0][j] + axis[1] * part[1][j] + axis[2] * part[2][j];
  }

  const Real tran = m.body_invweight0[b1][0] + m.body_invweight0[b2][0];
  const Real rot = m.body_invweight0[b1][1] + m.body_invweight0[b2][1];
  const Real dist = d.contact_dist[c];
  const Real include = m.pair_margin[p] - m.pair_gap[p];
  d.contact_efc_address[c] = d.nefc;
  if (dim == 1) {
    add_constraint_row(m, d, kCnstrContactFrictionless, c, jac[0], dist, include, tran);
    return;
  }
  Real edge[kNv];
  for (int k = 1; k < dim; ++k) {
    const Real mu = m.pair_friction[p][k - 1];
    const Real diag = tran + mu * mu * (k - 1 < 2 ? tran : rot);
    for (int sign = 1; sign >= -1; sign -= 2) {
      for (int j = 0; j < nv; ++j)
        edge[j] = jac[0][j] + sign * mu * jac[k][j];
      add_constraint_row(m, d, kCnstrContactPyramidal, c, edge, dist, include, diag);
    }
  }
}

template <class D>
STAMPEDE_HD void instantiate_contacts(const Model& m, D& d) {
  if constexpr (D::Sizes::kConCapacity == 0) return;
  if ((m.opt.disableflags & kDsblContact) || m.nv == 0) return;
  for (int c = 0; c < d.ncon; ++c) {
    d.contact_efc_address[c] = -1;
    if (!d.contact_exclude[c]) instantiate_contact(m, d, c);
  }
}

}  // namespace stampede
