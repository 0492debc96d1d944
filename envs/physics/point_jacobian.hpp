// The Jacobian of a point fixed to a body (MuJoCo's mj_jac), walked one dof at a time: the point
// moves with every dof of the body's nearest ancestor that has dofs and with their ancestors'
// dofs. Contact rows build their Jacobians from it, applied forces project through it.
#pragma once

#include "core/hd.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// f(dof, lin, ang) for each dof moving `point` (fixed to `body`), lin and ang being the point's
// linear and angular velocity per unit velocity of that dof
template <class D, class F>
STAMPEDE_HD void for_each_point_dof(const Model& m, const D& d, int body, const Real* point,
                                    F&& f) {
  Real offset[3];
  sub3(offset, point, d.subtree_com[m.body_rootid[body]]);
  while (body > 0 && m.body_dofnum[body] == 0)
    body = m.body_parentid[body];
  if (body == 0) return;
  for (int j = m.body_dofadr[body] + m.body_dofnum[body] - 1; j >= 0; j = m.dof_parentid[j]) {
    const Real* c = d.cdof[j];
    Real lin[3];
    cross3(lin, c, offset);
    for (int k = 0; k < 3; ++k)
      lin[k] += c[3 + k];
    f(j, lin, c);
  }
}

}  // namespace stampede
