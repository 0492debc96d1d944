// The act step: what the policy does for one environment at one rollout step,
//   normalise the observation -> actor MLP -> sample an action -> log-prob -> critic value,
// and, when the previous step truncated the environment's episode, the critic's value of the
// observation that ended it (truncated episodes bootstrap from the state that ended them, not
// from the reset one). After the last step (t == T) it computes V(s_T) instead.
// Single source: the CPU backend calls act_env for every environment, the act kernel
// (kernels/act.cu) calls it once per thread, evaluation and the benchmarks call policy_action.
#pragma once

#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"
#include "core/rng.hpp"
#include "ppo/distributions.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/rollout.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

// the policy's action for the normalised observation x: sampled with `rng`, or the mode of the
// distribution (Gaussian mean, categorical argmax) when rng is null. Writes the distribution's
// parameters to dist[head] (Gaussian mean or categorical log-probs), the action to action[act]
// and what the environment receives to env_action[act]: the action clipped to [low, high]
// (CleanRL's ClipAction; the log-prob is that of the unclipped action). Returns log pi(a|s).
// scratch: 2 * max_width floats.
STAMPEDE_HD float policy_action(const PolicyLayout& L, const float* params, const float* x,
                                Rng* rng, const float* low, const float* high, float* dist,
                                float* action, float* env_action, float* scratch) {
  const int head = L.head_dim();
  float h[kMaxHeadDim];
  mlp_forward_row(params + L.actor_offset(), L.actor, x, h, scratch);
  if (L.discrete()) {
    log_softmax(h, head, dist);
    int choice = 0;
    if (rng) {
      choice = categorical_sample(dist, head, rng->uniform());
    } else {
      for (int k = 1; k < head; ++k)
        choice = h[choice] < h[k] ? k : choice;  // the first largest logit
    }
    action[0] = static_cast<float>(choice);
    env_action[0] = action[0];
    return dist[choice];
  }
  const float* log_std = params + L.log_std_offset();
  for (int j = 0; j < L.act_dim; ++j) {
    dist[j] = h[j];
    action[j] = rng ? h[j] + expf(log_std[j]) * rng->normal() : h[j];
    env_action[j] = clamp_to(action[j], low[j], high[j]);
  }
  return gaussian_log_prob(h, log_std, action, L.act_dim);
}

// V(x) for the normalised observation x; scratch: 2 * max_width floats
STAMPEDE_HD float critic_value(const PolicyLayout& L, const float* params, const float* x,
                               float* scratch) {
  float v;
  mlp_forward_row(params + L.critic_offset(), L.critic, x, &v, scratch);
  return v;
}

// everything the act step reads and writes; pointers into host or device memory
struct ActParams {
  PolicyLayout layout;
  const float* params = nullptr;  // [P]
  ObsNormalizer normalizer;
  float action_low[kMaxHeadDim] = {}, action_high[kMaxHeadDim] = {};
  uint64_t seed = 0;
  int t = 0;                         // rollout step; t == T: bootstrap (V(s_T), no sampling)
  const float* env_obs = nullptr;    // [N, obs_dim] raw observations the policy sees now
  const float* final_obs = nullptr;  // [N, obs_dim] raw observations that ended an episode
  RolloutView rollout;               // writes obs, actions, logp, values, dist of step t, or
                                     // last_values; trunc_values of step t - 1
  float* env_actions = nullptr;      // [N, act_dim] what the environments receive
};

// environment i's act step at rollout step p.t with the parameters `params` (p.params, or the
// kernel's copy of them in shared memory); `global_step` (the vectorised env steps taken before
// this one) keys its random numbers. kWidth bounds the networks' widths and obs_dim.
template <int kWidth>
STAMPEDE_HD void act_env(const ActParams& p, const float* params, int i, uint64_t global_step) {
  const PolicyLayout& L = p.layout;
  const RolloutView& r = p.rollout;
  const int n = r.shape.num_envs, obs_dim = L.obs_dim;
  float x[kWidth], scratch[2 * kWidth];
  if (p.t > 0) {
    const int64_t prev = static_cast<int64_t>(p.t - 1) * n + i;
    if (r.truncated[prev]) {
      p.normalizer.apply(p.final_obs + static_cast<int64_t>(i) * obs_dim, obs_dim, x);
      r.trunc_values[prev] = critic_value(L, params, x, scratch);
    }
  }
  p.normalizer.apply(p.env_obs + static_cast<int64_t>(i) * obs_dim, obs_dim, x);
  if (p.t == r.shape.steps) {
    r.last_values[i] = critic_value(L, params, x, scratch);
    return;
  }
  const int64_t k = static_cast<int64_t>(p.t) * n + i;
  for (int d = 0; d < obs_dim; ++d)
    r.obs[k * obs_dim + d] = x[d];
  Rng rng(p.seed, RngPurpose::kAction, static_cast<uint32_t>(i), global_step);
  r.logp[k] = policy_action(L, params, x, &rng, p.action_low, p.action_high,
                            r.dist + k * L.head_dim(), r.actions + k * L.act_dim,
                            p.env_actions + static_cast<int64_t>(i) * L.act_dim, scratch);
  r.values[k] = critic_value(L, params, x, scratch);
}

}  // namespace stampede
