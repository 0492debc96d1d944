// Narrow-phase cases that goldens sampled from rollouts rarely reach: capsules side by side,
// parallel up to float rounding (MuJoCo's doubles take its parallel branch there and report two
// contacts, at the ends of the overlap), and clearly crossing ones (one contact).
#include <gtest/gtest.h>

#include <cmath>

#include "envs/physics/collision_primitive.hpp"

namespace stampede {
namespace {

// a capsule of radius r and half-length h along the direction (cos a, sin a, 0), centred at c
struct Capsule {
  Real pos[3], mat[9], size[3];
  Capsule(Real x, Real y, Real z, Real angle, Real r, Real h) : pos{x, y, z}, size{r, h, 0} {
    // columns: x axis, y axis, z axis = the capsule's axis (row-major storage)
    const Real c = std::cos(angle), s = std::sin(angle);
    const Real axes[3][3] = {{0, 0, 1}, {-s, c, 0}, {c, s, 0}};  // x, y, z axes
    for (int row = 0; row < 3; ++row)
      for (int col = 0; col < 3; ++col)
        mat[row * 3 + col] = axes[col][row];
  }
  GeomPose pose() const { return {pos, mat, size}; }
};

TEST(Colliders, ParallelCapsulesUpToRoundingTouchAtBothEnds) {
  // tilts whose |a x b|^2 stays below MuJoCo's mjMINVAL (1e-15) here, so MuJoCo too treats the
  // axes as parallel (at 3e-7 rad it no longer does)
  for (Real tilt : {Real(0), Real(1e-7), Real(-5e-8)}) {
    const Capsule a(0, 0, 0, 0, 0.1f, 0.5f), b(0.2f, 0.19f, 0, tilt, 0.1f, 0.5f);
    RawContact con[2];
    const int n = collide_capsule_capsule(con, 0, a.pose(), b.pose());
    ASSERT_EQ(n, 2) << "tilt " << tilt;
    // a's ends against b: a's +end (x = 0.5) lies over b, its -end (x = -0.5) is past b's end,
    // so the second contact is b's -end (x = -0.3) against a
    const Real x0 = con[0].pos[0], x1 = con[1].pos[0];
    EXPECT_NEAR(std::fmax(x0, x1), 0.5f, 1e-4) << "tilt " << tilt;
    EXPECT_NEAR(std::fmin(x0, x1), -0.3f, 1e-4) << "tilt " << tilt;
    for (const RawContact& c : con) {
      EXPECT_NEAR(c.dist, -0.01f, 1e-5);
      EXPECT_NEAR(c.pos[1], 0.095f, 1e-5);
    }
  }
}

TEST(Colliders, CrossingCapsulesTouchOnce) {
  const Capsule a(0, 0, 0, 0, 0.1f, 0.5f), b(0.1f, 0, 0.15f, 1.0f, 0.1f, 0.5f);
  RawContact con[2];
  ASSERT_EQ(collide_capsule_capsule(con, 0, a.pose(), b.pose()), 1);
  EXPECT_NEAR(con[0].dist, -0.05f, 1e-5);
  EXPECT_NEAR(con[0].pos[0], 0.1f, 1e-5);
  EXPECT_NEAR(con[0].pos[2], 0.075f, 1e-5);
}

}  // namespace
}  // namespace stampede
