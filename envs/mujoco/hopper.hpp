// Hopper-v5 (hopper_v5.py, hopper.xml): a one-legged hopper on a floor; the v5 walker rules of
// planar_walker.hpp. Healthy: every entry of qpos[2:] and qvel within (-100, 100), the torso
// height qpos[1] above 0.7 and its angle qpos[2] within (-0.2, 0.2). Contacts: the four capsules
// against the floor (condim 3, up to 2 contacts each) and three frictionless link pairs.
#pragma once

#include "envs/mujoco/planar_walker.hpp"

namespace stampede {

// capacities: 6 limit rows; 8 floor contacts x 4 rows; 6 link contacts x 1 row
using HopperSizes = DataSizes<6, 6, 5, 6, 5, 0, 3, 44, 14>;

struct Hopper : PlanarWalker<Hopper, 6, 6, 3, HopperSizes> {
  static constexpr const char* kName = "hopper";
  static constexpr const char* kGymId = "Hopper-v5";

  float healthy_state_max = 100.0f;  // |qpos[2:]|, |qvel| below this
  float healthy_z_min = 0.7f;
  float healthy_angle_max = 0.2f;

  STAMPEDE_HD bool healthy(const float* qpos, const float* qvel) const {
    bool ok =
        qpos[1] > healthy_z_min && qpos[2] > -healthy_angle_max && qpos[2] < healthy_angle_max;
    for (int k = 2; k < kNq; ++k)
      ok = ok && qpos[k] > -healthy_state_max && qpos[k] < healthy_state_max;
    for (int k = 0; k < kNv; ++k)
      ok = ok && qvel[k] > -healthy_state_max && qvel[k] < healthy_state_max;
    return ok;
  }
};

}  // namespace stampede
