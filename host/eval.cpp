#include "host/eval.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "envs/core/env_batch.hpp"
#include "envs/mujoco/embedded_assets.hpp"
#include "envs/tasks.hpp"
#include "host/cpu/parallel.hpp"
#include "host/task_model.hpp"
#include "ppo/act.hpp"

namespace stampede {

namespace {

template <class Env>
EvalResult evaluate_env(const Env& env, const Checkpoint& ck, int episodes, bool stochastic,
                        uint64_t seed, bool record) {
  const TrainConfig& config = ck.config;
  const PolicyLayout layout = make_policy_layout(config);
  const EnvSpec spec = task_spec(config);
  const float* params = ck.state.params.data();
  const ObsNormalizer normalizer = frozen_normalizer(ck);
  const int n = episodes;  // one environment per episode, each run to its first end

  auto envs = HostEnvBatch::of<Env>(n);
  const EnvBatch b = env_batch_view(envs);
  for (int i = 0; i < n; ++i)
    reset_env(env, b, i, seed, 0);

  // each env's episode depends only on its own state and (seed, env, step), so the episodes run
  // to their ends independently, one thread each
  EvalResult result;
  result.returns.assign(n, 0.0f);
  result.lengths.assign(n, 0);
  constexpr bool kPhysics = requires {
    Env::Layout::kQpos;
    env.model->opt.timestep;
    env.frame_skip;
  };
  if (record) {
    if constexpr (kPhysics) {
      result.traces.resize(n);
      result.nq = Env::kNq;
      result.dt = static_cast<double>(env.model->opt.timestep) * env.frame_skip;
    } else {
      throw UsageError("trajectories are recorded for MuJoCo tasks only");
    }
  }
  parallel_for(n, 1, [&](int64_t env_index) {
    const int i = static_cast<int>(env_index);
    float x[Env::kObsDim], dist[kMaxHeadDim], action[kMaxHeadDim], env_action[kMaxHeadDim];
    float scratch[2 * kMaxLayerWidth];
    for (uint64_t step = 0; envs.done_count[i] == 0; ++step) {
      normalizer.apply(&envs.obs[static_cast<size_t>(i) * Env::kObsDim], Env::kObsDim, x);
      Rng rng(seed, RngPurpose::kEval, static_cast<uint32_t>(i), step);
      policy_action(layout, params, x, stochastic ? &rng : nullptr, spec.action_low.data(),
                    spec.action_high.data(), dist, action, env_action, scratch);
      if constexpr (kPhysics) {
        if (record) {  // state rows are [state_dim, N]: qpos k of env i at k * N + i
          for (int k = 0; k < Env::kNq; ++k) {
            result.traces[i].qpos.push_back(
                envs.state[static_cast<size_t>(Env::Layout::kQpos + k) * n + i]);
          }
        }
      }
      step_env(env, b, i, env_action, seed, step);
      if (record && !result.traces.empty()) result.traces[i].reward.push_back(envs.reward[i]);
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
                           uint64_t seed, bool record) {
  return visit_env(checkpoint.config.env, task_model(checkpoint.config), [&](auto env) {
    return evaluate_env(env, checkpoint, episodes, stochastic, seed, record);
  });
}

std::string policy_model_xml(const Checkpoint& checkpoint) {
  if (!checkpoint.config.model_xml.empty()) return checkpoint.config.model_xml;
  if (!checkpoint.config.env.is_mujoco()) return {};
  const char* xml = embedded_asset(checkpoint.config.env.name());
  return xml != nullptr ? xml : "";
}

}  // namespace stampede
