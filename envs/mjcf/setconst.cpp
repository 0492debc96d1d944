// Constants of the compiled model that depend on the mass matrix at qpos0 (MuJoCo's setconst):
// body_invweight0, dof_invweight0 and stat_meaninertia. A small dense double-precision
// kinematics + mass matrix evaluation; at qpos0 every joint displacement is zero, so the world
// frames follow from the model frames alone.
#include <algorithm>
#include <cmath>
#include <vector>

#include "envs/mjcf/compile.hpp"
#include "envs/mjcf/frames.hpp"

namespace stampede {

namespace {

using namespace mjcf;

constexpr double kMinVal = 1e-15;

struct Frames {
  std::vector<Vec3> xpos, xipos;
  std::vector<Mat3> xmat, ximat;
};

Frames frames_at_qpos0(const CompiledMjcf& m) {
  Frames f;
  int nb = m.nbody();
  f.xpos.resize(nb);
  f.xipos.resize(nb);
  f.xmat.resize(nb);
  f.ximat.resize(nb);
  for (int i = 0; i < nb; ++i) {
    Mat3 local = quat_to_mat(m.body_quat[i]);
    if (i == 0) {
      f.xpos[0] = {0, 0, 0};
      f.xmat[0] = local;
    } else {
      int p = m.body_parentid[i];
      Vec3 off = mat_vec(f.xmat[p], m.body_pos[i]);
      f.xpos[i] = {f.xpos[p][0] + off[0], f.xpos[p][1] + off[1], f.xpos[p][2] + off[2]};
      f.xmat[i] = mat_mul(f.xmat[p], local);
    }
    Vec3 ioff = mat_vec(f.xmat[i], m.body_ipos[i]);
    f.xipos[i] = {f.xpos[i][0] + ioff[0], f.xpos[i][1] + ioff[1], f.xpos[i][2] + ioff[2]};
    f.ximat[i] = mat_mul(f.xmat[i], quat_to_mat(m.body_iquat[i]));
  }
  return f;
}

// Jacobian of a point fixed to body b: rows 0-2 translation, 3-5 rotation; [6][nv] row-major
std::vector<double> point_jacobian(const CompiledMjcf& m, const Frames& f, int b, const Vec3& p) {
  int nv = m.nv;
  std::vector<double> jac(6 * nv, 0.0);
  for (int body = b; body > 0; body = m.body_parentid[body]) {
    for (int d = m.body_dofadr[body]; d >= 0 && d < m.body_dofadr[body] + m.body_dofnum[body];
         ++d) {
      int j = m.dof_jntid[d];
      int k = d - m.jnt_dofadr[j];  // component within the joint
      const Mat3& r = f.xmat[body];
      Vec3 anchor = mat_vec(r, m.jnt_pos[j]);
      for (int c = 0; c < 3; ++c)
        anchor[c] += f.xpos[body][c];
      Vec3 lin{0, 0, 0}, ang{0, 0, 0};
      int type = m.jnt_type[j];
      if (type == 0 && k < 3) {
        lin[k] = 1;  // free joint translation: world axes
      } else if (type == 2) {
        lin = mat_vec(r, m.jnt_axis[j]);
      } else {
        // hinge axis, or body-frame axes for ball and free rotation
        int col = type == 0 ? k - 3 : k;
        ang = type == 3 ? mat_vec(r, m.jnt_axis[j]) : Vec3{r[col], r[3 + col], r[6 + col]};
        lin = cross3(ang, {p[0] - anchor[0], p[1] - anchor[1], p[2] - anchor[2]});
      }
      for (int c = 0; c < 3; ++c) {
        jac[c * nv + d] = lin[c];
        jac[(3 + c) * nv + d] = ang[c];
      }
    }
  }
  return jac;
}

// M = sum over bodies of J' diag(m, I) J at the centre of mass, plus armature
std::vector<double> mass_matrix(const CompiledMjcf& m, const Frames& f) {
  int nv = m.nv;
  std::vector<double> mm(nv * nv, 0.0);
  for (int b = 1; b < m.nbody(); ++b) {
    if (m.body_mass[b] == 0 && m.body_inertia[b] == std::array<double, 3>{0, 0, 0}) continue;
    std::vector<double> jac = point_jacobian(m, f, b, f.xipos[b]);
    const Mat3& r = f.ximat[b];
    Mat3 iw{};  // world inertia R diag(I) R'
    for (int x = 0; x < 3; ++x)
      for (int y = 0; y < 3; ++y)
        for (int k = 0; k < 3; ++k)
          iw[3 * x + y] += r[3 * x + k] * m.body_inertia[b][k] * r[3 * y + k];
    for (int i = 0; i < nv; ++i) {
      for (int j = 0; j < nv; ++j) {
        double v = 0;
        for (int c = 0; c < 3; ++c)
          v += m.body_mass[b] * jac[c * nv + i] * jac[c * nv + j];
        for (int x = 0; x < 3; ++x)
          for (int y = 0; y < 3; ++y)
            v += jac[(3 + x) * nv + i] * iw[3 * x + y] * jac[(3 + y) * nv + j];
        mm[i * nv + j] += v;
      }
    }
  }
  for (int i = 0; i < nv; ++i)
    mm[i * nv + i] += m.dof_armature[i];
  return mm;
}

// in-place dense Cholesky (lower); false if not positive definite
bool cholesky(std::vector<double>* a, int n) {
  std::vector<double>& l = *a;
  for (int j = 0; j < n; ++j) {
    double d = l[j * n + j];
    for (int k = 0; k < j; ++k)
      d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    l[j * n + j] = d;
    for (int i = j + 1; i < n; ++i) {
      double v = l[i * n + j];
      for (int k = 0; k < j; ++k)
        v -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = v / d;
    }
  }
  return true;
}

// x = M^-1 b with the Cholesky factor
std::vector<double> solve(const std::vector<double>& l, int n, std::vector<double> b) {
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < i; ++k)
      b[i] -= l[i * n + k] * b[k];
    b[i] /= l[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    for (int k = i + 1; k < n; ++k)
      b[i] -= l[k * n + i] * b[k];
    b[i] /= l[i * n + i];
  }
  return b;
}

// diagonal of J M^-1 J' for the rows of a [rows][nv] Jacobian
std::vector<double> inverse_weight_diag(const std::vector<double>& l, int nv,
                                        const std::vector<double>& jac, int rows) {
  std::vector<double> diag(rows, 0.0);
  for (int r = 0; r < rows; ++r) {
    std::vector<double> row(jac.begin() + r * nv, jac.begin() + (r + 1) * nv);
    std::vector<double> x = solve(l, nv, row);
    for (int i = 0; i < nv; ++i)
      diag[r] += row[i] * x[i];
  }
  return diag;
}

}  // namespace

