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
#include "envs/mujoco/inverted_double_pendulum.hpp"
#include "envs/mujoco/inverted_pendulum.hpp"
#include "envs/mujoco/reacher.hpp"
#include "envs/mujoco/swimmer.hpp"
#include "envs/mujoco/task_models.hpp"

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

// checks that `model` could drive the named MuJoCo task (sizes, actuators); throws
// TaskModelError naming `source` otherwise, or for a task that is not a MuJoCo task
void check_task_model(std::string_view task, const Model& model, std::string_view source);

// calls f(env) with an environment of the named type (by our name), ready to step on the host:
// classic tasks default-constructed, MuJoCo tasks bound to their compiled model (host memory;
// the CUDA backend swaps in a device copy)
template <class F>
decltype(auto) visit_env(std::string_view name, F&& f) {
  if (name == "cartpole") return f(CartPole{});
  if (name == "acrobot") return f(Acrobot{});
  if (name == "pendulum") return f(Pendulum{});
  if (name == "inverted_pendulum") return f(make_task<InvertedPendulum>(name));
  if (name == "inverted_double_pendulum") return f(make_task<InvertedDoublePendulum>(name));
  if (name == "reacher") return f(make_task<Reacher>(name));
  if (name == "swimmer") return f(make_task<Swimmer>(name));
  return f(MountainCarContinuous{});
}

}  // namespace stampede
