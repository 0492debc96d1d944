// Narrow phase against boxes, as MuJoCo 3.3.7 computes it (engine_collision_box.c). Box geoms
// are geom2 of their pair (the box type is the highest of the supported ones).
//
// Capsule against box follows MuJoCo's two-phase scheme: find the point of the capsule's segment
// nearest the box (its ends against the faces, then the segment against the 12 edges), then pick
// a second point along the segment by MuJoCo's rules for a segment lying along a face or an edge;
// each point is collided with the box as a sphere of the capsule's radius. The rules are
// heuristics, not geometry, so they are reproduced branch for branch, including MuJoCo's
// quirks (the search starts from a sentinel that is not a squared distance; the edge's clamp
// state is kept when a later clamp moves the edge point back inside).
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

// Float stand-ins for MuJoCo's double-precision tests, which are exact-tie and exact-parallel
// tests in effect. A capsule whose axis is parallel to a box axis or face (as authored poses and
// resting capsules are) has axis components of ~1e-16 or 0 in MuJoCo's doubles and ~1e-8 in
// float, and MuJoCo's rules read their signs. The engine sets components below kAxisSnap to zero
// and answers as MuJoCo does for the capsule turned by an infinitesimal positive amount in them:
// their sign bits are set, and (for such an axis only) candidates nearer than the best by no
// more than rounding (kTieRelative x the coordinates' scale, in distance) are ranked by how their
// squared distance changes under that turn, then by MuJoCo's order. Where MuJoCo's own answer does
// not depend on the sign of its rounding (scripts/gen_collider_goldens.py keeps only such poses),
// this is its answer; the edges such an axis parallels are skipped, as MuJoCo skips them (det <
// mjMINVAL).
inline constexpr Real kAxisSnap = 1e-6f;
inline constexpr Real kTieRelative = 1e-6f;

// the capsule in the box's frame, and the box
struct CapsuleInBox {
  Real center[3], axis[3], half[3];  // half = axis x half-length
  Real turn[3];                      // 1 where the axis component was snapped to zero
  Real half_length, radius;
  const Real* size;
  Real tie;  // distances this close are equal
};

// what the search of the segment point nearest the box found (MuJoCo's cltype and friends)
struct SegmentBoxNearest {
  enum Kind { kNone, kEnd, kEdge } kind = kNone;
  Real dist_sq = 0;        // the best squared distance (the search starts at MuJoCo's sentinel)
  Real slope = 0;          // its change under the infinitesimal turn (CapsuleInBox::turn)
  Real seg = 0;            // segment parameter of the nearest point, in [-1, 1]
  Real edge_t = 0;         // kEdge: position along the edge, in [-1, 1]
  bool at_corner = false;  // kEdge: the edge point was clamped to the edge's upper or lower end
  int corner = 0;          // kEdge: the box corner (bit k set: +size[k]) at the clamped end, or
                           // the edge's lower corner
  int edge = 0;            // kEdge: the edge's axis
  int face = -1;           // kEnd: the axis whose slab the end lies outside, -1 when inside
};

// whether a candidate (squared distance, slope) beats the best so far; `strict_by` is MuJoCo's
// margin for the comparison (0 for the ends, mjMINVAL for the edges)
STAMPEDE_HD bool nearer(const CapsuleInBox& c, const SegmentBoxNearest& best, Real dist_sq,
                        Real slope, Real strict_by) {
  if (best.kind == SegmentBoxNearest::kNone) return dist_sq < best.dist_sq - strict_by;
  const Real band = strict_by + c.tie * sqrtf(best.dist_sq);
  if (dist_sq < best.dist_sq - band) return true;
  if (dist_sq > best.dist_sq + band) return false;
  // a tie up to rounding: the turn decides, else the order; slopes carry rounding of their own
  // (an edge the segment passes exactly through has slope 0 up to ~1e-9), which the band of a
  // zero best distance would not cover
  return slope < best.slope - (band + 2 * c.half_length * c.tie);
}

// the segment end (center + seg * half, seg = -1 then 1) nearest the box, among ends that lie
// outside at most one of the box's slabs (beside a face, or inside)
STAMPEDE_HD void nearest_end(SegmentBoxNearest& best, const CapsuleInBox& c) {
  for (int seg = -1; seg <= 1; seg += 2) {
    int outside = 0, face = -1;
    Real dist_sq = 0, slope = 0;
    for (int k = 0; k < 3; ++k) {
      const Real x = c.center[k] + seg * c.half[k];
      const Real clamped = x < -c.size[k] ? -c.size[k] : (x > c.size[k] ? c.size[k] : x);
      if (clamped != x) {
        ++outside;
        face = k;
      }
      dist_sq += (x - clamped) * (x - clamped);
      slope += 2 * (x - clamped) * seg * c.half_length * c.turn[k];
    }
    if (outside > 1) continue;
    if (nearer(c, best, dist_sq, slope, 0))
      best = {SegmentBoxNearest::kEnd, dist_sq, slope, Real(seg), 0, false, 0, 0, face};
  }
}

