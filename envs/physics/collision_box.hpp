// Narrow phase against boxes, as MuJoCo 3.3.7 computes it (engine_collision_box.c). Box geoms
// are geom2 of their pair (the box type is the highest of the supported ones).
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/collision_primitive.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// sphere against a box: the sphere against the box point nearest its center, or, with the
// center inside the box, against the nearest face
STAMPEDE_HD int collide_sphere_box(RawContact* con, Real margin, const GeomPose& sph,
                                   const GeomPose& box) {
  const Real r = sph.size[0];
  Real rel[3], center[3];
  sub3(rel, sph.pos, box.pos);
  mat_t_vec3(center, box.mat, rel);  // sphere center in the box frame
  Real clamped[3], dir[3];
  for (int k = 0; k < 3; ++k) {
    const Real s = box.size[k];
    clamped[k] = center[k] < -s ? -s : (center[k] > s ? s : center[k]);
    dir[k] = clamped[k] - center[k];
  }
  Real dist = normalize3(dir);
  if (dist - r > margin) return 0;

  Real local_pos[3], local_normal[3];
  if (dist <= kMinVal) {
    // inside: leave through the nearest face; the normal points from the sphere into the box
    Real closest = 2 * (box.size[0] + box.size[1] + box.size[2]);
    int face = 0;
    for (int i = 0; i < 6; ++i) {
      const Real gap = fabsf((i % 2 ? 1 : -1) * box.size[i / 2] - center[i / 2]);
      if (closest > gap) {
        closest = gap;
        face = i;
      }
    }
    local_normal[0] = local_normal[1] = local_normal[2] = 0;
    local_normal[face / 2] = face % 2 ? -1 : 1;
    for (int k = 0; k < 3; ++k)
      local_pos[k] = center[k] + (r - closest) / 2 * local_normal[k];
    dist = -closest;
  } else {
    // midway between the box's nearest point and the sphere's deepest one
    for (int k = 0; k < 3; ++k) {
      const Real deepest = center[k] + r * dir[k];
      local_pos[k] = 0.5f * clamped[k] + 0.5f * deepest;
      local_normal[k] = dir[k];
    }
  }
  Real normal[3], offset[3];
  mat_vec3(normal, box.mat, local_normal);
  mat_vec3(offset, box.mat, local_pos);
  for (int k = 0; k < 3; ++k)
    con->pos[k] = offset[k] + box.pos[k];
  con->dist = dist - r;
  set_normal(*con, normal);
  return 1;
}

}  // namespace stampede
