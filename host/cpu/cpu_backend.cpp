// The CPU backend: the plain C++ oracle for every CUDA kernel. The rollout half (act, env step,
// reward scaling, bootstrap values) is templated on the environment type and shares the envs out
// between threads (each env is one thread's, so results do not depend on the thread count); the
// learner half lives in update_cpu.cpp.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "envs/core/host_env_batch.hpp"
#include "envs/registry.hpp"
#include "host/backend.hpp"
#include "host/cpu/parallel.hpp"
#include "host/cpu/update_cpu.hpp"
#include "host/ppo/distributions.hpp"
#include "host/ppo/running_stats.hpp"
#include "host/task_model.hpp"

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
    const EnvSpec spec = task_spec(config);
    action_low_ = spec.action_low;
    action_high_ = spec.action_high;
    envs_ = HostEnvBatch::of<Env>(n);
    rollout_.resize(config.num_steps, n, Env::kObsDim, layout_.act_dim, layout_.head_dim());
    load_state(initial_train_state(config));
  }

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
    envs_.state = std::exchange(state_.env_state, {});
    envs_.obs = std::exchange(state_.env_obs, {});
    envs_.episode_length = std::exchange(state_.episode_length, {});
    envs_.episode_return = std::exchange(state_.episode_return, {});
    batch_ = envs_.view();
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
    envs_.clear_episode_stats();

    for (int t = 0; t < config_.num_steps; ++t) {
      act(t);
      step(t);
    }
    bootstrap_last();
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
  void normalize(const float* raw, float* out) const {
    for (int d = 0; d < Env::kObsDim; ++d) {
      out[d] = config_.norm_obs
                   ? normalize_obs(raw[d], static_cast<float>(state_.obs_mean[d]),
                                   static_cast<float>(state_.obs_var[d]), config_.obs_clip)
                   : raw[d];
    }
  }

  float critic_value(const float* normalized_obs) const {
    float v, scratch[2 * kMaxLayerWidth];
    mlp_forward_row(learner_.params.data() + layout_.critic_offset(), layout_.critic,
                    normalized_obs, &v, scratch);
    return v;
  }

  // policy step for every env: normalise, sample, log-prob, value; also the value of the final
  // observation of episodes the previous step truncated
  void act(int t) {
    const int n = config_.num_envs, obs_dim = Env::kObsDim, act_dim = layout_.act_dim;
    const int head = layout_.head_dim();
    if (config_.norm_obs) {
      update_running_stats(envs_.obs.data(), n, obs_dim, state_.obs_mean.data(),
                           state_.obs_var.data(), &state_.obs_count);
    }
    const float* actor = learner_.params.data() + layout_.actor_offset();
    const float* log_std = learner_.params.data() + layout_.log_std_offset();
    env_actions_.resize(static_cast<size_t>(n) * act_dim);
    parallel_for(n, kPolicyEnvsPerThread, [&](int64_t i) {
      float scratch[2 * kMaxLayerWidth], h[kMaxHeadDim], xn[Env::kObsDim];
      const int64_t k = static_cast<int64_t>(t) * n + i;
      if (t > 0 && rollout_.truncated[k - n]) {
        normalize(&envs_.final_obs[static_cast<size_t>(i) * obs_dim], xn);
        rollout_.trunc_values[k - n] = critic_value(xn);
      }
      float* x = &rollout_.obs[k * obs_dim];
      normalize(&envs_.obs[static_cast<size_t>(i) * obs_dim], x);
      mlp_forward_row(actor, layout_.actor, x, h, scratch);
      Rng rng(config_.seed, RngPurpose::kAction, static_cast<uint32_t>(i),
              static_cast<uint64_t>(state_.global_step));
      float* a = &rollout_.actions[k * act_dim];
      float* dist = &rollout_.dist[k * head];
      float* env_a = &env_actions_[static_cast<size_t>(i) * act_dim];
      if (layout_.discrete()) {
        log_softmax(h, head, dist);
        const int choice = categorical_sample(dist, head, rng.uniform());
        a[0] = static_cast<float>(choice);
        env_a[0] = a[0];
        rollout_.logp[k] = dist[choice];
      } else {
        for (int j = 0; j < act_dim; ++j) {
          dist[j] = h[j];
          a[j] = h[j] + expf(log_std[j]) * rng.normal();
          // CleanRL's ClipAction: the env sees the clipped action, the log-prob the sample
          env_a[j] = std::clamp(a[j], action_low_[j], action_high_[j]);
        }
        rollout_.logp[k] = gaussian_log_prob(h, log_std, a, act_dim);
      }
      rollout_.values[k] = critic_value(x);
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
      // Gymnasium's NormalizeReward: scale by the std of a running discounted return
      for (int i = 0; i < n; ++i) {
        state_.ret_acc[i] =
            state_.ret_acc[i] * config_.gamma * (envs_.terminated[i] ? 0.0f : 1.0f) +
            envs_.reward[i];
      }
      update_running_stats(state_.ret_acc.data(), n, 1, &state_.ret_mean, &state_.ret_var,
                           &state_.ret_count);
    }
    const float inv_scale =
        config_.norm_reward ? 1.0f / std::sqrt(static_cast<float>(state_.ret_var) + 1e-8f) : 1.0f;
    for (int i = 0; i < n; ++i) {
      const int64_t k = static_cast<int64_t>(t) * n + i;
      const float r = envs_.reward[i] * inv_scale;
      rollout_.rewards[k] =
          config_.norm_reward ? std::clamp(r, -config_.reward_clip, config_.reward_clip) : r;
      rollout_.terminated[k] = envs_.terminated[i];
      rollout_.truncated[k] = envs_.truncated[i];
    }
  }

  void bootstrap_last() {
    const int n = config_.num_envs, obs_dim = Env::kObsDim;
    const int64_t last = static_cast<int64_t>(config_.num_steps - 1) * n;
    parallel_for(n, kPolicyEnvsPerThread, [&](int64_t i) {
      float xn[Env::kObsDim];
      normalize(&envs_.obs[i * obs_dim], xn);
      rollout_.last_values[i] = critic_value(xn);
      if (rollout_.truncated[last + i]) {
        normalize(&envs_.final_obs[i * obs_dim], xn);
        rollout_.trunc_values[last + i] = critic_value(xn);
      }
    });
  }

  Env env_;
  TrainConfig config_;
  PolicyLayout layout_;
  std::vector<float> action_low_, action_high_;
  TrainState state_;  // normalisers and counters (learner fields live in learner_, envs in envs_)
  LearnerState learner_;
  HostEnvBatch envs_;  // environment state lives here during a run, in TrainState in checkpoints
  EnvBatch batch_;     // view of envs_
  std::vector<float> env_actions_;
  RolloutBuffer rollout_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const TrainConfig& config) {
  return visit_env(config.env, task_model(config), [&](auto env) -> std::unique_ptr<Backend> {
    return std::make_unique<CpuBackend<decltype(env)>>(env, config);
  });
}

}  // namespace stampede