// closest points of the segment and each box edge: edge j through its midpoint m (the corner of
// bit pattern i with coordinate j zeroed) as m + x1 size[j] e_j, the segment as center + x2 half
STAMPEDE_HD void nearest_edge(SegmentBoxNearest& best, const CapsuleInBox& c) {
  const Real* half = c.half;
  const Real* size = c.size;
  const Real len_sq = c.half_length * c.half_length;
  for (int j = 0; j < 3; ++j) {
    const int k = (j + 1) % 3, l = (j + 2) % 3;
    // the axis's component across the edge; MuJoCo's determinant is size[j]^2 times it, formed
    // here without its cancellation
    const Real across_sq = half[k] * half[k] + half[l] * half[l];
    if (size[j] * size[j] * across_sq < kMinVal) continue;
    for (int i = 0; i < 8; ++i) {
      if (i & (1 << j)) continue;
      Real d[3];  // from the segment's center to the edge's midpoint
      for (int a = 0; a < 3; ++a)
        d[a] = (a == j ? 0 : (i & (1 << a) ? size[a] : -size[a])) - c.center[a];
      const Real s = size[j];
      const Real proj = dot3(half, d);  // MuJoCo's v; its u is -s d[j] and its mb -s half[j]
      Real x2 = (half[k] * d[k] + half[l] * d[l]) / across_sq;
      Real x1 = (half[j] * x2 - d[j]) / s;
      int clamp1 = 1;  // 0, 1, 2: edge point at its lower end, inside, at its upper end
      if (x1 > 1) {
        x1 = 1;
        clamp1 = 2;
        x2 = (proj + s * half[j]) / len_sq;
      } else if (x1 < -1) {
        x1 = -1;
        clamp1 = 0;
        x2 = (proj - s * half[j]) / len_sq;
      }
      if (x2 > 1 || x2 < -1) {
        x2 = x2 > 1 ? 1 : -1;
        x1 = (x2 * half[j] - d[j]) / s;
        if (x1 > 1) {
          x1 = 1;
          clamp1 = 2;
        } else if (x1 < -1) {
          x1 = -1;
          clamp1 = 0;
        }
      }
      Real gap[3];
      for (int a = 0; a < 3; ++a)
        gap[a] = d[a] - x2 * half[a];
      gap[j] += s * x1;
      const Real dist_sq = dot3(gap, gap);
      // the closest points held fixed (they are optimal, so to first order that is exact)
      const Real slope = -2 * x2 * c.half_length * dot3(gap, c.turn);
      if (nearer(c, best, dist_sq, slope, kMinVal)) {
        best = {SegmentBoxNearest::kEdge,       dist_sq, slope, x2, x1, clamp1 != 1,
                i + (clamp1 == 2 ? 1 << j : 0), j,       -1};
      }
    }
  }
}

