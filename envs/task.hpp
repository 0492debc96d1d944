// A task, named once where a name enters the program (command line, config file, checkpoint) and
// passed around as this handle from then on: an index into the task list (envs/tasks.hpp).
// This header is light on purpose; the list itself and the visitors that hand the concrete
// environment type to templated code live in envs/tasks.hpp.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "envs/physics/model.hpp"

namespace stampede {

class Task {
 public:
  // the first task of the list (CartPole), the default of `train --env`
  constexpr Task() = default;
  // by our name or the Gymnasium id; UsageError naming the known tasks otherwise
  explicit Task(std::string_view name_or_id);
  static std::optional<Task> find(std::string_view name_or_id);

  constexpr int index() const { return index_; }
  std::string_view name() const;    // ours: cartpole
  std::string_view gym_id() const;  // Gymnasium's: CartPole-v1
  // runs on the physics engine, so it can take a user's MJCF model
  bool is_mujoco() const;
  friend constexpr bool operator==(Task a, Task b) = default;
  // by our name, as logs and checkpoints spell it
  friend bool operator==(Task task, std::string_view name) { return task.name() == name; }
  friend std::ostream& operator<<(std::ostream& out, Task task);

 private:
  template <class Env>
  friend constexpr Task task_of();
  explicit constexpr Task(int index) : index_(index) {}
  int index_ = 0;
};

// every task, in the order `stampede envs` lists them
std::vector<Task> all_tasks();

// "cartpole, acrobot, ..." for error messages
std::string task_names();

// the spaces of a task, as `stampede envs` prints them
struct EnvSpec {
  Task task;
  int state_dim = 0;  // floats of one environment's state (EnvBatch rows)
  int obs_dim = 0;
  int act_dim = 0;
  int num_actions = 0;                         // discrete choices; 0 = continuous
  std::vector<float> action_low, action_high;  // continuous only
  int max_episode_steps = 0;

  bool discrete() const { return num_actions > 0; }
};

// the task's spec; a MuJoCo task's action bounds are its model's ctrlrange (Gymnasium derives
// its action space from them): `model`'s when given, else the embedded model's
EnvSpec task_spec(Task task, const Model* model = nullptr);

// checks that `model` could drive `task` (sizes, actuators); throws TaskModelError naming
// `source` otherwise, or when the task is not a MuJoCo task
void check_task_model(Task task, const Model& model, std::string_view source);

}  // namespace stampede
