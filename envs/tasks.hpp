// The task list: the one place a task is registered. Everything that enumerates tasks walks
// AllTasks: `stampede envs`, name lookup and error messages (envs/task.cpp), the dispatch from a
// Task handle to the concrete environment type (visit_task, visit_env below), the CUDA env-step
// kernels (CMakeLists.txt compiles one translation unit per entry of this list) and the tests.
// Adding a task: write its header (docs/adding-a-task.md) and add its type here.
#pragma once

#include <type_traits>
#include <utility>

#include "envs/classic/acrobot.hpp"
#include "envs/classic/cartpole.hpp"
#include "envs/classic/mountain_car_continuous.hpp"
#include "envs/classic/pendulum.hpp"
#include "envs/mujoco/half_cheetah.hpp"
#include "envs/mujoco/hopper.hpp"
#include "envs/mujoco/inverted_double_pendulum.hpp"
#include "envs/mujoco/inverted_pendulum.hpp"
#include "envs/mujoco/reacher.hpp"
#include "envs/mujoco/swimmer.hpp"
#include "envs/mujoco/task_models.hpp"
#include "envs/mujoco/walker2d.hpp"
#include "envs/task.hpp"

namespace stampede {

template <class... Envs>
struct TaskList {
  static constexpr int kSize = sizeof...(Envs);

  // f(std::type_identity<Env>{}) with the index-th type; every call must return the same type
  template <class F>
  static decltype(auto) visit(int index, F&& f) {
    return visit_from<0, Envs...>(index, f);
  }

  // f(std::type_identity<Env>{}) for every type, in list order
  template <class F>
  static void for_each(F&& f) {
    (f(std::type_identity<Envs>{}), ...);
  }

  template <class Env>
  static constexpr int index_of() {
    constexpr bool found[] = {std::is_same_v<Env, Envs>...};
    for (int i = 0; i < kSize; ++i) {
      if (found[i]) return i;
    }
    return -1;
  }

 private:
  template <int I, class Env, class... Rest, class F>
  static decltype(auto) visit_from(int index, F& f) {
    if constexpr (sizeof...(Rest) == 0) {
      return f(std::type_identity<Env>{});  // Task handles are always in range
    } else {
      if (index == I) return f(std::type_identity<Env>{});
      return visit_from<I + 1, Rest...>(index, f);
    }
  }
};

// clang-format off
using AllTasks = TaskList<
    CartPole,
    Acrobot,
    Pendulum,
    MountainCarContinuous,
    InvertedPendulum,
    InvertedDoublePendulum,
    Reacher,
    Swimmer,
    Hopper,
    Walker2d,
    HalfCheetah>;
// clang-format on

template <class Env>
constexpr Task task_of() {
  static_assert(AllTasks::index_of<Env>() >= 0, "not in AllTasks (envs/tasks.hpp)");
  return Task(AllTasks::index_of<Env>());
}

// f(std::type_identity<Env>{}) for the task's environment type, when only the type is needed
template <class F>
decltype(auto) visit_task(Task task, F&& f) {
  return AllTasks::visit(task.index(), f);
}

// an environment of type Env ready to step on the host: a classic task default-constructed, a
// MuJoCo task bound to `model` (a user's MJCF, already checked by check_task_model) or, when it
// is null, to its embedded asset. Only MuJoCo tasks take a model.
template <class Env>
Env make_env(const Model* model) {
  if constexpr (PhysicsTask<Env>) {
    return model ? bind_task<Env>(*model, Env::kName) : make_task<Env>();
  } else {
    if (model) throw TaskModelError(std::string("'") + Env::kName + "' is not a MuJoCo task");
    return Env{};
  }
}

// f(env) with the task's environment (make_env), so dispatch happens once per run, never per
// step (the CUDA backend swaps a MuJoCo task's host model for its device copy)
template <class F>
decltype(auto) visit_env(Task task, const Model* model, F&& f) {
  return visit_task(task, [&](auto type) -> decltype(auto) {
    return f(make_env<typename decltype(type)::type>(model));
  });
}

template <class F>
decltype(auto) visit_env(Task task, F&& f) {
  return visit_env(task, nullptr, std::forward<F>(f));
}

}  // namespace stampede