// MuJoCo's second point, as an offset along the segment from the nearest one; returns false
// where MuJoCo adds none (the segment points at or away from the box, or stands on it)
STAMPEDE_HD bool second_segment_offset(Real* offset, const SegmentBoxNearest& near,
                                       const CapsuleInBox& c) {
  const Real* half = c.half;
  const Real* axis = c.axis;
  const Real* size = c.size;
  int axisdir = 0;  // the octant the axis points to, as corner bits (turned components: +)
  for (int k = 0; k < 3; ++k)
    if (half[k] > 0 || c.turn[k] > 0) axisdir |= 1 << k;

  if (near.kind == SegmentBoxNearest::kEdge && near.at_corner) {
    int rel = axisdir ^ near.corner;
    if (rel == 0 || rel == 7) return false;  // along the corner's diagonal
    Real sign = 1, toward_end = 1 - near.seg, away_end = 1 + near.seg;
    if (rel == 3 || rel == 5 || rel == 6) {
      sign = -1;
      rel = 7 - rel;
      toward_end = 1 + near.seg;
      away_end = 1 - near.seg;
    }
    const int ax = rel == 1 ? 0 : (rel == 2 ? 1 : 2);
    if (axis[ax] * axis[ax] > 0.5f) {  // along the edge from the corner
      *offset = sign * fminf(toward_end, 2 * size[ax] / fabsf(half[ax]));
    } else {  // across a face
      const int ax1 = (ax + 1) % 3, ax2 = (ax + 2) % 3;
      *offset = -sign * fminf(away_end, fminf(2 * size[ax1] / fabsf(half[ax1]),
                                              2 * size[ax2] / fabsf(half[ax2])));
    }
    return true;
  }

  if (near.kind == SegmentBoxNearest::kEdge) {  // the middle of an edge
    const int rel = (axisdir ^ near.corner) & (7 - (1 << near.edge));
    if (rel != 1 && rel != 2 && rel != 4) return false;  // crossing the edge at a right angle
    const int ax = near.edge;
    // ax2: of the two axes across the edge, the one the capsule's axis has the larger
    // component along (the later one on a tie, as in MuJoCo)
    int ax1 = (ax + 1) % 3;
    if (fabsf(axis[ax1]) > fabsf(axis[(ax + 2) % 3])) ax1 = (ax + 2) % 3;
    const int ax2 = 3 - ax - ax1;
    const bool up = (rel >> ax2) & 1;
    const Real sign = up ? 1 : -1;
    Real reach = up ? 1 - near.seg : 1 + near.seg;
    reach = fminf(reach, 2 * size[ax2] / fabsf(half[ax2]));
    const bool same = ((axisdir >> ax) & 1) == ((rel >> ax2) & 1);
    reach = fminf(reach, size[ax] * (same ? 1 - near.edge_t : 1 + near.edge_t) / fabsf(half[ax]));
    *offset = sign * reach;
    return true;
  }

  // an end beside a face: toward the other end, as far as the segment stays over the face
  if (near.face == -1) return false;  // the end is inside the box
  const Real sign = near.seg < 0 ? 1 : -1;
  Real reach = 2;
  for (int k = 0; k < 3; ++k) {
    if (k == near.face) continue;
    const Real end = c.center[k] + near.seg * half[k];
    for (int side = -1; side <= 1; side += 2) {
      const Real t = (side * size[k] - end) / half[k] * sign;
      if (t > 0 && t < reach) reach = t;
    }
  }
  *offset = sign * reach;
  return true;
}

// capsule (geom1) against a box: up to two contacts
STAMPEDE_HD int collide_capsule_box(RawContact* con, Real margin, const GeomPose& cap,
                                    const GeomPose& box) {
  CapsuleInBox c;
  c.radius = cap.size[0];
  c.half_length = cap.size[1];
  c.size = box.size;
  Real rel[3], world_axis[3];
  sub3(rel, cap.pos, box.pos);
  mat_t_vec3(c.center, box.mat, rel);
  geom_axis(world_axis, cap.mat, 2);
  mat_t_vec3(c.axis, box.mat, world_axis);
  for (int k = 0; k < 3; ++k) {
    c.turn[k] = fabsf(c.axis[k]) < kAxisSnap ? 1 : 0;
    if (c.turn[k] > 0) c.axis[k] = 0;
    c.half[k] = c.axis[k] * c.half_length;
  }
  const Real* size = box.size;
  const Real scale = fmaxf(
      fmaxf(fabsf(c.center[0]), fabsf(c.center[1])),
      fmaxf(fmaxf(fabsf(c.center[2]), c.half_length), fmaxf(size[0], fmaxf(size[1], size[2]))));
  // ties are exact only for an axis parallel to a box axis or face; elsewhere float's rounding
  // is finer than the differences MuJoCo's comparisons resolve, so they stay strict there
  c.tie = c.turn[0] + c.turn[1] + c.turn[2] > 0 ? kTieRelative * scale : 0;

  SegmentBoxNearest near;
  near.dist_sq = margin + 2 * (c.radius + c.half_length + size[0] + size[1] + size[2]);
  nearest_end(near, c);
  nearest_edge(near, c);
  if (near.kind == SegmentBoxNearest::kNone) return 0;

  Real offset = 0;
  const bool second = second_segment_offset(&offset, near, c);
  int n = 0;
  for (int p = 0; p < (second ? 2 : 1); ++p) {
    const Real t = near.seg + (p ? offset : 0);
    Real local[3], world[3];
    for (int k = 0; k < 3; ++k)
      local[k] = c.center[k] + t * c.half[k];
    mat_vec3(world, box.mat, local);
    for (int k = 0; k < 3; ++k)
      world[k] += box.pos[k];
    const GeomPose sphere{world, cap.mat, cap.size};
    n += collide_sphere_box(con + n, margin, sphere, box);
  }
  return n;
}

}  // namespace stampede
