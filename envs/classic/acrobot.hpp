// Acrobot-v1 (Gymnasium classic_control/acrobot.py): two-link underactuated pendulum with torque
// {-1, 0, +1} on the middle joint, Sutton and Barto's book dynamics integrated by one RK4 step of
// dt = 0.2, reward -1 until the tip rises one link length above the pivot, 500-step limit.
#pragma once

#include <cmath>

#include "envs/core/env_api.hpp"

namespace stampede {

struct Acrobot {
  static constexpr const char* kName = "acrobot";
  static constexpr const char* kGymId = "Acrobot-v1";

  static constexpr int kStateDim = 4;  // theta1, theta2 (relative to link 1), dtheta1, dtheta2
  static constexpr int kObsDim = 6;    // cos t1, sin t1, cos t2, sin t2, dtheta1, dtheta2
  static constexpr int kActDim = 1;
  static constexpr int kNumActions = 3;

  static constexpr float kPi = 3.14159265358979323846f;

  float dt = 0.2f;
  float link_length_1 = 1.0f;
  float link_mass_1 = 1.0f;
  float link_mass_2 = 1.0f;
  float link_com_pos_1 = 0.5f;
  float link_com_pos_2 = 0.5f;
  float link_moi = 1.0f;  // both links
  float gravity = 9.8f;
  float max_vel_1 = 4.0f * kPi;
  float max_vel_2 = 9.0f * kPi;
  int episode_steps = 500;

  STAMPEDE_HD int max_episode_steps() const { return episode_steps; }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    for (int i = 0; i < kStateDim; ++i)
      s[i] = rng.uniform(-0.1f, 0.1f);
  }

  // d/dt of (theta1, theta2, dtheta1, dtheta2) under torque a, book variant of the equations
  STAMPEDE_HD void derivs(const float* s, float a, float* ds) const {
    const float m1 = link_mass_1, m2 = link_mass_2, l1 = link_length_1;
    const float lc1 = link_com_pos_1, lc2 = link_com_pos_2, i1 = link_moi, i2 = link_moi;
    const float theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
    const float cos2 = cosf(theta2), sin2 = sinf(theta2);
    const float d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2.0f * l1 * lc2 * cos2) + i1 + i2;
    const float d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos2) + i2;
    // cos(x - pi/2) written as sin(x): the same function without the float rounding of pi/2
    const float phi2 = m2 * lc2 * gravity * sinf(theta1 + theta2);
    const float phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin2 -
                       2.0f * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
                       (m1 * lc1 + m2 * l1) * gravity * sinf(theta1) + phi2;
    const float ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin2 - phi2) /
                           (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
    const float ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    ds[0] = dtheta1;
    ds[1] = dtheta2;
    ds[2] = ddtheta1;
    ds[3] = ddtheta2;
  }

  // Gymnasium's wrap(): shifts by whole turns into [lo, hi]; non-finite values pass through
  // rather than loop forever
  STAMPEDE_HD static float wrap(float x, float lo, float hi) {
    if (!(fabsf(x) <= 3.4e38f)) return x;
    const float diff = hi - lo;
    while (x > hi)
      x -= diff;
    while (x < lo)
      x += diff;
    return x;
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    const int a = static_cast<int>(action[0]);
    const float torque = a <= 0 ? -1.0f : (a == 1 ? 0.0f : 1.0f);

    // one classic RK4 step over [0, dt]; the torque is held constant (Gymnasium appends it to
    // the state with zero derivative)
    float k1[4], k2[4], k3[4], k4[4], y[4];
    const float half = 0.5f * dt;
    derivs(s, torque, k1);
    for (int i = 0; i < 4; ++i)
      y[i] = s[i] + half * k1[i];
    derivs(y, torque, k2);
    for (int i = 0; i < 4; ++i)
      y[i] = s[i] + half * k2[i];
    derivs(y, torque, k3);
    for (int i = 0; i < 4; ++i)
      y[i] = s[i] + dt * k3[i];
    derivs(y, torque, k4);
    for (int i = 0; i < 4; ++i) {
      s[i] = s[i] + dt / 6.0f * (k1[i] + 2.0f * k2[i] + 2.0f * k3[i] + k4[i]);
    }

    s[0] = wrap(s[0], -kPi, kPi);
    s[1] = wrap(s[1], -kPi, kPi);
    s[2] = fminf(fmaxf(s[2], -max_vel_1), max_vel_1);
    s[3] = fminf(fmaxf(s[3], -max_vel_2), max_vel_2);

    const bool terminated = -cosf(s[0]) - cosf(s[1] + s[0]) > 1.0f;
    return {terminated ? 0.0f : -1.0f, terminated};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    obs[0] = cosf(s[0]);
    obs[1] = sinf(s[0]);
    obs[2] = cosf(s[1]);
    obs[3] = sinf(s[1]);
    obs[4] = s[2];
    obs[5] = s[3];
  }
};

}  // namespace stampede
