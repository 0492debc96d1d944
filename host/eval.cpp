#include "host/eval.hpp"

#include <algorithm>
#include <cmath>

#include "envs/core/host_env_batch.hpp"
#include "envs/registry.hpp"
#include "host/cpu/parallel.hpp"
#include "host/ppo/distributions.hpp"
#include "host/ppo/running_stats.hpp"
#include "host/task_model.hpp"

namespace stampede {

namespace {

template <class Env>
EvalResult evaluate_env(const Env& env, const Checkpoint& ck, int episodes, bool stochastic,
                        uint64_t seed) {
  const TrainConfig& config = ck.config;
  const PolicyLayout layout = make_policy_layout(config);
  const EnvSpec spec = task_spec(config);
  const float* params = ck.state.params.data();
  const int n = episodes;  // one environment per episode, each run to its first end

  HostEnvBatch envs = HostEnvBatch::of<Env>(n);
  const EnvBatch b = envs.view();
  for (int i = 0; i < n; ++i)
    reset_env(env, b, i, seed, 0);

  // each env's episode depends only on its own state and (seed, env, step), so the episodes run
  // to their ends independently, one thread each
  EvalResult result;
  result.returns.assign(n, 0.0f);
  result.lengths.assign(n, 0);
  parallel_for(n, 1, [&](int64_t env_index) {
    const int i = static_cast<int>(env_index);
    float xn[Env::kObsDim], h[kMaxHeadDim], action[kMaxHeadDim], scratch[2 * kMaxLayerWidth];
    for (uint64_t step = 0; envs.done_count[i] == 0; ++step) {
      for (int d = 0; d < Env::kObsDim; ++d) {
        const float raw = envs.obs[static_cast<size_t>(i) * Env::kObsDim + d];
        xn[d] = config.norm_obs
                    ? normalize_obs(raw, static_cast<float>(ck.state.obs_mean[d]),
                                    static_cast<float>(ck.state.obs_var[d]), config.obs_clip)
                    : raw;
      }
      mlp_forward_row(params + layout.actor_offset(), layout.actor, xn, h, scratch);
      Rng rng(seed, RngPurpose::kEval, static_cast<uint32_t>(i), step);
      if (layout.discrete()) {
        float log_p[kMaxHeadDim];
        log_softmax(h, layout.num_actions, log_p);
        const int best = static_cast<int>(std::max_element(h, h + layout.num_actions) - h);
        action[0] = static_cast<float>(
            stochastic ? categorical_sample(log_p, layout.num_actions, rng.uniform()) : best);
      } else {
        const float* log_std = params + layout.log_std_offset();
        for (int j = 0; j < layout.act_dim; ++j) {
          const float a = stochastic ? h[j] + expf(log_std[j]) * rng.normal() : h[j];
          action[j] = std::clamp(a, spec.action_low[j], spec.action_high[j]);
        }
      }
      step_env(env, b, i, action, seed, step);
    }
    result.returns[i] = envs.done_return_sum[i];
    result.lengths[i] = static_cast<int>(envs.done_length_sum[i]);
  });
  double sum = 0.0;
  for (float r : result.returns)
    sum += r;
  result.mean = sum / n;
  double sq = 0.0;
  for (float r : result.returns)
    sq += (r - result.mean) * (r - result.mean);
  result.std = std::sqrt(sq / n);
  return result;
}

}  // namespace

EvalResult evaluate_policy(const Checkpoint& checkpoint, int episodes, bool stochastic,
                           uint64_t seed) {
  return visit_env(checkpoint.config.env, task_model(checkpoint.config), [&](auto env) {
    return evaluate_env(env, checkpoint, episodes, stochastic, seed);
  });
}

}  // namespace stampede
