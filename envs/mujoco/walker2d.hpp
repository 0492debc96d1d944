// Walker2d-v5 (walker2d_v5.py, walker2d_v5.xml: both feet friction 1.9): a planar biped on a
// floor; the v5 walker rules of planar_walker.hpp. Healthy: torso height qpos[1] within
// (0.8, 2.0) and angle qpos[2] within (-1, 1). Contacts: the seven capsules against the floor
// (condim 3, up to 2 contacts each).
#pragma once

#include "envs/mujoco/planar_walker.hpp"

namespace stampede {

// capacities: 12 limit rows; 14 floor contacts x 4 rows
using Walker2dSizes = DataSizes<9, 9, 8, 9, 8, 0, 6, 68, 14>;

struct Walker2d : PlanarWalker<Walker2d, 9, 9, 6, Walker2dSizes> {
  static constexpr const char* kName = "walker2d";
  static constexpr const char* kGymId = "Walker2d-v5";

  float healthy_z_min = 0.8f, healthy_z_max = 2.0f;
  float healthy_angle_max = 1.0f;

  STAMPEDE_HD bool healthy(const float* qpos, const float*) const {
    return qpos[1] > healthy_z_min && qpos[1] < healthy_z_max && qpos[2] > -healthy_angle_max &&
           qpos[2] < healthy_angle_max;
  }
};

}  // namespace stampede
