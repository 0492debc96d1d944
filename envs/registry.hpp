// The task list: names, Gymnasium ids, spaces, and a visitor that hands the concrete environment
// type to templated code (CPU backend, CUDA launchers, tests), so dispatch happens once per run,
// never per step.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "envs/classic/acrobot.hpp"
#include "envs/classic/cartpole.hpp"
#include "envs/classic/mountain_car_continuous.hpp"
#include "envs/classic/pendulum.hpp"

namespace stampede {

struct EnvSpec {
  std::string name;    // our name: cartpole
  std::string gym_id;  // Gymnasium's: CartPole-v1
  int obs_dim = 0;
  int act_dim = 0;
  int num_actions = 0;  // discrete choices; 0 = continuous
  std::vector<float> action_low, action_high;  // continuous only
  int max_episode_steps = 0;

  bool discrete() const { return num_actions > 0; }
};

// all tasks, in the order `stampede envs` lists them
const std::vector<EnvSpec>& env_specs();

// looks a task up by our name or its Gymnasium id; nullptr if unknown
const EnvSpec* find_env(std::string_view name);

// "cartpole, acrobot, ..." for error messages
std::string env_names();

// calls f(env) with a default-constructed environment of the named type
template <class F>
decltype(auto) visit_env(std::string_view name, F&& f) {
  if (name == "cartpole") return f(CartPole{});
  if (name == "acrobot") return f(Acrobot{});
  if (name == "pendulum") return f(Pendulum{});
  return f(MountainCarContinuous{});
}

}  // namespace stampede
