// The task list: names, Gymnasium ids, spaces, and a visitor that hands the concrete environment
// type to templated code (CPU backend, CUDA launchers, tests), so dispatch happens once per run,
// never per step.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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
  int num_actions = 0;                         // discrete choices; 0 = continuous
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

// the tasks that run on the physics engine and so can take a user's MJCF model
bool is_mujoco_task(std::string_view name);

// the named task's spec, with the action bounds of `model` (its actuators' ctrlrange, as
// Gymnasium derives them) when `model` is not null
EnvSpec env_spec(std::string_view name, const Model* model);

// checks that `model` could drive the named MuJoCo task (sizes, actuators); throws
// TaskModelError naming `source` otherwise, or for a task that is not a MuJoCo task
void check_task_model(std::string_view task, const Model& model, std::string_view source);

// a MuJoCo task bound to `model`, or to its embedded asset when `model` is null
template <class Env>
Env task_env(std::string_view name, const Model* model) {
  return model ? bind_task<Env>(*model, name) : make_task<Env>(name);
}

// a classic-control task, which has no model to replace
template <class Env>
Env classic_env(std::string_view name, const Model* model) {
  if (model) throw TaskModelError("'" + std::string(name) + "' is not a MuJoCo task; no model");
  return Env{};
}

// calls f(env) with an environment of the named type (our name or the Gymnasium id), ready to
// step on the host: classic tasks default-constructed, MuJoCo tasks bound to `model` (a user's
// MJCF, already checked by check_task_model) or, when it is null, to their embedded asset (host
// memory; the CUDA backend swaps in a device copy). Unknown names throw std::invalid_argument
// (configs are validated before they get here).
template <class F>
decltype(auto) visit_env(std::string_view name_or_id, const Model* model, F&& f) {
  const EnvSpec* spec = find_env(name_or_id);
  if (!spec) throw std::invalid_argument("unknown env '" + std::string(name_or_id) + "'");
  const std::string_view name = spec->name;
  if (name == "cartpole") return f(classic_env<CartPole>(name, model));
  if (name == "acrobot") return f(classic_env<Acrobot>(name, model));
  if (name == "pendulum") return f(classic_env<Pendulum>(name, model));
  if (name == "mountain_car_continuous") return f(classic_env<MountainCarContinuous>(name, model));
  if (name == "inverted_pendulum") return f(task_env<InvertedPendulum>(name, model));
  if (name == "inverted_double_pendulum") return f(task_env<InvertedDoublePendulum>(name, model));
  if (name == "reacher") return f(task_env<Reacher>(name, model));
  if (name == "swimmer") return f(task_env<Swimmer>(name, model));
  throw std::invalid_argument("env '" + std::string(name) + "' has no visit_env case");
}

// the same with every task on its own model
template <class F>
decltype(auto) visit_env(std::string_view name_or_id, F&& f) {
  return visit_env(name_or_id, nullptr, std::forward<F>(f));
}

}  // namespace stampede
