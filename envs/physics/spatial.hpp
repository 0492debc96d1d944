// Small vector, quaternion and spatial-algebra helpers shared by the pipeline stages. Spatial
// vectors are 6-vectors (angular, linear); motions and forces are expressed in a world-aligned
// frame centred at the subtree centre of mass, as in MuJoCo's com-based formulation. Quaternions
// are (w, x, y, z); rotation matrices are row-major 3x3.
#pragma once

#include <cmath>

#include "core/hd.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

inline constexpr Real kMinVal = 1e-15f;  // MuJoCo's mjMINVAL guard against division by zero
inline constexpr Real kPi = 3.14159265358979323846f;

// ---- 3-vectors -------------------------------------------------------------------------------

STAMPEDE_HD void copy3(Real* r, const Real* a) {
  r[0] = a[0];
  r[1] = a[1];
  r[2] = a[2];
}

STAMPEDE_HD Real dot3(const Real* a, const Real* b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

STAMPEDE_HD void cross3(Real* r, const Real* a, const Real* b) {
  const Real x = a[1] * b[2] - a[2] * b[1];
  const Real y = a[2] * b[0] - a[0] * b[2];
  const Real z = a[0] * b[1] - a[1] * b[0];
  r[0] = x;
  r[1] = y;
  r[2] = z;
}

STAMPEDE_HD void sub3(Real* r, const Real* a, const Real* b) {
  r[0] = a[0] - b[0];
  r[1] = a[1] - b[1];
  r[2] = a[2] - b[2];
}

STAMPEDE_HD Real normalize3(Real* v) {
  const Real n = sqrtf(dot3(v, v));
  if (n < kMinVal) {
    v[0] = 1;
    v[1] = 0;
    v[2] = 0;
  } else {
    const Real inv = 1 / n;
    v[0] *= inv;
    v[1] *= inv;
    v[2] *= inv;
  }
  return n;
}

// r = M v and r = M' v for a row-major 3x3 matrix
STAMPEDE_HD void mat_vec3(Real* r, const Real* m, const Real* v) {
  const Real x = m[0] * v[0] + m[1] * v[1] + m[2] * v[2];
  const Real y = m[3] * v[0] + m[4] * v[1] + m[5] * v[2];
  const Real z = m[6] * v[0] + m[7] * v[1] + m[8] * v[2];
  r[0] = x;
  r[1] = y;
  r[2] = z;
}

STAMPEDE_HD void mat_t_vec3(Real* r, const Real* m, const Real* v) {
  const Real x = m[0] * v[0] + m[3] * v[1] + m[6] * v[2];
  const Real y = m[1] * v[0] + m[4] * v[1] + m[7] * v[2];
  const Real z = m[2] * v[0] + m[5] * v[1] + m[8] * v[2];
  r[0] = x;
  r[1] = y;
  r[2] = z;
}

// ---- quaternions -----------------------------------------------------------------------------

STAMPEDE_HD void quat_normalize(Real* q) {
  const Real n = sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (n < kMinVal) {
    q[0] = 1;
    q[1] = q[2] = q[3] = 0;
  } else {
    const Real inv = 1 / n;
    for (int i = 0; i < 4; ++i)
      q[i] *= inv;
  }
}

// r = a * b (Hamilton product; r may alias a or b)
STAMPEDE_HD void quat_mul(Real* r, const Real* a, const Real* b) {
  const Real w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
  const Real x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
  const Real y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
  const Real z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
  r[0] = w;
  r[1] = x;
  r[2] = y;
  r[3] = z;
}

// rotate v by unit quaternion q: v + 2 w (u x v) + 2 u x (u x v), u = vector part
STAMPEDE_HD void quat_rotate(Real* r, const Real* q, const Real* v) {
  Real t[3];
  t[0] = q[2] * v[2] - q[3] * v[1] + q[0] * v[0];
  t[1] = q[3] * v[0] - q[1] * v[2] + q[0] * v[1];
  t[2] = q[1] * v[1] - q[2] * v[0] + q[0] * v[2];
  const Real x = v[0] + 2 * (q[2] * t[2] - q[3] * t[1]);
  const Real y = v[1] + 2 * (q[3] * t[0] - q[1] * t[2]);
  const Real z = v[2] + 2 * (q[1] * t[1] - q[2] * t[0]);
  r[0] = x;
  r[1] = y;
  r[2] = z;
}

STAMPEDE_HD void quat_from_axis_angle(Real* q, const Real* axis, Real angle) {
  if (angle == 0) {
    q[0] = 1;
    q[1] = q[2] = q[3] = 0;
    return;
  }
  const Real s = sinf(0.5f * angle);
  q[0] = cosf(0.5f * angle);
  q[1] = axis[0] * s;
  q[2] = axis[1] * s;
  q[3] = axis[2] * s;
}

STAMPEDE_HD void quat_to_mat(Real* m, const Real* q) {
  const Real ww = q[0] * q[0], wx = q[0] * q[1], wy = q[0] * q[2], wz = q[0] * q[3];
  const Real xx = q[1] * q[1], xy = q[1] * q[2], xz = q[1] * q[3];
  const Real yy = q[2] * q[2], yz = q[2] * q[3], zz = q[3] * q[3];
  m[0] = ww + xx - yy - zz;
  m[1] = 2 * (xy - wz);
  m[2] = 2 * (xz + wy);
  m[3] = 2 * (xy + wz);
  m[4] = ww - xx + yy - zz;
  m[5] = 2 * (yz - wx);
  m[6] = 2 * (xz - wy);
  m[7] = 2 * (yz + wx);
  m[8] = ww - xx - yy + zz;
}

// q <- normalize(q) * exp(omega * dt / 2): integrate a body-frame angular velocity
STAMPEDE_HD void quat_integrate(Real* q, const Real* omega, Real dt) {
  Real axis[3] = {omega[0], omega[1], omega[2]};
  const Real angle = dt * normalize3(axis);
  Real dq[4];
  quat_from_axis_angle(dq, axis, angle);
  quat_normalize(q);
  quat_mul(q, q, dq);
}

// ---- spatial algebra -------------------------------------------------------------------------

STAMPEDE_HD Real dot6(const Real* a, const Real* b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3] + a[4] * b[4] + a[5] * b[5];
}

