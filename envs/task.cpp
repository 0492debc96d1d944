#include "envs/task.hpp"

#include <array>
#include <ostream>

#include "envs/tasks.hpp"

namespace stampede {

namespace {

struct TaskNames {
  std::string_view name, gym_id;
  bool mujoco;
};

const std::array<TaskNames, AllTasks::kSize>& task_table() {
  static const auto table = [] {
    std::array<TaskNames, AllTasks::kSize> t{};
    int i = 0;
    AllTasks::for_each([&](auto type) {
      using Env = typename decltype(type)::type;
      t[i++] = {Env::kName, Env::kGymId, PhysicsTask<Env>};
    });
    return t;
  }();
  return table;
}

}  // namespace

Task::Task(std::string_view name_or_id) {
  const std::optional<Task> found = find(name_or_id);
  if (!found) {
    throw UsageError("unknown env '" + std::string(name_or_id) + "' (available: " + task_names() +
                     ")");
  }
  *this = *found;
}

std::optional<Task> Task::find(std::string_view name_or_id) {
  const auto& table = task_table();
  for (int i = 0; i < AllTasks::kSize; ++i) {
    if (table[i].name == name_or_id || table[i].gym_id == name_or_id) return Task(i);
  }
  return std::nullopt;
}

std::string_view Task::name() const {
  return task_table()[index_].name;
}

std::string_view Task::gym_id() const {
  return task_table()[index_].gym_id;
}

bool Task::is_mujoco() const {
  return task_table()[index_].mujoco;
}

std::ostream& operator<<(std::ostream& out, Task task) {
  return out << task.name();
}

std::vector<Task> all_tasks() {
  std::vector<Task> tasks;
  AllTasks::for_each([&](auto type) { tasks.push_back(task_of<typename decltype(type)::type>()); });
  return tasks;
}

std::string task_names() {
  std::string names;
  for (const TaskNames& t : task_table()) {
    if (!names.empty()) names += ", ";
    names += t.name;
  }
  return names;
}

EnvSpec task_spec(Task task, const Model* model) {
  return visit_env(task, model, [&](auto env) {
    using Env = decltype(env);
    EnvSpec spec;
    spec.task = task;
    spec.state_dim = Env::kStateDim;
    spec.obs_dim = Env::kObsDim;
    spec.act_dim = Env::kActDim;
    spec.num_actions = Env::kNumActions;
    spec.max_episode_steps = env.max_episode_steps();
    if constexpr (Env::kNumActions == 0) {
      for (int j = 0; j < Env::kActDim; ++j) {
        spec.action_low.push_back(env.action_low(j));
        spec.action_high.push_back(env.action_high(j));
      }
    }
    return spec;
  });
}

void check_task_model(Task task, const Model& model, std::string_view source) {
  visit_task(task, [&](auto type) {
    using Env = typename decltype(type)::type;
    if constexpr (PhysicsTask<Env>) {
      bind_task<Env>(model, source);
    } else {
      std::string mujoco;
      for (Task t : all_tasks()) {
        if (t.is_mujoco())
          mujoco += std::string(mujoco.empty() ? "" : ", ") + std::string(t.name());
      }
      throw TaskModelError("'" + std::string(task.name()) +
                           "' is not a MuJoCo task, so it takes no model (those are: " + mujoco +
                           ")");
    }
  });
}

}  // namespace stampede
