#include "host/vec_env.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "core/errors.hpp"
#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"
#include "host/config.hpp"
#include "host/cpu/parallel.hpp"
#include "host/task_model.hpp"

namespace stampede {

namespace {
constexpr int kMaxVecEnvs = 1 << 24;
// environments per thread task: below this, waking a thread costs more than the steps
constexpr int64_t kEnvsPerTask = 64;
}  // namespace

struct VecEnv::Impl {
  EnvSpec spec;
  HostEnvBatch envs;
  uint64_t seed = 0, steps = 0;
  bool was_reset = false;
  std::function<void()> reset_all;
  std::function<void(const float*)> step_all;
};

VecEnv::VecEnv(Task task, int num_envs, const std::string& model_path)
    : impl_(std::make_unique<Impl>()) {
  if (num_envs < 1 || num_envs > kMaxVecEnvs) {
    throw UsageError("num_envs = " + std::to_string(num_envs) + " is out of range (1.." +
                     std::to_string(kMaxVecEnvs) + ")");
  }
  if (!model_path.empty() && !task.is_mujoco()) {
    throw UsageError("a model applies to MuJoCo tasks; '" + std::string(task.name()) +
                     "' is not one");
  }
  TrainConfig config;
  config.env = task;
  config.model = model_path;
  load_task_model(&config);  // reads and checks a user's model; nothing to do without one
  impl_->spec = task_spec(config);
  Impl& s = *impl_;
  visit_env(task, task_model(config), [&](auto env) {
    using Env = decltype(env);
    s.envs = HostEnvBatch::of<Env>(num_envs);
    s.reset_all = [&s, env] {
      const EnvBatch b = env_batch_view(s.envs);
      parallel_for(s.envs.num_envs(), kEnvsPerTask,
                   [&](int64_t i) { reset_env(env, b, static_cast<int>(i), s.seed, 0); });
    };
    s.step_all = [&s, env](const float* actions) {
      const EnvBatch b = env_batch_view(s.envs);
      // the ended episodes of this step only (bad_state_resets keeps counting)
      for (auto* sums : {&s.envs.done_return_sum, &s.envs.done_length_sum})
        std::fill(sums->begin(), sums->end(), 0.0f);
      std::fill(s.envs.done_count.begin(), s.envs.done_count.end(), 0);
      parallel_for(s.envs.num_envs(), kEnvsPerTask, [&](int64_t i) {
        step_env(env, b, static_cast<int>(i), actions + i * Env::kActDim, s.seed, s.steps);
      });
    };
  });
}

VecEnv::~VecEnv() = default;

const EnvSpec& VecEnv::spec() const {
  return impl_->spec;
}
int VecEnv::num_envs() const {
  return impl_->envs.num_envs();
}

void VecEnv::reset(uint64_t seed) {
  impl_->seed = seed;
  impl_->steps = 0;
  for_each_field(HostEnvBatch::fields(impl_->envs),
                 [](auto& f) { std::fill(f.array.begin(), f.array.end(), 0); });
  impl_->reset_all();
  impl_->was_reset = true;
}

void VecEnv::step(const float* actions) {
  Impl& s = *impl_;
  if (!s.was_reset) throw UsageError("step() before reset(): reset the environments first");
  const int64_t count = static_cast<int64_t>(num_envs()) * s.spec.act_dim;
  const auto where = [&](int64_t k) { return "action " + std::to_string(k / s.spec.act_dim); };
  for (int64_t k = 0; k < count; ++k) {  // per step: the message is built only on a failure
    const float a = actions[k];
    if (!std::isfinite(a)) throw UsageError(where(k) + " is not finite");
    if (s.spec.discrete() && (a != std::floor(a) || a < 0 || a >= s.spec.num_actions)) {
      throw UsageError(where(k) + " = " + std::to_string(a) + " is not one of the " +
                       std::to_string(s.spec.num_actions) + " choices (0.." +
                       std::to_string(s.spec.num_actions - 1) + ")");
    }
  }
  s.step_all(actions);
  ++s.steps;
}

float* VecEnv::obs() {
  return impl_->envs.obs.data();
}
float* VecEnv::final_obs() {
  return impl_->envs.final_obs.data();
}
float* VecEnv::reward() {
  return impl_->envs.reward.data();
}
uint8_t* VecEnv::terminated() {
  return impl_->envs.terminated.data();
}
uint8_t* VecEnv::truncated() {
  return impl_->envs.truncated.data();
}
float* VecEnv::ended_return() {
  return impl_->envs.done_return_sum.data();
}
float* VecEnv::ended_length() {
  return impl_->envs.done_length_sum.data();
}
int32_t* VecEnv::bad_state_resets() {
  return impl_->envs.bad_state_resets.data();
}
uint64_t VecEnv::steps() const {
  return impl_->steps;
}

}  // namespace stampede
