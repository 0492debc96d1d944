// Narrow phase for planes, spheres and capsules, as MuJoCo 3.3.7 computes it
// (engine_collision_primitive.c): each collider reports the contacts of two geoms that lie within
// `margin`, with MuJoCo's distance, position (midway between the surfaces) and normal (pointing
// from geom1 to geom2, geom1 being the geom of the lower type). Capsule contacts against a plane
// carry the capsule axis as the first tangent, which fixes the friction pyramid's orientation.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// the most contacts one pair of geoms can produce (plane-box: 4, box-box: 8)
inline constexpr int kMaxContactsPerPair = 8;

// Centers closer than this count as coincident. MuJoCo's test is mjMINVAL (1e-15) in double, ~10
// ulps of a metre-sized coordinate; this is the float equivalent. It matters: crossing capsules of
// a planar robot (Hopper's links) meet at one point, their centers coincide up to rounding, and
// MuJoCo then takes the normal out of the plane (z1 x z2); a normal from rounding noise would
// push within the plane instead.
inline constexpr Real kCoincidentCenters = 1e-5f;

// one contact as a collider reports it; frame[3..5] is a tangent hint, zero when the frame is
// left to complete_contact_frame
struct RawContact {
  Real dist;
  Real pos[3];
  Real frame[6];
};

// a geom's world pose and size (the collider's view of it)
struct GeomPose {
  const Real* pos;
  const Real* mat;  // row-major; column k is the geom's k-th axis
  const Real* size;
};

STAMPEDE_HD void geom_axis(Real* axis, const Real* mat, int k) {
  axis[0] = mat[k];
  axis[1] = mat[3 + k];
  axis[2] = mat[6 + k];
}

STAMPEDE_HD void set_normal(RawContact& c, const Real* normal) {
  for (int k = 0; k < 3; ++k) {
    c.frame[k] = normal[k];
    c.frame[3 + k] = 0;
  }
}

// plane (its z axis is the normal) against a sphere of radius r at center
STAMPEDE_HD int collide_plane_sphere(RawContact* con, Real margin, const Real* plane_pos,
                                     const Real* plane_mat, const Real* center, Real r) {
  Real normal[3], rel[3];
  geom_axis(normal, plane_mat, 2);
  sub3(rel, center, plane_pos);
  const Real height = dot3(rel, normal);
  if (height > margin + r) return 0;
  con->dist = height - r;
  const Real back = -con->dist / 2 - r;  // from the center to the midpoint between surfaces
  for (int k = 0; k < 3; ++k)
    con->pos[k] = center[k] + back * normal[k];
  set_normal(*con, normal);
  return 1;
}

// plane against a capsule: a sphere test at each end of the segment, tangent along the axis
STAMPEDE_HD int collide_plane_capsule(RawContact* con, Real margin, const GeomPose& plane,
                                      const GeomPose& cap) {
  Real axis[3], end[3];
  geom_axis(axis, cap.mat, 2);
  const Real half = cap.size[1];
  int n = 0;
  for (int side = 1; side >= -1; side -= 2) {
    for (int k = 0; k < 3; ++k)
      end[k] = cap.pos[k] + side * half * axis[k];
    if (collide_plane_sphere(con + n, margin, plane.pos, plane.mat, end, cap.size[0])) {
      copy3(con[n].frame + 3, axis);
      ++n;
    }
  }
  return n;
}

// plane against a box: the corners below the margin that lie on the plane's side of the
// center, in corner order, at most 4
STAMPEDE_HD int collide_plane_box(RawContact* con, Real margin, const GeomPose& plane,
                                  const GeomPose& box) {
  Real normal[3], rel[3];
  geom_axis(normal, plane.mat, 2);
  sub3(rel, box.pos, plane.pos);
  const Real center_height = dot3(rel, normal);
  int n = 0;
  for (int i = 0; i < 8; ++i) {
    const Real local[3] = {i & 1 ? box.size[0] : -box.size[0], i & 2 ? box.size[1] : -box.size[1],
                           i & 4 ? box.size[2] : -box.size[2]};
    Real corner[3];
    mat_vec3(corner, box.mat, local);
    const Real drop = dot3(normal, corner);
    if (center_height + drop > margin || drop > 0) continue;
    RawContact& c = con[n];
    c.dist = center_height + drop;
    for (int k = 0; k < 3; ++k)
      c.pos[k] = corner[k] + box.pos[k] - c.dist / 2 * normal[k];
    set_normal(c, normal);
    if (++n == 4) break;
  }
  return n;
}

