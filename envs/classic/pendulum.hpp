// Pendulum-v1 (Gymnasium classic_control/pendulum.py): swing-up of a torque-limited pendulum,
// reward -(angle^2 + 0.1 thdot^2 + 0.001 u^2), never terminates, 200-step limit.
#pragma once

#include <cmath>

#include "envs/core/env_api.hpp"

namespace stampede {

struct Pendulum {
  static constexpr const char* kName = "pendulum";
  static constexpr const char* kGymId = "Pendulum-v1";

  static constexpr int kStateDim = 2;  // theta, theta_dot
  static constexpr int kObsDim = 3;    // cos, sin, theta_dot
  static constexpr int kActDim = 1;
  static constexpr int kNumActions = 0;

  float max_speed = 8.0f;
  float max_torque = 2.0f;
  float dt = 0.05f;
  float g = 10.0f;
  float m = 1.0f;
  float l = 1.0f;
  int episode_steps = 200;

  STAMPEDE_HD int max_episode_steps() const { return episode_steps; }
  STAMPEDE_HD float action_low(int) const { return -max_torque; }
  STAMPEDE_HD float action_high(int) const { return max_torque; }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    s[0] = rng.uniform(-3.14159265358979323846f, 3.14159265358979323846f);
    s[1] = rng.uniform(-1.0f, 1.0f);
  }

  // wraps to [-pi, pi) as Gymnasium's angle_normalize does
  STAMPEDE_HD static float angle_normalize(float x) {
    constexpr float kPi = 3.14159265358979323846f;
    const float y = fmodf(x + kPi, 2.0f * kPi);
    return (y < 0.0f ? y + 2.0f * kPi : y) - kPi;
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    const float th = s[0], thdot = s[1];
    const float u = fminf(fmaxf(action[0], -max_torque), max_torque);
    const float angle = angle_normalize(th);
    const float costs = angle * angle + 0.1f * thdot * thdot + 0.001f * u * u;
    float newthdot = thdot + (3.0f * g / (2.0f * l) * sinf(th) + 3.0f / (m * l * l) * u) * dt;
    newthdot = fminf(fmaxf(newthdot, -max_speed), max_speed);
    s[0] = th + newthdot * dt;
    s[1] = newthdot;
    return {-costs, false};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    obs[0] = cosf(s[0]);
    obs[1] = sinf(s[0]);
    obs[2] = s[1];
  }
};

}  // namespace stampede
