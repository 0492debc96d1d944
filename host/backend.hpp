// The seam between the backend-agnostic trainer and the place the data lives. A backend owns the
// environments, rollout buffers, parameters, optimiser state and normaliser statistics (host
// memory for the CPU backend, device memory for CUDA) and runs whole iterations; the trainer reads
// back one IterationStats per iteration and, for checkpoints, a TrainState.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "envs/core/env_batch.hpp"
#include "host/config.hpp"
#include "ppo/act.hpp"
#include "ppo/iteration_stats.hpp"
#include "ppo/policy_layout.hpp"

namespace stampede {

// everything a checkpoint must hold to continue a run bit for bit
struct TrainState {
  int64_t iteration = 0;    // completed iterations
  int64_t global_step = 0;  // vectorised env steps taken (each is num_envs transitions)
  int64_t adam_step = 0;
  float beta = 1.0f;  // KL penalty coefficient (kl_adaptive adapts it)

  std::vector<float> params;  // [P] flat, see PolicyLayout
  std::vector<float> adam_m;  // [P]
  std::vector<float> adam_v;  // [P]

  std::vector<double> obs_mean, obs_var;  // [obs_dim]
  double obs_count = 0.0;
  double ret_mean = 0.0, ret_var = 1.0, ret_count = 0.0;
  std::vector<float> ret_acc;  // [N] discounted return per env, for reward scaling

  std::vector<float> env_state;         // [state_dim, N]
  std::vector<float> env_obs;           // [N, obs_dim]
  std::vector<int32_t> episode_length;  // [N]
  std::vector<float> episode_return;    // [N]

  // the environment arrays, in the order of EnvBatchStorage::persistent
  auto env_arrays() { return std::tie(env_state, env_obs, episode_length, episode_return); }
  auto env_arrays() const { return std::tie(env_state, env_obs, episode_length, episode_return); }
};

struct IterationControl {
  int64_t iteration = 0;
  float learning_rate = 0.0f;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // rollout, advantages, K epochs of minibatch updates, statistics
  virtual IterationStats run_iteration(const IterationControl& control) = 0;
  virtual void load_state(const TrainState& state) = 0;
  virtual TrainState save_state() = 0;
  virtual std::string device_name() const = 0;
};

PolicyLayout make_policy_layout(const TrainConfig& config);

// the act step's settings for `config` (layout, seed, normaliser switches, the task's action
// bounds); each backend points them at its own arrays with act_params_on
ActParams act_settings(const TrainConfig& config);

// `settings` pointed at the arrays the act step reads and writes, in host or device memory: the
// parameters, the observation statistics, the environments' observations, the rollout and the
// actions the environments receive
template <class Envs, class Rollout>
ActParams act_params_on(ActParams settings, const float* params, const double* obs_mean,
                        const double* obs_var, Envs& envs, Rollout& rollout, float* env_actions) {
  settings.params = params;
  settings.normalizer.mean = obs_mean;
  settings.normalizer.var = obs_var;
  settings.env_obs = array_data(envs.obs);
  settings.final_obs = array_data(envs.final_obs);
  settings.rollout = rollout_view(rollout);
  settings.env_actions = env_actions;
  return settings;
}

// the state a fresh run starts from: initialised parameters, reset environments; identical on
// every backend, so CPU and GPU runs of one seed start from the same point
TrainState initial_train_state(const TrainConfig& config);

// host storage holding a copy of the environment part of `state` (states, observations,
// episode counters), and that part written back
template <class Env>
HostEnvBatch env_batch_of(const TrainState& state) {
  auto envs = HostEnvBatch::of<Env>(static_cast<int>(state.episode_length.size()));
  for_each_pair(HostEnvBatch::persistent(envs), state.env_arrays(),
                [](auto& to, const auto& from) { to.array = from; });
  return envs;
}
void store_env_batch(const HostEnvBatch& envs, TrainState* state);

std::unique_ptr<Backend> make_cpu_backend(const TrainConfig& config);

// the CUDA backend registers itself here when it is linked in (see host/cuda/): `probe` returns
// an empty string when a usable device is present, else why not
struct CudaBackendHooks {
  std::unique_ptr<Backend> (*make)(const TrainConfig& config) = nullptr;
  std::string (*probe)() = nullptr;
};
void register_cuda_backend(const CudaBackendHooks& hooks);
// why the CUDA backend could not be registered (host/cuda_loader.hpp), for the reason below
void set_cuda_load_problem(const std::string& why);
std::string cuda_unavailable_reason();  // empty when the CUDA backend can run

// resolves config.device (auto -> cuda when available) and builds the backend; throws UsageError
// when cuda is asked for and cannot be had
std::unique_ptr<Backend> make_backend(const TrainConfig& config);

// whether make_backend(config) builds the CUDA backend (the trainer checks the run's memory for
// that backend before it makes it: host/run_memory.hpp)
bool backend_uses_gpu(const TrainConfig& config);

}  // namespace stampede