void compute_qpos0_constants(CompiledMjcf* mp) {
  CompiledMjcf& m = *mp;
  int nv = m.nv;
  for (auto& w : m.body_invweight0)
    w = {0, 0};
  for (double& w : m.dof_invweight0)
    w = 0;
  if (nv == 0) return;
  Frames f = frames_at_qpos0(m);
  std::vector<double> l = mass_matrix(m, f);
  double trace = 0;
  for (int i = 0; i < nv; ++i)
    trace += l[i * nv + i];
  m.stat_meaninertia = trace / nv;
  if (!cholesky(&l, nv))
    throw MjcfError("mass matrix at qpos0 is not positive definite (massless moving body?)");

  for (int b = 1; b < m.nbody(); ++b) {
    if (m.body_dofnum[m.body_weldid[b]] == 0) continue;  // static: stays 0
    if (m.body_simple[b] == 2) {
      m.body_invweight0[b] = {1 / std::max(kMinVal, m.body_mass[b]), 0};
      continue;
    }
    std::vector<double> d = inverse_weight_diag(l, nv, point_jacobian(m, f, b, f.xipos[b]), 6);
    m.body_invweight0[b] = {(d[0] + d[1] + d[2]) / 3, (d[3] + d[4] + d[5]) / 3};
  }

  for (int j = 0; j < m.njnt(); ++j) {
    int id = m.jnt_dofadr[j], b = m.jnt_bodyid[j];
    if (m.body_simple[b] == 2) {
      m.dof_invweight0[id] = 1 / std::max(kMinVal, m.body_mass[b]);
      continue;
    }
    int n = m.jnt_type[j] == 0 ? 6 : m.jnt_type[j] == 1 ? 3 : 1;
    std::vector<double> sel(n * nv, 0.0);
    for (int k = 0; k < n; ++k)
      sel[k * nv + id + k] = 1;
    std::vector<double> d = inverse_weight_diag(l, nv, sel, n);
    if (n == 6) {
      for (int k = 0; k < 3; ++k)
        m.dof_invweight0[id + k] = (d[0] + d[1] + d[2]) / 3;
      for (int k = 3; k < 6; ++k)
        m.dof_invweight0[id + k] = (d[3] + d[4] + d[5]) / 3;
    } else if (n == 3) {
      for (int k = 0; k < 3; ++k)
        m.dof_invweight0[id + k] = (d[0] + d[1] + d[2]) / 3;
    } else {
      m.dof_invweight0[id] = d[0];
    }
  }
}

}  // namespace stampede
