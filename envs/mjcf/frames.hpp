// MJCF frames: small double-precision quaternion and rotation helpers and the resolution of the
// orientation specifiers (quat, axisangle, euler with eulerseq, xyaxes, zaxis) and of fromto.
#pragma once

#include "envs/mjcf/spec.hpp"

namespace stampede::mjcf {

using Vec3 = std::array<double, 3>;
using Quat = std::array<double, 4>;  // (w, x, y, z)
using Mat3 = std::array<double, 9>;  // row-major

double norm3(const double* v);
Vec3 cross3(const Vec3& a, const Vec3& b);
Quat quat_mul(const Quat& a, const Quat& b);
Quat quat_normalized(const Quat& q);  // returns identity for a zero quaternion
Mat3 quat_to_mat(const Quat& q);
Vec3 mat_vec(const Mat3& m, const Vec3& v);
Mat3 mat_mul(const Mat3& a, const Mat3& b);
Mat3 mat_transpose(const Mat3& a);
Quat mat_to_quat(const Mat3& m);  // rotation matrix (columns = frame axes) to unit quaternion
Vec3 rotate(const Quat& q, const Vec3& v);

// Rotation taking the z axis to vec (vec need not be normalised), as the fromto rule needs.
Quat z_to_vec(const Vec3& vec);

// Unit quaternion for an orientation specifier. Angles are degrees when degree is set; eulerseq
// lower case = rotating axes, upper case = fixed axes. Returns an error text or nullptr.
const char* resolve_orientation(const MjcfOrientation& o, bool degree, const char* eulerseq,
                                Quat* out);

}  // namespace stampede::mjcf
