#include "envs/registry.hpp"

namespace stampede {

namespace {

template <class Env>
EnvSpec make_spec(const Env& env, const char* name, const char* gym_id) {
  EnvSpec spec;
  spec.name = name;
  spec.gym_id = gym_id;
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
}

}  // namespace

const std::vector<EnvSpec>& env_specs() {
  static const std::vector<EnvSpec> specs = {
      make_spec(CartPole{}, "cartpole", "CartPole-v1"),
      make_spec(Acrobot{}, "acrobot", "Acrobot-v1"),
      make_spec(Pendulum{}, "pendulum", "Pendulum-v1"),
      make_spec(MountainCarContinuous{}, "mountain_car_continuous", "MountainCarContinuous-v0"),
      make_spec(make_task<InvertedPendulum>("inverted_pendulum"), "inverted_pendulum",
                "InvertedPendulum-v5"),
      make_spec(make_task<InvertedDoublePendulum>("inverted_double_pendulum"),
                "inverted_double_pendulum", "InvertedDoublePendulum-v5"),
      make_spec(make_task<Reacher>("reacher"), "reacher", "Reacher-v5"),
      make_spec(make_task<Swimmer>("swimmer"), "swimmer", "Swimmer-v5"),
  };
  return specs;
}

const EnvSpec* find_env(std::string_view name) {
  for (const EnvSpec& spec : env_specs()) {
    if (spec.name == name || spec.gym_id == name) return &spec;
  }
  return nullptr;
}

void check_task_model(std::string_view task, const Model& model, std::string_view source) {
  if (!is_mujoco_task(task)) {
    throw TaskModelError("'" + std::string(task) +
                         "' is not a MuJoCo task, so it takes no model (those are: "
                         "inverted_pendulum, inverted_double_pendulum, reacher, swimmer)");
  }
  visit_env(task, [&](auto env) {
    if constexpr (PhysicsTask<decltype(env)>) bind_task<decltype(env)>(model, source);
  });
}

bool is_mujoco_task(std::string_view name_or_id) {
  return find_env(name_or_id) &&
         visit_env(name_or_id, [](auto env) { return PhysicsTask<decltype(env)>; });
}

EnvSpec env_spec(std::string_view name, const Model* model) {
  const EnvSpec& named = *find_env(name);
  return visit_env(name, model, [&](auto env) {
    return make_spec(env, named.name.c_str(), named.gym_id.c_str());
  });
}

std::string env_names() {
  std::string names;
  for (const EnvSpec& spec : env_specs()) {
    if (!names.empty()) names += ", ";
    names += spec.name;
  }
  return names;
}

}  // namespace stampede
