// Collision detection, the stage between kinematics and constraints. The candidate geom pairs
// are fixed when the model is built (envs/physics/contact_pairs.hpp applies MuJoCo's filters
// there), so each step walks one list: a bounding-sphere test (MuJoCo's mj_filterSphere), then
// the pair's narrow-phase collider, then the contact frame completed as mju_makeFrame does it.
// Contacts with dist >= margin - gap are kept but excluded from the constraint rows, as in MuJoCo.
#pragma once

#include "core/hd.hpp"
#include "envs/physics/collision_box.hpp"
#include "envs/physics/collision_primitive.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"
#include "envs/physics/spatial.hpp"

namespace stampede {

// The most contacts the engine's collider for (type1, type2), type1 <= type2, can report:
// 0 where MuJoCo has no collider either (plane-plane; the pair is never tested), -1 where MuJoCo
// has one and this engine does not (a model that needs it cannot be simulated faithfully).
STAMPEDE_HD constexpr int collider_max_contacts(int type1, int type2) {
  if (type1 == kGeomPlane) {
    switch (type2) {
      case kGeomPlane:
      case kGeomHfield:
        return 0;
      case kGeomSphere:
        return 1;
      case kGeomCapsule:
        return 2;
      case kGeomBox:
        return 4;
      default:
        return -1;
    }
  }
  if (type1 == kGeomHfield && type2 == kGeomHfield) return 0;
  if (type1 == kGeomSphere) {
    if (type2 == kGeomSphere || type2 == kGeomCapsule || type2 == kGeomBox) return 1;
    return -1;
  }
  if (type1 == kGeomCapsule && (type2 == kGeomCapsule || type2 == kGeomBox)) return 2;
  return -1;
}

// mju_makeFrame: unit normal; the tangent hint (or (0, 1, 0), or (0, 0, 1) when the normal is
// close to y) made orthogonal to it; the second tangent their cross product
STAMPEDE_HD void complete_contact_frame(Real* frame) {
  normalize3(frame);
  Real* t1 = frame + 3;
  if (dot3(t1, t1) < 0.25f) {
    t1[0] = t1[1] = t1[2] = 0;
    if (frame[1] < 0.5f && frame[1] > -0.5f)
      t1[1] = 1;
    else
      t1[2] = 1;
  }
  const Real along = dot3(frame, t1);
  for (int k = 0; k < 3; ++k)
    t1[k] -= along * frame[k];
  normalize3(t1);
  cross3(frame + 6, frame, t1);
}

// MuJoCo's bounding tests: spheres of radius rbound (+ margin) apart, or a geom's bounding
// sphere above a plane
template <class D>
STAMPEDE_HD bool bounds_apart(const Model& m, const D& d, int g1, int g2, Real margin) {
  const Real r1 = m.geom_rbound[g1], r2 = m.geom_rbound[g2];
  if (r1 > 0 && r2 > 0) {
    Real rel[3];
    sub3(rel, d.geom_xpos[g1], d.geom_xpos[g2]);
    const Real reach = r1 + r2 + margin;
    return dot3(rel, rel) > reach * reach;
  }
  // planes have rbound 0 and are always geom1 of their pair
  if (m.geom_type[g1] == kGeomPlane && r2 > 0) {
    Real normal[3], rel[3];
    geom_axis(normal, d.geom_xmat[g1], 2);
    sub3(rel, d.geom_xpos[g2], d.geom_xpos[g1]);
    return dot3(rel, normal) > margin + r2;
  }
  return false;
}

// the pair's collider; returns the number of contacts written to con
template <class D>
STAMPEDE_HD int collide_geoms(const Model& m, const D& d, int g1, int g2, Real margin,
                              RawContact* con) {
  const GeomPose a{d.geom_xpos[g1], d.geom_xmat[g1], m.geom_size[g1]};
  const GeomPose b{d.geom_xpos[g2], d.geom_xmat[g2], m.geom_size[g2]};
  const int t1 = m.geom_type[g1], t2 = m.geom_type[g2];
  if (t1 == kGeomPlane) {
    if (t2 == kGeomSphere) return collide_plane_sphere(con, margin, a.pos, a.mat, b.pos, b.size[0]);
    if (t2 == kGeomCapsule) return collide_plane_capsule(con, margin, a, b);
    if (t2 == kGeomBox) return collide_plane_box(con, margin, a, b);
    return 0;
  }
  if (t1 == kGeomSphere) {
    if (t2 == kGeomSphere)
      return collide_sphere_sphere(con, margin, a.pos, a.mat, a.size[0], b.pos, b.mat, b.size[0]);
    if (t2 == kGeomCapsule) return collide_sphere_capsule(con, margin, a, b);
    if (t2 == kGeomBox) return collide_sphere_box(con, margin, a, b);
    return 0;
  }
  if (t1 == kGeomCapsule) {
    if (t2 == kGeomCapsule) return collide_capsule_capsule(con, margin, a, b);
    if (t2 == kGeomBox) return collide_capsule_box(con, margin, a, b);
    return 0;
  }
  return 0;
}

// d.ncon and the contact arrays from the geom frames of kinematics()
template <class D>
STAMPEDE_HD void collision(const Model& m, D& d) {
  d.ncon = 0;
  // data without contact capacity belongs to a model without pairs (DataT::fits)
  if constexpr (D::Sizes::kConCapacity == 0) return;
  if (m.opt.disableflags & (kDsblConstraint | kDsblContact)) return;
  for (int p = 0; p < m.npair; ++p) {
    const int g1 = m.pair_geom1[p], g2 = m.pair_geom2[p];
    const Real margin = m.pair_margin[p];
    if (bounds_apart(m, d, g1, g2, margin)) continue;
    RawContact found[kMaxContactsPerPair];
    const int n = collide_geoms(m, d, g1, g2, margin, found);
    const Real include = margin - m.pair_gap[p];
    for (int k = 0; k < n; ++k) {
      const int c = d.ncon;
      if (c >= D::Sizes::kConCapacity) {  // cannot happen once DataT::fits(m) holds
        d.overflow = 1;
        return;
      }
      d.contact_dist[c] = found[k].dist;
      copy3(d.contact_pos[c], found[k].pos);
      for (int i = 0; i < 6; ++i)
        d.contact_frame[c][i] = found[k].frame[i];
      complete_contact_frame(d.contact_frame[c]);
      d.contact_pair[c] = p;
      d.contact_exclude[c] = found[k].dist >= include ? 1 : 0;
      d.contact_efc_address[c] = -1;
      d.ncon = c + 1;
    }
  }
}

}  // namespace stampede
