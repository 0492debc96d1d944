// MJCF inertia: mass and principal inertia of primitive geoms (solid, uniform density), their
// combination into a body inertia about the centre of mass, and principal axes of a full inertia.
#pragma once

#include <vector>

#include "envs/mjcf/frames.hpp"

namespace stampede::mjcf {

// Volume of a geom of MuJoCo type (2 sphere, 3 capsule, 4 ellipsoid, 5 cylinder, 6 box); 0 for a
// plane. size follows MuJoCo: radii and half-lengths.
double geom_volume(int type, const double size[3]);

// Principal inertia about the geom centre in the geom frame for a solid of the given mass.
Vec3 geom_inertia(int type, const double size[3], double mass);

// A point mass distribution's piece: mass, centre and principal inertia with its frame.
struct MassPiece {
  double mass = 0;
  Vec3 pos{0, 0, 0};
  Quat quat{1, 0, 0, 0};
  Vec3 inertia{0, 0, 0};
};

// Principal moments (sorted in decreasing order) and frame of a symmetric inertia given as
// (Ixx, Iyy, Izz, Ixy, Ixz, Iyz). Returns false when an eigenvalue is not positive.
bool principal_inertia(const double full[6], Vec3* moments, Quat* frame);

// Combine pieces into one body inertia about their joint centre of mass, in principal axes,
// as the compiler does for several geoms. Returns false on a non-positive principal moment.
bool combine_pieces(const std::vector<MassPiece>& pieces, MassPiece* body);

}  // namespace stampede::mjcf
