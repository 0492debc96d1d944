// Motor actuators on joints: force = gear * ctrl, with ctrl clamped to ctrlrange in a local copy
// (d.ctrl keeps the raw action, so control costs see what the policy asked for).
#pragma once

#include "core/hd.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

template <class D>
STAMPEDE_HD void actuation(const Model& m, D& d) {
  for (int j = 0; j < m.nv; ++j)
    d.qfrc_actuator[j] = 0;
  if (m.opt.disableflags & kDsblActuation) {
    for (int u = 0; u < m.nu; ++u)
      d.actuator_force[u] = 0;
    return;
  }
  const bool clamp = !(m.opt.disableflags & kDsblClampCtrl);
  for (int u = 0; u < m.nu; ++u) {
    Real c = d.ctrl[u];
    if (clamp && m.actuator_ctrllimited[u]) {
      const Real lo = m.actuator_ctrlrange[u][0], hi = m.actuator_ctrlrange[u][1];
      c = c < lo ? lo : (c > hi ? hi : c);
    }
    d.actuator_force[u] = c;  // motor: unit gain, no bias
    d.qfrc_actuator[m.jnt_dofadr[m.actuator_trnid[u]]] += m.actuator_gear[u] * c;
  }
}

}  // namespace stampede
