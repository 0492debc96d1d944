// The phases of one CUDA iteration in launch order (rollout, advantage, update, statistics),
// test/bench accessors, and the backend's registration.
#include <algorithm>

#include "host/cuda/cuda_backend.hpp"
#include "host/cuda/cuda_backend_impl.hpp"
#include "host/cuda/nvtx.hpp"
#include "kernels/act.hpp"
#include "kernels/adam.hpp"
#include "kernels/advantage.hpp"
#include "kernels/ppo_update_cublas.hpp"
#include "kernels/running_moments.hpp"
#include "kernels/shuffle.hpp"

namespace stampede {

void register_cuda_bench();  // host/cuda/cuda_bench.cu

// --- rollout -----------------------------------------------------------------------------------

void CudaBackend::obs_stats() {
  MomentsParams m;
  m.rows = n_;
  m.dim = layout_.obs_dim;
  m.x = envs_.obs.get();
  m.partials = moment_partials_.get();
  m.mean = obs_mean_.get();
  m.var = obs_var_.get();
  m.count = obs_count_.get();
  launch_running_moments(m, stream_);
}

void CudaBackend::act_step(int t) {
  STAMPEDE_NVTX_RANGE("act");
  ActParams p = act_;
  p.t = t;
  launch_act(p, control_.get(), stream_);
}

// to_rollout: write terminated/truncated/reward into rollout slice t; else into the batch's own
// [N] arrays (the env-only benchmark)
void CudaBackend::launch_env_step(int t, int step_offset, bool to_rollout) {
  STAMPEDE_NVTX_RANGE("step");
  const int64_t row = static_cast<int64_t>(t) * n_;
  EnvStepParams p;
  p.batch = env_batch_view(envs_);
  if (to_rollout) {
    // rewards go to the rollout directly unless reward scaling reads the raw ones first
    if (!config_.norm_reward) p.batch.reward = rollout_.rewards.get() + row;
    p.batch.terminated = rollout_.terminated.get() + row;
    p.batch.truncated = rollout_.truncated.get() + row;
  }
  p.actions = env_actions_.get();
  p.seed = config_.seed;
  p.step_base = &control_.get()->global_step;
  p.step_offset = step_offset;
  env_step_->launch(p, stream_);
}

void CudaBackend::rollout() {
  STAMPEDE_NVTX_RANGE("rollout");
  for_each_field(DeviceEnvBatch::episode_stats(envs_),
                 [&](auto& f) { f.array.fill_zero(stream_); });
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
      r.raw_reward = envs_.reward.get();
      r.terminated = rollout_.terminated.get() + static_cast<int64_t>(t) * n_;
      r.ret_acc = ret_acc_.get();
      r.partials = moment_partials_.get();
      r.ret_stats = ret_stats_.get();
      r.rewards = rollout_.rewards.get() + static_cast<int64_t>(t) * n_;
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
  p.rollout = rollout_view(rollout_);
  p.gamma = config_.gamma;
  p.lambda = config_.gae_lambda;
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
  in.coeffs = loss_coeffs(config_, 0.0f, config_.minibatch_size);  // beta: read on the device
  in.norm_adv = config_.norm_adv;
  in.rows = config_.minibatch_size;
  in.index = perm_.get() + static_cast<int64_t>(mb) * config_.minibatch_size;
  in.params = params_.get();
  in.old_log_std = old_log_std_.get();
  in.learner = learner_.get();
  in.rollout = rollout_view(rollout_);
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
    term_count = kCublasLossBlocks;
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
                               sizeof(float) * layout_.act_dim, cudaMemcpyDeviceToDevice, stream_));
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
  RolloutStatsParams s;
  s.envs = env_batch_view(envs_);
  s.rollout = rollout_view(rollout_);
  s.partials = stats_partials_.get();
  launch_rollout_stats(s, stream_);

  KlParams k;
  k.layout = layout_;
  k.rollout = rollout_view(rollout_);
  k.params = params_.get();
  k.old_log_std = old_log_std_.get();
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
  download_storage(rollout_, &r, stream_);
  return r;
}

void CudaBackend::upload_rollout(const RolloutBuffer& r) {
  for_each_pair(DeviceRollout::fields(rollout_), RolloutBuffer::fields(r),
                [&](auto& to, const auto& from) { to.array.upload_in_place(from.array, stream_); });
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
