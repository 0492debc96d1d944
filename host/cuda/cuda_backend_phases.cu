// The phases of one CUDA iteration in launch order (rollout, advantage, update, statistics),
// test/bench accessors, and the backend's registration.
#include <algorithm>

#include "envs/registry.hpp"
#include "host/cuda/cuda_backend.hpp"
#include "host/cuda/cuda_backend_impl.hpp"
#include "host/cuda/nvtx.hpp"
#include "kernels/ppo_update_cublas.hpp"

namespace stampede {

void register_cuda_bench();  // host/cuda/cuda_bench.cu

// --- rollout -----------------------------------------------------------------------------------

void CudaBackend::obs_stats() {
  MomentsParams m;
  m.rows = n_;
  m.dim = obs_dim_;
  m.x = env_obs_.get();
  m.partials = moment_partials_.get();
  m.mean = obs_mean_.get();
  m.var = obs_var_.get();
  m.count = obs_count_.get();
  launch_running_moments(m, stream_);
}

void CudaBackend::act_step(int t) {
  STAMPEDE_NVTX_RANGE("act");
  const bool bootstrap = t == t_;
  const int64_t row = static_cast<int64_t>(std::min(t, t_ - 1)) * n_;
  ActParams p;
  p.layout = layout_;
  p.num_envs = n_;
  p.step = t;
  p.bootstrap = bootstrap;
  p.seed = config_.seed;
  p.control = control_.get();
  p.params = params_.get();
  p.norm_obs = config_.norm_obs;
  p.obs_clip = config_.obs_clip;
  p.obs_mean = obs_mean_.get();
  p.obs_var = obs_var_.get();
  p.env_obs = env_obs_.get();
  p.final_obs = final_obs_.get();
  if (t > 0) {
    p.prev_truncated = truncated_.get() + static_cast<int64_t>(t - 1) * n_;
    p.prev_trunc_values = trunc_values_.get() + static_cast<int64_t>(t - 1) * n_;
  }
  p.obs = obs_.get() + row * obs_dim_;
  p.actions = actions_.get() + row * act_dim_;
  p.env_actions = env_actions_.get();
  p.logp = logp_.get() + row;
  p.values = bootstrap ? last_values_.get() : values_.get() + row;
  p.dist = dist_.get() + row * head_;
  for (size_t j = 0; j < spec_.action_low.size() && j < static_cast<size_t>(kMaxHeadDim); ++j) {
    p.action_low[j] = spec_.action_low[j];
    p.action_high[j] = spec_.action_high[j];
  }
  launch_act(p, stream_);
}

// to_rollout: write terminated/truncated/reward into rollout slice t; else into scratch (bench)
void CudaBackend::launch_env_step(int t, int step_offset, bool to_rollout) {
  STAMPEDE_NVTX_RANGE("step");
  const int64_t row = static_cast<int64_t>(t) * n_;
  EnvStepParams p;
  EnvBatch& b = p.batch;
  b.num_envs = n_;
  b.state = env_state_.get();
  b.obs = env_obs_.get();
  b.final_obs = final_obs_.get();
  const bool direct_reward = to_rollout && !config_.norm_reward;
  b.reward = direct_reward ? rewards_.get() + row : raw_reward_.get();
  b.terminated = to_rollout ? terminated_.get() + row : scratch_terminated_.get();
  b.truncated = to_rollout ? truncated_.get() + row : scratch_truncated_.get();
  b.episode_length = episode_length_.get();
  b.episode_return = episode_return_.get();
  b.done_count = done_count_.get();
  b.bad_state_resets = bad_resets_.get();
  b.done_return_sum = done_return_.get();
  b.done_length_sum = done_length_.get();
  p.actions = env_actions_.get();
  p.seed = config_.seed;
  p.step_base = &control_.get()->global_step;
  p.step_offset = step_offset;
  env_step_(p, stream_);
}

void CudaBackend::rollout() {
  STAMPEDE_NVTX_RANGE("rollout");
  done_count_.fill_zero(stream_);
  bad_resets_.fill_zero(stream_);
  done_return_.fill_zero(stream_);
  done_length_.fill_zero(stream_);
  for (int t = 0; t < t_; ++t) {
    if (config_.norm_obs) {
      STAMPEDE_NVTX_RANGE("stats");
      obs_stats();
    }
    act_step(t);
    launch_env_step(t, t, true);
    if (config_.norm_reward) {
      STAMPEDE_NVTX_RANGE("stats");
      RewardParams r;
      r.num_envs = n_;
      r.gamma = config_.gamma;
      r.reward_clip = config_.reward_clip;
      r.raw_reward = raw_reward_.get();
      r.terminated = terminated_.get() + static_cast<int64_t>(t) * n_;
      r.ret_acc = ret_acc_.get();
      r.partials = moment_partials_.get();
      r.ret_stats = ret_stats_.get();
      r.rewards = rewards_.get() + static_cast<int64_t>(t) * n_;
      launch_reward_scaling(r, stream_);
    }
  }
  act_step(t_);  // bootstrap: V(s_T) and the truncated episodes of the last step
}

void CudaBackend::env_steps(int steps, int offset) {
  for (int k = 0; k < steps; ++k)
    launch_env_step(0, offset + k, false);
}

// --- advantage ---------------------------------------------------------------------------------

void CudaBackend::advantages() {
  STAMPEDE_NVTX_RANGE("advantage");
  AdvantageParams p;
  p.in.steps = t_;
  p.in.num_envs = n_;
  p.in.gamma = config_.gamma;
  p.in.lambda = config_.gae_lambda;
  p.in.rewards = rewards_.get();
  p.in.values = values_.get();
  p.in.terminated = terminated_.get();
  p.in.truncated = truncated_.get();
  p.in.trunc_values = trunc_values_.get();
  p.in.last_values = last_values_.get();
  p.advantages = advantages_.get();
  p.returns = returns_.get();
  launch_advantage(p, stream_);
}

// --- update ------------------------------------------------------------------------------------

void CudaBackend::shuffle(int epoch) {
  ShuffleParams p;
  p.count = static_cast<int>(tn_);
  p.seed = config_.seed;
  p.epochs = config_.epochs;
  p.epoch = epoch;
  p.control = control_.get();
  p.keys_in = keys_in_.get();
  p.keys_out = keys_out_.get();
  p.index_in = index_in_.get();
  p.perm = perm_.get();
  p.temp = sort_temp_.get();
  p.temp_bytes = sort_temp_.size();
  launch_shuffle(p, stream_);
}

MinibatchInputs CudaBackend::minibatch_inputs(int mb) const {
  MinibatchInputs in;
  in.layout = layout_;
  in.coeffs.objective = config_.objective_kind();
  in.coeffs.clip_eps = config_.clip_eps;
  in.coeffs.value_clip = config_.value_clip;
  in.coeffs.vf_coef = config_.vf_coef;
  in.coeffs.ent_coef = config_.ent_coef;
  in.coeffs.weight = 1.0f / static_cast<float>(config_.minibatch_size);
  in.norm_adv = config_.norm_adv;
  in.rows = config_.minibatch_size;
  in.index = perm_.get() + static_cast<int64_t>(mb) * config_.minibatch_size;
  in.params = params_.get();
  in.old_log_std = old_log_std_.get();
  in.learner = learner_.get();
  in.obs = obs_.get();
  in.actions = actions_.get();
  in.logp = logp_.get();
  in.values = values_.get();
  in.dist = dist_.get();
  in.advantages = advantages_.get();
  in.returns = returns_.get();
  in.adv_moments = adv_moments_.get();
  in.adv_cached = adv_cached_;
  return in;
}

void CudaBackend::minibatch_step(int epoch, int mb) {
  const MinibatchInputs in = minibatch_inputs(mb);
  int term_count = 0;
  launch_adv_moments(in, stream_);
  if (path_ == UpdatePath::kFused) {
    FusedUpdateParams p;
    p.in = in;
    p.tile_rows = tile_rows_;
    p.blocks = fused_blocks_;
    p.partial_grad = partial_grad_.get();
    p.partial_terms = partial_terms_.get();
    launch_fused_update(p, stream_);
    launch_grad_reduce(partial_grad_.get(), fused_blocks_, num_params_, grad_.get(),
                       sq_partials_.get(), &sq_count_, stream_);
    term_count = 2 * fused_blocks_;
  } else {
    CublasUpdateParams p;
    p.in = in;
    p.handle = cublas_;
    p.scratch = cublas_scratch_.get();
    p.partial_terms = partial_terms_.get();
    p.grad = grad_.get();
    launch_cublas_update(p, stream_);
    launch_grad_sumsq(grad_.get(), num_params_, sq_partials_.get(), &sq_count_, stream_);
    term_count = kStatsBlocks;
  }
  STAMPEDE_NVTX_RANGE("optimizer");
  AdamParams a;
  a.num_params = num_params_;
  a.params = params_.get();
  a.adam_m = adam_m_.get();
  a.adam_v = adam_v_.get();
  a.grad = grad_.get();
  a.sq_partials = sq_partials_.get();
  a.sq_count = sq_count_;
  a.term_partials = partial_terms_.get();
  a.term_count = term_count;
  a.control = control_.get();
  a.step_offset = epoch * minibatches_ + mb + 1;
  a.eps = config_.adam_eps;
  a.max_grad_norm = config_.max_grad_norm;
  a.learner = learner_.get();
  launch_adam(a, stream_);
}

void CudaBackend::update() {
  STAMPEDE_NVTX_RANGE("update");
  if (!layout_.discrete()) {
    // the policy that collected the rollout, for the KL terms
    CUDA_CHECK(cudaMemcpyAsync(old_log_std_.get(), params_.get() + layout_.log_std_offset(),
                               sizeof(float) * act_dim_, cudaMemcpyDeviceToDevice, stream_));
  }
  for (int epoch = 0; epoch < config_.epochs; ++epoch) {
    shuffle(epoch);
    for (int mb = 0; mb < minibatches_; ++mb)
      minibatch_step(epoch, mb);
  }
}

// --- statistics --------------------------------------------------------------------------------

void CudaBackend::finish_iteration() {
  STAMPEDE_NVTX_RANGE("stats");
  IterStatsParams s;
  s.num_envs = n_;
  s.count = tn_;
  s.done_count = done_count_.get();
  s.bad_state_resets = bad_resets_.get();
  s.done_return = done_return_.get();
  s.done_length = done_length_.get();
  s.values = values_.get();
  s.returns = returns_.get();
  s.partials = stats_partials_.get();
  launch_rollout_stats(s, stream_);

  KlParams k;
  k.layout = layout_;
  k.count = tn_;
  k.params = params_.get();
  k.old_log_std = old_log_std_.get();
  k.obs = obs_.get();
  k.dist = dist_.get();
  k.partials = kl_partials_.get();
  launch_mean_kl(k, stream_);

  FinalizeParams f;
  f.count = tn_;
  f.num_params = num_params_;
  f.updates = config_.epochs * minibatches_;
  f.samples = static_cast<double>(minibatches_) * config_.minibatch_size * config_.epochs;
  f.objective = config_.objective_kind();
  f.kl_target = config_.kl_target;
  f.stats_partials = stats_partials_.get();
  f.kl_partials = kl_partials_.get();
  f.params = params_.get();
  f.learner = learner_.get();
  f.out = stats_.get();
  launch_finalize_stats(f, stream_);
}

// --- accessors for tests -----------------------------------------------------------------------

RolloutBuffer CudaBackend::download_rollout() {
  RolloutBuffer r;
  r.steps = t_;
  r.num_envs = n_;
  r.obs_dim = obs_dim_;
  r.act_dim = act_dim_;
  r.head_dim = head_;
  r.obs = obs_.download(stream_);
  r.actions = actions_.download(stream_);
  r.logp = logp_.download(stream_);
  r.values = values_.download(stream_);
  r.dist = dist_.download(stream_);
  r.rewards = rewards_.download(stream_);
  r.terminated = terminated_.download(stream_);
  r.truncated = truncated_.download(stream_);
  r.trunc_values = trunc_values_.download(stream_);
  r.last_values = last_values_.download(stream_);
  r.advantages = advantages_.download(stream_);
  r.returns = returns_.download(stream_);
  return r;
}

void CudaBackend::upload_rollout(const RolloutBuffer& r) {
  obs_.upload(r.obs, stream_);
  actions_.upload(r.actions, stream_);
  logp_.upload(r.logp, stream_);
  values_.upload(r.values, stream_);
  dist_.upload(r.dist, stream_);
  rewards_.upload(r.rewards, stream_);
  terminated_.upload(r.terminated, stream_);
  truncated_.upload(r.truncated, stream_);
  trunc_values_.upload(r.trunc_values, stream_);
  last_values_.upload(r.last_values, stream_);
  advantages_.upload(r.advantages, stream_);
  returns_.upload(r.returns, stream_);
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

std::vector<float> CudaBackend::download_grad() {
  return grad_.download(stream_);
}
std::vector<int32_t> CudaBackend::download_perm() {
  return perm_.download(stream_);
}

// --- registration ------------------------------------------------------------------------------

void register_cuda() {
  CudaBackendHooks hooks;
  hooks.make = [](const TrainConfig& config) -> std::unique_ptr<Backend> {
    return std::make_unique<CudaBackend>(config);
  };
  hooks.probe = [] { return cuda_probe(); };
  register_cuda_backend(hooks);
  register_cuda_bench();
}

}  // namespace stampede
