#include "host/cpu/update_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/rng.hpp"
#include "host/cpu/mlp_cpu.hpp"
#include "host/cpu/parallel.hpp"
#include "ppo/adam.hpp"
#include "ppo/distributions.hpp"
#include "ppo/gae.hpp"
#include "ppo/ppo_loss.hpp"

namespace stampede {

void compute_advantages_cpu(RolloutBuffer* r, float gamma, float lambda) {
  const RolloutView view = rollout_view(*r);
  parallel_for(r->shape.num_envs, 256,
               [&](int64_t i) { gae_one_env(view, gamma, lambda, static_cast<int>(i)); });
}

void shuffle_indices(uint64_t seed, uint64_t epoch_counter, int64_t count,
                     std::vector<int32_t>* perm) {
  std::vector<uint64_t> keyed(count);
  parallel_for(count, 4096, [&](int64_t j) {
    Rng rng(seed, RngPurpose::kShuffle, static_cast<uint32_t>(j), epoch_counter);
    keyed[j] = (static_cast<uint64_t>(rng.next_u32()) << 32) | static_cast<uint64_t>(j);
  });
  std::sort(keyed.begin(), keyed.end());
  perm->resize(count);
  for (int64_t j = 0; j < count; ++j)
    (*perm)[j] = static_cast<int32_t>(keyed[j] & 0xffffffffu);
}

namespace {

// per-minibatch advantage normalisation (unbiased std, as torch.std)
void normalized_advantages(const RolloutBuffer& r, const int32_t* index, int rows, bool normalize,
                           std::vector<float>* adv) {
  adv->resize(rows);
  for (int m = 0; m < rows; ++m)
    (*adv)[m] = r.advantages[index[m]];
  if (!normalize) return;
  double sum = 0.0;
  for (float a : *adv)
    sum += a;
  const double mean = sum / rows;
  double sq = 0.0;
  for (float a : *adv)
    sq += (a - mean) * (a - mean);
  const double std = rows > 1 ? std::sqrt(sq / (rows - 1)) : 0.0;
  for (float& a : *adv)
    a = normalized_advantage(a, mean, std);
}

}  // namespace

LossTerms minibatch_loss_grad(const TrainConfig& config, const PolicyLayout& layout,
                              const RolloutBuffer& r, const int32_t* index, int rows,
                              const float* params, const float* old_log_std, float beta,
                              float* grad) {
  const int obs_dim = layout.obs_dim, head = layout.head_dim(), act_dim = layout.act_dim;
  std::vector<float> x(static_cast<size_t>(rows) * obs_dim);
  parallel_for(rows, 1024, [&](int64_t m) {
    std::copy_n(&r.obs[static_cast<size_t>(index[m]) * obs_dim], obs_dim, &x[m * obs_dim]);
  });
  std::vector<float> adv;
  normalized_advantages(r, index, rows, config.norm_adv, &adv);

  const float* actor = params + layout.actor_offset();
  const float* critic = params + layout.critic_offset();
  const float* log_std = layout.discrete() ? nullptr : params + layout.log_std_offset();
  MlpActivations actor_acts, critic_acts;
  mlp_forward_batch(actor, layout.actor, x.data(), rows, &actor_acts);
  mlp_forward_batch(critic, layout.critic, x.data(), rows, &critic_acts);
  const std::vector<float>& heads = actor_acts.layers.back();
  const std::vector<float>& values = critic_acts.layers.back();

  const LossCoeffs coeffs = loss_coeffs(config, beta, rows);
  std::vector<float> d_head(static_cast<size_t>(rows) * head), d_value(rows);
  // per-row terms, summed in row order below so the totals do not depend on the thread count
  std::vector<SampleTerms> row_terms(rows);
  std::vector<float> row_d_log_std(layout.discrete() ? 0 : static_cast<size_t>(rows) * head);
  parallel_for(rows, 256, [&](int64_t m) {
    const int64_t k = index[m];
    const float* h = &heads[m * head];
    const float* old = &r.dist[k * head];
    SampleTerms& t = row_terms[m];
    if (layout.discrete()) {
      const int action = static_cast<int>(r.actions[k * act_dim]);
      t = categorical_policy_loss(h, old, action, r.logp[k], adv[m], head, coeffs,
                                  &d_head[m * head]);
    } else {
      t = gaussian_policy_loss(h, log_std, old, old_log_std, &r.actions[k * act_dim], r.logp[k],
                               adv[m], head, coeffs, &d_head[m * head], &row_d_log_std[m * head]);
    }
    d_value[m] = value_loss_grad(values[m], r.values[k], r.returns[k], coeffs, &t.value_loss);
  });
  const int log_std_dims = layout.discrete() ? 0 : head;
  float d_log_std_sum[kMaxHeadDim] = {};
  LossTerms terms;
  for (int m = 0; m < rows; ++m) {
    terms += row_terms[m];
    for (int j = 0; j < log_std_dims; ++j)
      d_log_std_sum[j] += row_d_log_std[m * head + j];
  }

  mlp_backward_batch(actor, layout.actor, x.data(), rows, actor_acts, &d_head,
                     grad + layout.actor_offset());
  mlp_backward_batch(critic, layout.critic, x.data(), rows, critic_acts, &d_value,
                     grad + layout.critic_offset());
  if (!layout.discrete()) {
    for (int j = 0; j < head; ++j)
      grad[layout.log_std_offset() + j] += d_log_std_sum[j];
  }
  return terms;
}

double mean_kl_cpu(const PolicyLayout& layout, const RolloutBuffer& r, const float* params,
                   const float* old_log_std) {
  const int64_t total = r.size();
  const int head = layout.head_dim();
  constexpr int kChunk = 4096;
  double kl_sum = 0.0;
  MlpActivations acts;
  std::vector<float> row_kl(kChunk);
  for (int64_t start = 0; start < total; start += kChunk) {
    const int rows = static_cast<int>(std::min<int64_t>(kChunk, total - start));
    mlp_forward_batch(params + layout.actor_offset(), layout.actor, &r.obs[start * layout.obs_dim],
                      rows, &acts);
    const std::vector<float>& heads = acts.layers.back();
    parallel_for(rows, 256, [&](int64_t m) {
      const float* h = &heads[m * head];
      const float* old = &r.dist[(start + m) * head];
      if (layout.discrete()) {
        float log_p[kMaxHeadDim];
        log_softmax(h, head, log_p);
        row_kl[m] = categorical_kl(old, log_p, head, nullptr);
      } else {
        row_kl[m] = gaussian_kl(old, old_log_std, h, params + layout.log_std_offset(), head,
                                nullptr, nullptr);
      }
    });
    for (int m = 0; m < rows; ++m)
      kl_sum += row_kl[m];
  }
  return kl_sum / static_cast<double>(total);
}

float explained_variance(const std::vector<float>& values, const std::vector<float>& returns) {
  const size_t n = returns.size();
  double mean_ret = 0.0, mean_err = 0.0;
  for (size_t k = 0; k < n; ++k) {
    mean_ret += returns[k];
    mean_err += returns[k] - values[k];
  }
  mean_ret /= n;
  mean_err /= n;
  double var_ret = 0.0, var_err = 0.0;
  for (size_t k = 0; k < n; ++k) {
    const double e = returns[k] - values[k] - mean_err;
    var_ret += (returns[k] - mean_ret) * (returns[k] - mean_ret);
    var_err += e * e;
  }
  if (var_ret == 0.0) return 0.0f;
  return static_cast<float>(1.0 - var_err / var_ret);
}

IterationStats ppo_update_cpu(const TrainConfig& config, const PolicyLayout& layout,
                              const RolloutBuffer& rollout, int64_t iteration, float learning_rate,
                              LearnerState* learner) {
  const int64_t batch = rollout.size();
  const int rows = config.minibatch_size;
  const int64_t minibatches = batch / rows;
  const size_t num_params = learner->params.size();

  // the policy that collected the rollout, for KL terms (log_std is state-independent)
  std::vector<float> old_log_std;
  if (!layout.discrete()) {
    const float* ls = learner->params.data() + layout.log_std_offset();
    old_log_std.assign(ls, ls + layout.act_dim);
  }

  IterationStats stats;
  LossTerms totals;
  double grad_norm_sum = 0.0;
  std::vector<int32_t> perm;
  std::vector<float> grad(num_params);
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    shuffle_indices(config.seed, static_cast<uint64_t>(iteration) * config.epochs + epoch, batch,
                    &perm);
    for (int64_t mb = 0; mb < minibatches; ++mb) {
      std::fill(grad.begin(), grad.end(), 0.0f);
      const LossTerms t = minibatch_loss_grad(config, layout, rollout, perm.data() + mb * rows,
                                              rows, learner->params.data(), old_log_std.data(),
                                              learner->beta, grad.data());
      double sq = 0.0;
      for (float g : grad)
        sq += static_cast<double>(g) * g;
      const float norm = static_cast<float>(std::sqrt(sq));
      if (!std::isfinite(norm) || !std::isfinite(t.surrogate) || !std::isfinite(t.value_loss)) {
        stats.nonfinite = 1;
        return stats;
      }
      totals += t;
      grad_norm_sum += norm;

      learner->adam_step += 1;
      const AdamStep step =
          make_adam_step(learning_rate, 0.9f, 0.999f, config.adam_eps, learner->adam_step,
                         clip_scale(norm, config.max_grad_norm));
      parallel_for(static_cast<int64_t>(num_params), 8192, [&](int64_t p) {
        adam_update(step, grad[p], &learner->params[p], &learner->adam_m[p], &learner->adam_v[p]);
      });
    }
  }
  for (float p : learner->params) {
    if (!std::isfinite(p)) {
      stats.nonfinite = 1;
      return stats;
    }
  }

  const double samples = static_cast<double>(minibatches) * rows * config.epochs;
  stats.policy_loss = static_cast<float>(-totals.surrogate / samples);
  stats.value_loss = static_cast<float>(totals.value_loss / samples);
  stats.entropy = static_cast<float>(totals.entropy / samples);
  stats.clip_frac = static_cast<float>(totals.clipped / samples);
  stats.grad_norm = static_cast<float>(grad_norm_sum / (minibatches * config.epochs));
  stats.kl =
      static_cast<float>(mean_kl_cpu(layout, rollout, learner->params.data(), old_log_std.data()));

  if (config.objective_kind() == Objective::kKlAdaptive) {
    learner->beta = adapted_beta(learner->beta, stats.kl, config.kl_target);
  }
  stats.beta = learner->beta;
  stats.explained_var = explained_variance(rollout.values, rollout.returns);
  return stats;
}

}  // namespace stampede
