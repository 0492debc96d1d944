#include "host/backend.hpp"

#include <cmath>

#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"
#include "host/cuda_loader.hpp"
#include "host/task_model.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

namespace {

CudaBackendHooks g_cuda_hooks;
std::string g_cuda_load_problem;

MlpShape make_mlp(int in, const std::vector<int>& hidden, int out) {
  MlpShape shape;
  shape.in = in;
  shape.out = out;
  shape.num_hidden = static_cast<int>(hidden.size());
  for (size_t l = 0; l < hidden.size(); ++l)
    shape.hidden[l] = hidden[l];
  return shape;
}

// orthogonal initialisation (Saxe et al.), as CleanRL's layer_init: rows or columns of W [out, in]
// made orthonormal by Gram-Schmidt on a Gaussian matrix, then scaled by `gain`
void orthogonal_init(float* w, int out, int in, float gain, Rng& rng) {
  const bool by_rows = out <= in;  // orthonormalise the shorter side
  const int count = by_rows ? out : in, length = by_rows ? in : out;
  std::vector<double> vecs(static_cast<size_t>(count) * length);
  for (double& x : vecs)
    x = rng.normal();
  for (int a = 0; a < count; ++a) {
    double* va = &vecs[static_cast<size_t>(a) * length];
    for (int b = 0; b < a; ++b) {
      const double* vb = &vecs[static_cast<size_t>(b) * length];
      double dot = 0.0;
      for (int k = 0; k < length; ++k)
        dot += va[k] * vb[k];
      for (int k = 0; k < length; ++k)
        va[k] -= dot * vb[k];
    }
    double norm = 0.0;
    for (int k = 0; k < length; ++k)
      norm += va[k] * va[k];
    norm = std::sqrt(norm);
    for (int k = 0; k < length; ++k)
      va[k] /= norm;
  }
  for (int o = 0; o < out; ++o) {
    for (int i = 0; i < in; ++i) {
      const double x = by_rows ? vecs[static_cast<size_t>(o) * length + i]
                               : vecs[static_cast<size_t>(i) * length + o];
      w[static_cast<size_t>(o) * in + i] = static_cast<float>(gain * x);
    }
  }
}

void init_mlp(float* params, const MlpShape& shape, float output_gain, Rng& rng) {
  for (int l = 0; l < shape.num_layers(); ++l) {
    const bool last = l == shape.num_hidden;
    orthogonal_init(params + shape.weight_offset(l), shape.layer_out(l), shape.layer_in(l),
                    last ? output_gain : std::sqrt(2.0f), rng);
    for (int o = 0; o < shape.layer_out(l); ++o)
      params[shape.bias_offset(l) + o] = 0.0f;
  }
}

}  // namespace

PolicyLayout make_policy_layout(const TrainConfig& config) {
  const EnvSpec spec = task_spec(config);
  PolicyLayout layout;
  layout.obs_dim = spec.obs_dim;
  layout.act_dim = spec.act_dim;
  layout.num_actions = spec.num_actions;
  layout.actor = make_mlp(spec.obs_dim, config.actor_hidden, layout.head_dim());
  layout.critic = make_mlp(spec.obs_dim, config.critic_hidden, 1);
  return layout;
}

ActParams act_settings(const TrainConfig& config) {
  ActParams p;
  p.layout = make_policy_layout(config);
  p.seed = config.seed;
  p.normalizer.enabled = config.norm_obs;
  p.normalizer.clip = config.obs_clip;
  const EnvSpec spec = task_spec(config);
  for (size_t j = 0; j < spec.action_low.size(); ++j) {
    p.action_low[j] = spec.action_low[j];
    p.action_high[j] = spec.action_high[j];
  }
  return p;
}

TrainState initial_train_state(const TrainConfig& config) {
  const PolicyLayout layout = make_policy_layout(config);
  const int n = config.num_envs;
  TrainState s;
  s.beta = config.kl_beta;
  s.params.assign(layout.num_params(), 0.0f);
  s.adam_m.assign(layout.num_params(), 0.0f);
  s.adam_v.assign(layout.num_params(), 0.0f);

  Rng rng(config.seed, RngPurpose::kInit, 0, 0);
  init_mlp(s.params.data() + layout.actor_offset(), layout.actor, 0.01f, rng);
  if (!layout.discrete()) {
    for (int j = 0; j < layout.act_dim; ++j)
      s.params[layout.log_std_offset() + j] = config.init_log_std;
  }
  init_mlp(s.params.data() + layout.critic_offset(), layout.critic, 1.0f, rng);

  s.obs_mean.assign(layout.obs_dim, 0.0);
  s.obs_var.assign(layout.obs_dim, 1.0);
  s.obs_count = kRunningStatsInitialCount;
  s.ret_mean = 0.0;
  s.ret_var = 1.0;
  s.ret_count = kRunningStatsInitialCount;
  s.ret_acc.assign(n, 0.0f);

  visit_env(config.env, task_model(config), [&](auto env) {
    auto envs = HostEnvBatch::of<decltype(env)>(n);
    const EnvBatch batch = env_batch_view(envs);
    for (int i = 0; i < n; ++i)
      reset_env(env, batch, i, config.seed, 0);
    store_env_batch(envs, &s);
  });
  return s;
}

void store_env_batch(const HostEnvBatch& envs, TrainState* state) {
  for_each_pair(state->env_arrays(), HostEnvBatch::persistent(envs),
                [](auto& to, const auto& from) { to = from.array; });
}

void register_cuda_backend(const CudaBackendHooks& hooks) {
  g_cuda_hooks = hooks;
}

void set_cuda_load_problem(const std::string& why) {
  g_cuda_load_problem = why;
}

std::string cuda_unavailable_reason() {
  load_cuda_backend();  // on first need: a CPU-only run never loads the CUDA libraries
  if (!g_cuda_hooks.make) {
    return g_cuda_load_problem.empty() ? "the CUDA backend is not loaded" : g_cuda_load_problem;
  }
  return g_cuda_hooks.probe();
}

bool backend_uses_gpu(const TrainConfig& config) {
  return config.device != "cpu" && cuda_unavailable_reason().empty();
}

std::unique_ptr<Backend> make_backend(const TrainConfig& config) {
  if (backend_uses_gpu(config)) return g_cuda_hooks.make(config);
  if (config.device == "cuda") {
    throw UsageError("--device cuda was asked for, but " + cuda_unavailable_reason());
  }
  return make_cpu_backend(config);
}

}  // namespace stampede
