// The CPU backend: the plain C++ oracle for every CUDA kernel. The rollout half (act, env step,
// reward scaling, bootstrap values) is templated on the environment type and shares the envs out
// between threads (each env is one thread's, so results do not depend on the thread count); the
// learner half lives in update_cpu.cpp.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"
#include "host/backend.hpp"
#include "host/cpu/parallel.hpp"
#include "host/cpu/update_cpu.hpp"
#include "host/task_model.hpp"
#include "ppo/act.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

namespace {

// batch moments of `count` rows of width `dim` (row-major), merged into running statistics
void update_running_stats(const float* rows, int count, int dim, double* mean, double* var,
                          double* running_count) {
  for (int d = 0; d < dim; ++d) {
    double sum = 0.0;
    for (int i = 0; i < count; ++i)
      sum += rows[static_cast<int64_t>(i) * dim + d];
    const double batch_mean = sum / count;
    double sq = 0.0;
    for (int i = 0; i < count; ++i) {
      const double e = rows[static_cast<int64_t>(i) * dim + d] - batch_mean;
      sq += e * e;
    }
    merge_moments(&mean[d], &var[d], *running_count, batch_mean, sq / count, count);
  }
  *running_count += count;
}

template <class Env>
class CpuBackend final : public Backend {
 public:
  CpuBackend(const Env& env, const TrainConfig& config)
      : env_(env), config_(config), layout_(make_policy_layout(config)) {
    const int n = config.num_envs;
    envs_ = HostEnvBatch::of<Env>(n);
    rollout_.resize(
        RolloutShape{config.num_steps, n, Env::kObsDim, layout_.act_dim, layout_.head_dim()});
    env_actions_.resize(static_cast<size_t>(n) * layout_.act_dim);
    act_ = act_settings(config);
    load_state(initial_train_state(config));
  }

  // it holds views into its own arrays: never copied or moved
  CpuBackend(const CpuBackend&) = delete;
  CpuBackend& operator=(const CpuBackend&) = delete;

  std::string device_name() const override {
    const int threads = cpu_threads();
    return "cpu (" + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
  }

  // the arrays move out of state_ so that each has one owner during the run
  void load_state(const TrainState& s) override {
    state_ = s;
    learner_.params = std::exchange(state_.params, {});
    learner_.adam_m = std::exchange(state_.adam_m, {});
    learner_.adam_v = std::exchange(state_.adam_v, {});
    learner_.adam_step = s.adam_step;
    learner_.beta = s.beta;
    for_each_pair(HostEnvBatch::persistent(envs_), state_.env_arrays(),
                  [](auto& to, auto& from) { to.array = std::exchange(from, {}); });
    // views of the arrays above, taken once they have their final addresses
    batch_ = env_batch_view(envs_);
    act_ = act_params_on(act_, learner_.params.data(), state_.obs_mean.data(),
                         state_.obs_var.data(), envs_, rollout_, env_actions_.data());
  }

  TrainState save_state() override {
    TrainState s = state_;
    s.params = learner_.params;
    s.adam_m = learner_.adam_m;
    s.adam_v = learner_.adam_v;
    s.adam_step = learner_.adam_step;
    s.beta = learner_.beta;
    store_env_batch(envs_, &s);
    return s;
  }

  IterationStats run_iteration(const IterationControl& control) override {
    clear_episode_stats(envs_);
    for (int t = 0; t < config_.num_steps; ++t) {
      act(t);
      step(t);
    }
    act(config_.num_steps);  // V(s_T) and the truncated episodes of the last step
    compute_advantages_cpu(&rollout_, config_.gamma, config_.gae_lambda);
    IterationStats stats = ppo_update_cpu(config_, layout_, rollout_, control.iteration,
                                          control.learning_rate, &learner_);
    for (int i = 0; i < config_.num_envs; ++i) {
      stats.episodes += envs_.done_count[i];
      stats.episode_return_sum += envs_.done_return_sum[i];
      stats.episode_length_sum += envs_.done_length_sum[i];
      stats.bad_state_resets += envs_.bad_state_resets[i];
    }
    state_.iteration = control.iteration + 1;
    return stats;
  }

 private:
  // the policy for every env (ppo/act.hpp): normalise, sample, log-prob, value; t == T: V(s_T)
  void act(int t) {
    const int n = config_.num_envs;
    if (config_.norm_obs && t < config_.num_steps) {
      update_running_stats(envs_.obs.data(), n, Env::kObsDim, state_.obs_mean.data(),
                           state_.obs_var.data(), &state_.obs_count);
    }
    act_.t = t;
    const auto global_step = static_cast<uint64_t>(state_.global_step);
    parallel_for(n, kPolicyEnvsPerThread, [&](int64_t i) {
      act_env<kMaxLayerWidth>(act_, act_.params, static_cast<int>(i), global_step);
    });
  }

  void step(int t) {
    const int n = config_.num_envs;
    parallel_for(n, step_envs_per_thread<Env>(), [&](int64_t i) {
      step_env(env_, batch_, static_cast<int>(i), &env_actions_[i * layout_.act_dim], config_.seed,
               static_cast<uint64_t>(state_.global_step));
    });
    state_.global_step += 1;
    if (config_.norm_reward) {
      for (int i = 0; i < n; ++i) {
        state_.ret_acc[i] = discounted_return(state_.ret_acc[i], config_.gamma, envs_.terminated[i],
                                              envs_.reward[i]);
      }
      update_running_stats(state_.ret_acc.data(), n, 1, &state_.ret_mean, &state_.ret_var,
                           &state_.ret_count);
    }
    for (int i = 0; i < n; ++i) {
      const int64_t k = static_cast<int64_t>(t) * n + i;
      rollout_.rewards[k] =
          config_.norm_reward ? scaled_reward(envs_.reward[i], state_.ret_var, config_.reward_clip)
                              : envs_.reward[i];
      rollout_.terminated[k] = envs_.terminated[i];
      rollout_.truncated[k] = envs_.truncated[i];
    }
  }

  Env env_;
  TrainConfig config_;
  PolicyLayout layout_;
  TrainState state_;  // normalisers and counters (learner fields live in learner_, envs in envs_)
  LearnerState learner_;
  HostEnvBatch envs_;  // environment state lives here during a run, in TrainState in checkpoints
  EnvBatch batch_;     // view of envs_
  std::vector<float> env_actions_;
  RolloutBuffer rollout_;
  ActParams act_;  // the act step's inputs and outputs: views of the arrays above
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const TrainConfig& config) {
  return visit_env(config.env, task_model(config), [&](auto env) -> std::unique_ptr<Backend> {
    return std::make_unique<CpuBackend<decltype(env)>>(env, config);
  });
}

}  // namespace stampede
