// MJCF frames: orientation specifiers to quaternions.
#include "envs/mjcf/frames.hpp"

#include <cmath>
#include <numbers>

namespace stampede::mjcf {

namespace {
constexpr double kTiny = 1e-14;  // below this an axis has no direction
}

double norm3(const double* v) {
  return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

Vec3 cross3(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

Quat quat_mul(const Quat& a, const Quat& b) {
  return {a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
          a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
          a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
          a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0]};
}

Quat quat_normalized(const Quat& q) {
  double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (n < kTiny) return {1, 0, 0, 0};
  return {q[0] / n, q[1] / n, q[2] / n, q[3] / n};
}

Mat3 quat_to_mat(const Quat& q) {
  double w = q[0], x = q[1], y = q[2], z = q[3];
  return {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
          2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
          2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
}

Vec3 mat_vec(const Mat3& m, const Vec3& v) {
  return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

Mat3 mat_mul(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        r[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return r;
}

Mat3 mat_transpose(const Mat3& a) {
  return {a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]};
}

Quat mat_to_quat(const Mat3& m) {
  // branch on the largest of w, x, y, z to keep the square root well conditioned
  double tr = m[0] + m[4] + m[8];
  Quat q;
  if (tr > 0) {
    double s = std::sqrt(tr + 1.0) * 2;
    q = {0.25 * s, (m[7] - m[5]) / s, (m[2] - m[6]) / s, (m[3] - m[1]) / s};
  } else if (m[0] > m[4] && m[0] > m[8]) {
    double s = std::sqrt(1.0 + m[0] - m[4] - m[8]) * 2;
    q = {(m[7] - m[5]) / s, 0.25 * s, (m[1] + m[3]) / s, (m[2] + m[6]) / s};
  } else if (m[4] > m[8]) {
    double s = std::sqrt(1.0 + m[4] - m[0] - m[8]) * 2;
    q = {(m[2] - m[6]) / s, (m[1] + m[3]) / s, 0.25 * s, (m[5] + m[7]) / s};
  } else {
    double s = std::sqrt(1.0 + m[8] - m[0] - m[4]) * 2;
    q = {(m[3] - m[1]) / s, (m[2] + m[6]) / s, (m[5] + m[7]) / s, 0.25 * s};
  }
  if (q[0] < 0) q = {-q[0], -q[1], -q[2], -q[3]};
  return quat_normalized(q);
}

Vec3 rotate(const Quat& q, const Vec3& v) {
  return mat_vec(quat_to_mat(q), v);
}

Quat z_to_vec(const Vec3& vec) {
  Vec3 axis = cross3({0, 0, 1}, vec);
  double s = norm3(axis.data());
  if (s < 1e-10) {
    // parallel or anti-parallel to z: any perpendicular axis works, use x
    axis = {1, 0, 0};
  } else {
    axis = {axis[0] / s, axis[1] / s, axis[2] / s};
  }
  double half = std::atan2(s, vec[2]) / 2;
  double sh = std::sin(half);
  return {std::cos(half), axis[0] * sh, axis[1] * sh, axis[2] * sh};
}

const char* resolve_orientation(const MjcfOrientation& o, bool degree, const char* eulerseq,
                                Quat* out) {
  const double to_rad = degree ? std::numbers::pi / 180.0 : 1.0;
  switch (o.kind) {
    case MjcfOrientation::kQuat: {
      Quat q{o.v[0], o.v[1], o.v[2], o.v[3]};
      if (std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]) < kTiny)
        return "quat is zero";
      *out = quat_normalized(q);
      return nullptr;
    }
    case MjcfOrientation::kAxisAngle: {
      double n = norm3(o.v);
      if (n < kTiny) return "axisangle axis is zero";
      double half = o.v[3] * to_rad / 2, s = std::sin(half) / n;
      *out = {std::cos(half), o.v[0] * s, o.v[1] * s, o.v[2] * s};
      return nullptr;
    }
    case MjcfOrientation::kEuler: {
      Quat q{1, 0, 0, 0};
      for (int i = 0; i < 3; ++i) {
        double half = o.v[i] * to_rad / 2;
        Quat r{std::cos(half), 0, 0, 0};
        char c = eulerseq[i];
        int axis = (c == 'x' || c == 'X') ? 1 : (c == 'y' || c == 'Y') ? 2 : 3;
        r[axis] = std::sin(half);
        // rotating (intrinsic) axes compose on the right, fixed (extrinsic) on the left
        q = (c >= 'a') ? quat_mul(q, r) : quat_mul(r, q);
      }
      *out = quat_normalized(q);
      return nullptr;
    }
    case MjcfOrientation::kXYAxes: {
      Vec3 x{o.v[0], o.v[1], o.v[2]}, y{o.v[3], o.v[4], o.v[5]};
      double nx = norm3(x.data());
      if (nx < kTiny) return "xyaxes x axis is zero";
      for (double& c : x)
        c /= nx;
      double d = x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
      for (int i = 0; i < 3; ++i)
        y[i] -= d * x[i];
      double ny = norm3(y.data());
      if (ny < kTiny) return "xyaxes y axis is parallel to x";
      for (double& c : y)
        c /= ny;
      Vec3 z = cross3(x, y);
      *out = mat_to_quat({x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]});
      return nullptr;
    }
    case MjcfOrientation::kZAxis: {
      if (norm3(o.v) < kTiny) return "zaxis is zero";
      *out = z_to_vec({o.v[0], o.v[1], o.v[2]});
      return nullptr;
    }
  }
  return "unknown orientation";
}

}  // namespace stampede::mjcf
