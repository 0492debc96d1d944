// MountainCarContinuous-v0 (Gymnasium classic_control/continuous_mountain_car.py): +100 on
// reaching the goal, minus 0.1 a^2 on the unclipped action every step, 999-step limit.
#pragma once

#include <cmath>

#include "envs/core/env_api.hpp"

namespace stampede {

struct MountainCarContinuous {
  static constexpr const char* kName = "mountain_car_continuous";
  static constexpr const char* kGymId = "MountainCarContinuous-v0";

  static constexpr int kStateDim = 2;  // position, velocity
  static constexpr int kObsDim = 2;
  static constexpr int kActDim = 1;
  static constexpr int kNumActions = 0;

  float min_action = -1.0f;
  float max_action = 1.0f;
  float min_position = -1.2f;
  float max_position = 0.6f;
  float max_speed = 0.07f;
  float goal_position = 0.45f;
  float goal_velocity = 0.0f;
  float power = 0.0015f;
  int episode_steps = 999;

  STAMPEDE_HD int max_episode_steps() const { return episode_steps; }
  STAMPEDE_HD float action_low(int) const { return min_action; }
  STAMPEDE_HD float action_high(int) const { return max_action; }

  STAMPEDE_HD void reset(float* s, Rng& rng) const {
    s[0] = rng.uniform(-0.6f, -0.4f);
    s[1] = 0.0f;
  }

  STAMPEDE_HD StepOutcome step(float* s, const float* action, Rng&) const {
    float position = s[0], velocity = s[1];
    const float force = fminf(fmaxf(action[0], min_action), max_action);
    velocity += force * power - 0.0025f * cosf(3.0f * position);
    velocity = fminf(fmaxf(velocity, -max_speed), max_speed);
    position += velocity;
    position = fminf(fmaxf(position, min_position), max_position);
    if (position == min_position && velocity < 0.0f) velocity = 0.0f;
    s[0] = position;
    s[1] = velocity;

    const bool terminated = position >= goal_position && velocity >= goal_velocity;
    const float reward = (terminated ? 100.0f : 0.0f) - 0.1f * action[0] * action[0];
    return {reward, terminated};
  }

  STAMPEDE_HD void observe(const float* s, float* obs) const {
    obs[0] = s[0];
    obs[1] = s[1];
  }
};

}  // namespace stampede
