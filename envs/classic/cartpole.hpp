// CartPole-v1 (Gymnasium classic_control/cartpole.py): Euler integration of the Barto, Sutton and
// Anderson cart-pole, reward 1 on every step including the terminating one, 500-step limit.
#pragma once

#include <cmath>

#include "envs/core/env_api.hpp"

namespace stampede {

struct CartPole {
  static constexpr const char* kName = "cartpole";
  static constexpr const char* kGymId = "CartPole-v1";

  static constexpr int kStateDim = 4;  // x, x_dot, theta, theta_dot
  static constexpr int kObsDim = 4;
  static constexpr int kActDim = 1;
  static constexpr int kNumActions = 2;

  float gravity = 9.8f;
  float masscart = 1.0f;
  float masspole = 0.1f;
  float length = 0.5f;  // half the pole's length
  float force_mag = 10.0f;
  float tau = 0.02f;
  float theta_threshold = 12.0f * 2.0f * 3.14159265358979323846f / 360.0f;
  float x_threshold = 2.4f;
  int episode_steps = 500;

  STAMPEDE_HD int max_episode_steps() const { return episode_steps; }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    for (int i = 0; i < kStateDim; ++i)
      s[i] = rng.uniform(-0.05f, 0.05f);
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    const float x = s[0], x_dot = s[1], theta = s[2], theta_dot = s[3];
    const float force = action[0] >= 0.5f ? force_mag : -force_mag;
    const float costheta = cosf(theta), sintheta = sinf(theta);
    const float total_mass = masscart + masspole;
    const float polemass_length = masspole * length;

    const float temp = (force + polemass_length * theta_dot * theta_dot * sintheta) / total_mass;
    const float thetaacc = (gravity * sintheta - costheta * temp) /
                           (length * (4.0f / 3.0f - masspole * costheta * costheta / total_mass));
    const float xacc = temp - polemass_length * thetaacc * costheta / total_mass;

    // explicit Euler, Gymnasium's default kinematics_integrator
    s[0] = x + tau * x_dot;
    s[1] = x_dot + tau * xacc;
    s[2] = theta + tau * theta_dot;
    s[3] = theta_dot + tau * thetaacc;

    const bool terminated = s[0] < -x_threshold || s[0] > x_threshold || s[2] < -theta_threshold ||
                            s[2] > theta_threshold;
    return {1.0f, terminated};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    for (int i = 0; i < kObsDim; ++i)
      obs[i] = s[i];
  }
};

}  // namespace stampede