// two spheres (radii r1, r2); mat1 and mat2 give the normal when the centers coincide
STAMPEDE_HD int collide_sphere_sphere(RawContact* con, Real margin, const Real* c1,
                                      const Real* mat1, Real r1, const Real* c2, const Real* mat2,
                                      Real r2) {
  Real rel[3];
  sub3(rel, c1, c2);
  const Real reach = margin + r1 + r2;
  const Real dist_sq = dot3(rel, rel);
  if (dist_sq > reach * reach) return 0;
  con->dist = sqrtf(dist_sq) - r1 - r2;
  Real normal[3];
  sub3(normal, c2, c1);
  if (normalize3(normal) < kCoincidentCenters) {
    // concentric: the normal is the cross product of the z axes ((1, 0, 0) when parallel)
    Real z1[3], z2[3];
    geom_axis(z1, mat1, 2);
    geom_axis(z2, mat2, 2);
    cross3(normal, z1, z2);
    normalize3(normal);
  }
  const Real reach1 = r1 + con->dist / 2;
  for (int k = 0; k < 3; ++k)
    con->pos[k] = c1[k] + reach1 * normal[k];
  set_normal(*con, normal);
  return 1;
}

// sphere against a capsule: the sphere against the nearest point of the capsule's segment
STAMPEDE_HD int collide_sphere_capsule(RawContact* con, Real margin, const GeomPose& sph,
                                       const GeomPose& cap) {
  Real axis[3], rel[3];
  geom_axis(axis, cap.mat, 2);
  sub3(rel, sph.pos, cap.pos);
  const Real half = cap.size[1];
  Real t = dot3(axis, rel);
  t = t < -half ? -half : (t > half ? half : t);
  Real nearest[3];
  for (int k = 0; k < 3; ++k)
    nearest[k] = cap.pos[k] + t * axis[k];
  return collide_sphere_sphere(con, margin, sph.pos, sph.mat, sph.size[0], nearest, cap.mat,
                               cap.size[0]);
}

STAMPEDE_HD Real clamp_unit(Real x) {
  return x < -1 ? -1 : (x > 1 ? 1 : x);
}

// sphere test between the points at segment parameters t1, t2 (in [-1, 1]) of two capsules
STAMPEDE_HD int collide_segment_points(RawContact* con, Real margin, const GeomPose& a,
                                       const Real* half_a, Real t1, const GeomPose& b,
                                       const Real* half_b, Real t2) {
  Real p1[3], p2[3];
  for (int k = 0; k < 3; ++k) {
    p1[k] = a.pos[k] + t1 * half_a[k];
    p2[k] = b.pos[k] + t2 * half_b[k];
  }
  return collide_sphere_sphere(con, margin, p1, a.mat, a.size[0], p2, b.mat, b.size[0]);
}

// two capsules: the closest points of their segments; parallel segments can touch along a
// stretch, so they get up to two contacts from the segment ends
STAMPEDE_HD int collide_capsule_capsule(RawContact* con, Real margin, const GeomPose& a,
                                        const GeomPose& b) {
  Real half_a[3], half_b[3], rel[3];
  geom_axis(half_a, a.mat, 2);
  geom_axis(half_b, b.mat, 2);
  for (int k = 0; k < 3; ++k) {
    half_a[k] *= a.size[1];
    half_b[k] *= b.size[1];
  }
  sub3(rel, a.pos, b.pos);
  // minimise |rel + t1 half_a - t2 half_b|^2: normal equations [aa ab; ab bb] with ab = -a.b
  const Real aa = dot3(half_a, half_a);
  const Real ab = -dot3(half_a, half_b);
  const Real bb = dot3(half_b, half_b);
  const Real u = -dot3(half_a, rel);
  const Real v = dot3(half_b, rel);
  // det = aa bb - ab^2 and the two numerators through Lagrange's identity, as cross products:
  // in float the difference forms cancel to rounding noise for (near-)parallel axes, where
  // MuJoCo's doubles still take the parallel branch below
  Real axb[3], bxr[3], axr[3];
  cross3(axb, half_a, half_b);
  cross3(bxr, half_b, rel);
  cross3(axr, half_a, rel);
  const Real det = dot3(axb, axb);

  if (det >= kMinVal) {
    Real t1 = dot3(axb, bxr) / det;  // = (bb u - ab v) / det
    Real t2 = dot3(axb, axr) / det;  // = (aa v - ab u) / det
    if (t1 > 1) {
      t1 = 1;
      t2 = (v - ab) / bb;
    } else if (t1 < -1) {
      t1 = -1;
      t2 = (v + ab) / bb;
    }
    if (t2 > 1) {
      t2 = 1;
      t1 = clamp_unit((u - ab) / aa);
    } else if (t2 < -1) {
      t2 = -1;
      t1 = clamp_unit((u + ab) / aa);
    }
    return collide_segment_points(con, margin, a, half_a, t1, b, half_b, t2);
  }

  // parallel: the ends of a against b, then (while fewer than two) the ends of b against a
  int n = collide_segment_points(con, margin, a, half_a, 1, b, half_b, clamp_unit((v - ab) / bb));
  n += collide_segment_points(con + n, margin, a, half_a, -1, b, half_b, clamp_unit((v + ab) / bb));
  if (n >= 2) return n;
  n += collide_segment_points(con + n, margin, a, half_a, clamp_unit((u - ab) / aa), b, half_b, 1);
  if (n >= 2) return n;
  n += collide_segment_points(con + n, margin, a, half_a, clamp_unit((u + ab) / aa), b, half_b, -1);
  return n;
}

}  // namespace stampede
