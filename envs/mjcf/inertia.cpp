// MJCF inertia: geom mass properties, body combination, principal axes.
#include "envs/mjcf/inertia.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stampede::mjcf {

namespace {
constexpr double kPi = std::numbers::pi;
}

double geom_volume(int type, const double size[3]) {
  const double r = size[0];
  switch (type) {
    case 2:  // sphere
      return 4.0 * kPi * r * r * r / 3.0;
    case 3:  // capsule: cylinder of length 2*size[1] plus two hemispheres
      return kPi * (r * r * 2.0 * size[1] + 4.0 * r * r * r / 3.0);
    case 4:  // ellipsoid
      return 4.0 * kPi * size[0] * size[1] * size[2] / 3.0;
    case 5:  // cylinder
      return kPi * r * r * 2.0 * size[1];
    case 6:  // box
      return 8.0 * size[0] * size[1] * size[2];
    default:
      return 0;
  }
}

Vec3 geom_inertia(int type, const double size[3], double mass) {
  const double r = size[0];
  switch (type) {
    case 2: {
      double i = 0.4 * mass * r * r;
      return {i, i, i};
    }
    case 3: {
      // split the mass by volume between the cylinder and the two end caps; the caps are treated
      // as a sphere whose halves sit at the cylinder ends, with MuJoCo's parallel-axis term
      double h = 2.0 * size[1];
      double m_caps = mass * 4.0 * r / (4.0 * r + 3.0 * h);
      double m_cyl = mass - m_caps;
      double caps = 0.4 * m_caps * r * r;
      double side =
          m_cyl * (3.0 * r * r + h * h) / 12.0 + caps + m_caps * h * (3.0 * r + 2.0 * h) / 8.0;
      return {side, side, m_cyl * r * r / 2.0 + caps};
    }
    case 4: {
      double a = size[0] * size[0], b = size[1] * size[1], c = size[2] * size[2];
      return {mass * (b + c) / 5.0, mass * (a + c) / 5.0, mass * (a + b) / 5.0};
    }
    case 5: {
      double h = 2.0 * size[1];
      double side = mass * (3.0 * r * r + h * h) / 12.0;
      return {side, side, mass * r * r / 2.0};
    }
    case 6: {
      double a = size[0] * size[0], b = size[1] * size[1], c = size[2] * size[2];
      return {mass * (b + c) / 3.0, mass * (a + c) / 3.0, mass * (a + b) / 3.0};
    }
    default:
      return {0, 0, 0};
  }
}

bool principal_inertia(const double full[6], Vec3* moments, Quat* frame) {
  // cyclic Jacobi rotations on a 3x3 symmetric matrix; V accumulates the eigenvectors (columns)
  double a[3][3] = {
      {full[0], full[3], full[4]}, {full[3], full[1], full[5]}, {full[4], full[5], full[2]}};
  double v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = std::abs(a[0][1]) + std::abs(a[0][2]) + std::abs(a[1][2]);
    double scale = std::abs(a[0][0]) + std::abs(a[1][1]) + std::abs(a[2][2]);
    if (off <= 1e-300 || off <= 1e-17 * scale) break;
    for (int p = 0; p < 2; ++p) {
      for (int q = p + 1; q < 3; ++q) {
        if (a[p][q] == 0) continue;
        double theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < 3; ++k) {  // A <- A J
          double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {  // A <- J' A
          double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) {  // V <- V J
          double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // decreasing order, as MuJoCo stores principal moments
  int idx[3] = {0, 1, 2};
  std::sort(idx, idx + 3, [&](int i, int j) { return a[i][i] > a[j][j]; });
  Mat3 r;
  for (int col = 0; col < 3; ++col) {
    (*moments)[col] = a[idx[col]][idx[col]];
    for (int row = 0; row < 3; ++row)
      r[3 * row + col] = v[row][idx[col]];
  }
  // a proper rotation: flip the last axis of a left-handed frame
  double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
               r[2] * (r[3] * r[7] - r[4] * r[6]);
  if (det < 0)
    for (int row = 0; row < 3; ++row)
      r[3 * row + 2] = -r[3 * row + 2];
  *frame = mat_to_quat(r);
  return (*moments)[2] > 1e-14;
}

bool combine_pieces(const std::vector<MassPiece>& pieces, MassPiece* body) {
  double mass = 0;
  Vec3 com{0, 0, 0};
  for (const MassPiece& p : pieces) {
    mass += p.mass;
    for (int k = 0; k < 3; ++k)
      com[k] += p.mass * p.pos[k];
  }
  if (mass < 1e-14) return false;
  for (double& c : com)
    c /= mass;
  // sum the rotated principal inertias and the parallel-axis terms about the centre of mass
  double full[6] = {0, 0, 0, 0, 0, 0};
  for (const MassPiece& p : pieces) {
    Mat3 r = quat_to_mat(p.quat);
    Mat3 d{p.inertia[0], 0, 0, 0, p.inertia[1], 0, 0, 0, p.inertia[2]};
    Mat3 g = mat_mul(mat_mul(r, d), mat_transpose(r));
    Vec3 o{p.pos[0] - com[0], p.pos[1] - com[1], p.pos[2] - com[2]};
    full[0] += g[0] + p.mass * (o[1] * o[1] + o[2] * o[2]);
    full[1] += g[4] + p.mass * (o[0] * o[0] + o[2] * o[2]);
    full[2] += g[8] + p.mass * (o[0] * o[0] + o[1] * o[1]);
    full[3] += g[1] - p.mass * o[0] * o[1];
    full[4] += g[2] - p.mass * o[0] * o[2];
    full[5] += g[5] - p.mass * o[1] * o[2];
  }
  body->mass = mass;
  body->pos = com;
  return principal_inertia(full, &body->inertia, &body->quat);
}

}  // namespace stampede::mjcf
