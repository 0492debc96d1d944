// Narrow-phase cases that goldens sampled from rollouts rarely reach: capsules side by side,
// parallel up to float rounding (MuJoCo's doubles take its parallel branch there and report two
// contacts, at the ends of the overlap), slightly turned, and crossing (one contact).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "envs/physics/collision_box.hpp"
#include "envs/physics/collision_primitive.hpp"
#include "support/goldens.hpp"

namespace stampede {
namespace {

// a capsule of radius r and half-length h centred at c, its axis (cos a, sin a, 0) in the floor
// plane; right-handed frame with x = (0, 0, 1), y = z x x
struct Capsule {
  Real pos[3], mat[9], size[3];
  Capsule(const Real* c, Real angle, Real r, Real h) : pos{c[0], c[1], c[2]}, size{r, h, 0} {
    const Real co = std::cos(angle), si = std::sin(angle);
    const Real axes[3][3] = {{0, 0, 1}, {si, -co, 0}, {co, si, 0}};  // x, y, z axes
    for (int row = 0; row < 3; ++row)
      for (int col = 0; col < 3; ++col)
        mat[row * 3 + col] = axes[col][row];
  }
  GeomPose pose() const { return {pos, mat, size}; }
};

// capsule a along direction `angle`; b of the same size beside it, shifted 0.2 along the axis
// and 0.19 across (radii 0.1: 0.01 deep), its axis turned by `tilt`
int side_by_side(Real angle, Real tilt, RawContact* con, Real* along, Real* across) {
  const Real u[3] = {std::cos(angle), std::sin(angle), 0}, n[3] = {-u[1], u[0], 0};
  const Real ca[3] = {0.3f, -0.2f, 0.1f};
  Real cb[3];
  for (int k = 0; k < 3; ++k)
    cb[k] = ca[k] + 0.2f * u[k] + 0.19f * n[k];
  const Capsule a(ca, angle, 0.1f, 0.5f), b(cb, angle + tilt, 0.1f, 0.5f);
  const int count = collide_capsule_capsule(con, 0, a.pose(), b.pose());
  for (int c = 0; c < count; ++c) {
    along[c] = across[c] = 0;
    for (int k = 0; k < 3; ++k) {
      along[c] += (con[c].pos[k] - ca[k]) * u[k];
      across[c] += (con[c].pos[k] - ca[k]) * n[k];
    }
  }
  return count;
}

// Axes parallel to float precision (|a x b|^2 below MuJoCo's mjMINVAL, as in MuJoCo's doubles):
// MuJoCo's parallel branch, two contacts at the ends of the overlap. At a generic direction the
// textbook determinant aa bb - ab^2 rounds to ~1e-9 in float and misses that branch.
TEST(Colliders, ParallelCapsulesTouchAtBothEndsOfTheOverlap) {
  for (Real angle : {Real(0), Real(0.7), Real(2.3), Real(-1.1)}) {
    for (Real tilt : {Real(0), Real(2e-8)}) {
      RawContact con[2];
      Real along[2], across[2];
      ASSERT_EQ(side_by_side(angle, tilt, con, along, across), 2) << angle << " " << tilt;
      // a's +end (0.5) lies over b; a's -end is past b's end, so b's -end (-0.3) is the other
      EXPECT_NEAR(std::fmax(along[0], along[1]), 0.5f, 1e-4) << angle << " " << tilt;
      EXPECT_NEAR(std::fmin(along[0], along[1]), -0.3f, 1e-4) << angle << " " << tilt;
      for (int c = 0; c < 2; ++c) {
        EXPECT_NEAR(con[c].dist, -0.01f, 1e-5);
        EXPECT_NEAR(across[c], 0.095f, 1e-5);
      }
    }
  }
}

// turned by 1e-5 rad the axes are no longer parallel for MuJoCo (|a x b|^2 ~ 6e-12): one contact
TEST(Colliders, SlightlyTurnedCapsulesTouchOnce) {
  for (Real angle : {Real(0), Real(0.7), Real(2.3), Real(-1.1)}) {
    RawContact con[2];
    Real along[2], across[2];
    ASSERT_EQ(side_by_side(angle, 1e-5f, con, along, across), 1) << angle;
    EXPECT_NEAR(con[0].dist, -0.01f, 1e-4);
  }
}

TEST(Colliders, CrossingCapsulesTouchOnce) {
  const Real ca[3] = {0, 0, 0}, cb[3] = {0.1f, 0, 0.15f};
  const Capsule a(ca, 0, 0.1f, 0.5f), b(cb, 1.0f, 0.1f, 0.5f);
  RawContact con[2];
  ASSERT_EQ(collide_capsule_capsule(con, 0, a.pose(), b.pose()), 1);
  EXPECT_NEAR(con[0].dist, -0.05f, 1e-5);
  EXPECT_NEAR(con[0].pos[0], 0.1f, 1e-5);
  EXPECT_NEAR(con[0].pos[2], 0.075f, 1e-5);
}

// MuJoCo's capsule-box contacts at 600 poses sampled by scripts/gen_collider_goldens.py (random,
// near-aligned, resting on a face, exactly axis-aligned), each well conditioned in MuJoCo: the
// same number of contacts, in MuJoCo's order (as a set where MuJoCo's own order is a tie), with
// distance, position and normal within float rounding of the geometry's size.
struct GoldenGeom {
  Real pos[3], mat[9], size[3];
  explicit GoldenGeom(const nlohmann::json& j) {
    for (int k = 0; k < 3; ++k) {
      pos[k] = j.at("pos")[k].get<Real>();
      size[k] = j.at("size")[k].get<Real>();
    }
    for (int k = 0; k < 9; ++k)
      mat[k] = j.at("mat")[k].get<Real>();
  }
  GeomPose pose() const { return {pos, mat, size}; }
};

double contact_error(const RawContact& ours, const nlohmann::json& ref) {
  double err = std::fabs(ours.dist - ref.at("dist").get<double>());
  for (int k = 0; k < 3; ++k) {
    err = std::fmax(err, std::fabs(ours.pos[k] - ref.at("pos")[k].get<double>()));
    err = std::fmax(err, std::fabs(ours.frame[k] - ref.at("normal")[k].get<double>()) * 0.1);
  }
  return err;
}

TEST(Colliders, CapsuleBoxMatchesMujocoPoseByPose) {
  const nlohmann::json golden = stampede::testing::load_golden("physics", "capsule_box");
  ASSERT_FALSE(golden.is_null());
  const auto& cases = golden.at("cases");
  ASSERT_GE(cases.size(), 500u);
  std::map<std::string, int> checked;
  int two = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const GoldenGeom cap(c.at("capsule")), box(c.at("box"));
    RawContact con[kMaxContactsPerPair];
    const int n = collide_capsule_box(con, c.at("margin").get<Real>(), cap.pose(), box.pose());
    const auto& ref = c.at("contacts");
    const std::string label =
        "pose " + std::to_string(i) + " (" + c.at("family").get<std::string>() + ")";
    EXPECT_EQ(n, static_cast<int>(ref.size())) << label;
    if (n != static_cast<int>(ref.size())) continue;
    // positions to 5e-5 (float rounding of coordinates ~1 through a few dozen operations);
    // normals, weighted 0.1 above, to 5e-4
    const double tol = 5e-5;
    if (n == 2 && !c.at("ordered").get<bool>()) {
      const double direct = std::fmax(contact_error(con[0], ref[0]), contact_error(con[1], ref[1]));
      const double swapped =
          std::fmax(contact_error(con[0], ref[1]), contact_error(con[1], ref[0]));
      EXPECT_LE(std::fmin(direct, swapped), tol) << label;
    } else {
      for (int k = 0; k < n; ++k)
        EXPECT_LE(contact_error(con[k], ref[k]), tol) << label << " contact " << k;
    }
    for (int k = 0; k < n; ++k)
      EXPECT_EQ(con[k].frame[3] + con[k].frame[4] + con[k].frame[5], 0) << label;  // no hint
    ++checked[c.at("family").get<std::string>()];
    two += n == 2;
  }
  // every family is present, and the second-contact rules are exercised
  for (const char* family : {"random", "aligned", "resting", "exact"})
    EXPECT_GE(checked[family], 100) << family;
  EXPECT_GE(two, 200);
}

}  // namespace
}  // namespace stampede
