// The CUDA backend: every buffer of a PPO iteration in device memory, one iteration recorded as
// a CUDA graph after the first (eager) one and replayed. Exposed (beyond the Backend interface)
// for the GPU tests and the benchmarks, which drive its phases one by one.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "envs/registry.hpp"
#include "host/backend.hpp"
#include "host/cpu/update_cpu.hpp"
#include "host/cuda/device_buffer.hpp"
#include "kernels/kernels.hpp"

namespace stampede {

enum class UpdatePath { kAuto, kFused, kCublas };

struct CudaBackendOptions {
  UpdatePath path = UpdatePath::kAuto;
  bool use_graph = true;  // STAMPEDE_NO_GRAPH=1 in the environment also turns graphs off
};

// device bytes a run of `config` needs (rollout, env, parameters, scratch), for the fit check
size_t estimate_device_bytes(const TrainConfig& config);

// empty when a CUDA device is usable, else why not (clears the sticky error)
std::string cuda_probe();

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const TrainConfig& config, const CudaBackendOptions& options = {});
  ~CudaBackend() override;

  IterationStats run_iteration(const IterationControl& control) override;
  void load_state(const TrainState& state) override;
  TrainState save_state() override;
  std::string device_name() const override { return device_name_; }

  // phases, launched eagerly on stream(); run_iteration = begin + record_iteration + read back
  void begin_iteration(const IterationControl& control);  // uploads the counters
  void rollout();                         // T steps (stats, act, env step, reward), bootstrap
  void env_steps(int steps, int offset);  // env-only: steps with the last sampled actions
  void act_step(int t);                   // one act launch (t < T)
  void advantages();
  void update();                           // K epochs of shuffled minibatches + Adam
  void minibatch_step(int epoch, int mb);  // one minibatch: loss, gradient, Adam
  void finish_iteration();                 // KL, explained variance, beta, stats on device
  IterationStats read_stats();             // synchronises
  void end_iteration();                    // advances the host's counters

  RolloutBuffer download_rollout();                   // synchronous, tests only
  void upload_rollout(const RolloutBuffer& rollout);  // tests and update benchmarks
  std::vector<float> download_grad();                 // gradient of the last minibatch
  std::vector<int32_t> download_perm();               // permutation of the last shuffle
  UpdatePath path() const { return path_; }
  int minibatches() const { return minibatches_; }
  cudaStream_t stream() const { return stream_; }
  const TrainConfig& config() const { return config_; }

 private:
  void allocate();
  void record_iteration();
  void launch_env_step(int t, int step_offset, bool to_rollout);
  void shuffle(int epoch);
  void obs_stats();
  MinibatchInputs minibatch_inputs(int mb) const;
  void update_profiler(int64_t iteration, bool before);

  TrainConfig config_;
  CudaBackendOptions options_;
  PolicyLayout layout_;
  EnvSpec spec_;  // the task's, with a --model run's action bounds
  EnvStepLauncher env_step_;
  std::string device_name_;
  UpdatePath path_ = UpdatePath::kFused;
  int n_ = 0, t_ = 0, obs_dim_ = 0, act_dim_ = 0, head_ = 0, state_dim_ = 0;
  int64_t tn_ = 0, num_params_ = 0;
  int minibatches_ = 0, fused_blocks_ = 0, tile_rows_ = 32, sq_count_ = 0;
  bool adv_cached_ = false;  // adv_moments keeps the minibatch's advantages in shared memory
  int64_t profile_begin_ = -1, profile_end_ = -1;
  bool profiling_ = false;

  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudaGraphExec_t graph_exec_ = nullptr;
  int iterations_run_ = 0;

  // host mirrors of the counters (the device reads them from control_)
  int64_t iteration_ = 0, global_step_ = 0, adam_step_ = 0;
  PinnedBuffer<DeviceControl> host_control_;
  PinnedBuffer<IterationStats> host_stats_;
  DeviceBuffer<DeviceControl> control_;
  DeviceBuffer<DeviceLearner> learner_;
  DeviceBuffer<IterationStats> stats_;

  // learner
  DeviceBuffer<float> params_, adam_m_, adam_v_, grad_, old_log_std_;
  // normalisers: obs mean/var [obs_dim], count; ret mean, var, count
  DeviceBuffer<double> obs_mean_, obs_var_, obs_count_, ret_stats_;
  DeviceBuffer<float> ret_acc_;
  // environments
  DeviceBuffer<float> env_state_, env_obs_, final_obs_, raw_reward_, env_actions_;
  DeviceBuffer<float> episode_return_, done_return_, done_length_;
  DeviceBuffer<int32_t> episode_length_, done_count_, bad_resets_;
  DeviceBuffer<uint8_t> scratch_terminated_, scratch_truncated_;
  // rollout [T, N, ...]
  DeviceBuffer<float> obs_, actions_, logp_, values_, dist_, rewards_, trunc_values_, last_values_,
      advantages_, returns_;
  DeviceBuffer<uint8_t> terminated_, truncated_;
  // update scratch
  DeviceBuffer<uint32_t> keys_in_, keys_out_;
  DeviceBuffer<int32_t> index_in_, perm_;
  DeviceBuffer<uint8_t> sort_temp_, cublas_workspace_;
  DeviceBuffer<float> partial_grad_, cublas_scratch_;
  DeviceBuffer<double> partial_terms_, sq_partials_, adv_moments_, moment_partials_,
      stats_partials_, kl_partials_;
};

}  // namespace stampede