// r = v x m for motion vectors (spatial velocity cross motion)
STAMPEDE_HD void cross_motion(Real* r, const Real* v, const Real* m) {
  r[0] = v[1] * m[2] - v[2] * m[1];
  r[1] = v[2] * m[0] - v[0] * m[2];
  r[2] = v[0] * m[1] - v[1] * m[0];
  r[3] = v[1] * m[5] - v[2] * m[4] + v[4] * m[2] - v[5] * m[1];
  r[4] = v[2] * m[3] - v[0] * m[5] + v[5] * m[0] - v[3] * m[2];
  r[5] = v[0] * m[4] - v[1] * m[3] + v[3] * m[1] - v[4] * m[0];
}

// r = v x* f for force vectors (spatial velocity cross force)
STAMPEDE_HD void cross_force(Real* r, const Real* v, const Real* f) {
  r[0] = v[1] * f[2] - v[2] * f[1] + v[4] * f[5] - v[5] * f[4];
  r[1] = v[2] * f[0] - v[0] * f[2] + v[5] * f[3] - v[3] * f[5];
  r[2] = v[0] * f[1] - v[1] * f[0] + v[3] * f[4] - v[4] * f[3];
  r[3] = v[1] * f[5] - v[2] * f[4];
  r[4] = v[2] * f[3] - v[0] * f[5];
  r[5] = v[0] * f[4] - v[1] * f[3];
}

// r = I v for a 10-vector inertia (Ixx, Iyy, Izz, Ixy, Ixz, Iyz, m*c, m) about the frame origin
STAMPEDE_HD void inertia_mul(Real* r, const Real* in, const Real* v) {
  const Real* h = in + 6;  // first mass moment m*c
  const Real m = in[9];
  r[0] = in[0] * v[0] + in[3] * v[1] + in[4] * v[2] + h[1] * v[5] - h[2] * v[4];
  r[1] = in[3] * v[0] + in[1] * v[1] + in[5] * v[2] + h[2] * v[3] - h[0] * v[5];
  r[2] = in[4] * v[0] + in[5] * v[1] + in[2] * v[2] + h[0] * v[4] - h[1] * v[3];
  r[3] = m * v[3] + h[2] * v[1] - h[1] * v[2];
  r[4] = m * v[4] + h[0] * v[2] - h[2] * v[0];
  r[5] = m * v[5] + h[1] * v[0] - h[0] * v[1];
}

// shift a spatial motion from reference point `from` to `to` (both world-aligned), then express
// it in the frame with rotation `rot` (body-to-world) when rot is given
STAMPEDE_HD void motion_transform(Real* r, const Real* v, const Real* to, const Real* from,
                                  const Real* rot) {
  Real d[3], c[3], lin[3];
  sub3(d, to, from);
  cross3(c, d, v);
  sub3(lin, v + 3, c);
  if (rot) {
    mat_t_vec3(r, rot, v);
    mat_t_vec3(r + 3, rot, lin);
  } else {
    copy3(r, v);
    copy3(r + 3, lin);
  }
}

}  // namespace stampede
