// The CUDA backend: every buffer of a PPO iteration in device memory, one iteration recorded as
// a CUDA graph after the first (eager) one and replayed. Exposed (beyond the Backend interface)
// for the GPU tests and the benchmarks, which drive its phases one by one.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <string>

#include "envs/core/env_batch.hpp"
#include "host/backend.hpp"
#include "host/cuda/device_buffer.hpp"
#include "host/cuda/device_env.hpp"
#include "kernels/control.hpp"
#include "kernels/iteration_stats.hpp"
#include "kernels/ppo_update.hpp"
#include "ppo/act.hpp"
#include "ppo/rollout.hpp"

namespace stampede {

enum class UpdatePath { kAuto, kFused, kCublas };

struct CudaBackendOptions {
  UpdatePath path = UpdatePath::kAuto;
  bool use_graph = true;  // STAMPEDE_NO_GRAPH=1 in the environment also turns graphs off
  // cuBLAS path: CUBLAS_DEFAULT_MATH (fp32 SGEMM, the library's fastest fp32 kernels) or
  // CUBLAS_PEDANTIC_MATH (prescribed precision in every phase); `stampede bench` times both
  bool cublas_pedantic = false;
};

using DeviceRollout = RolloutStorage<DeviceBuffer>;
using DeviceEnvBatch = EnvBatchStorage<DeviceBuffer>;

// device bytes a run of `config` needs (rollout, env, parameters, scratch, and the local memory
// the driver reserves for the act kernel's threads), for the fit check
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
  void act_step(int t);                   // one act launch (t <= T; T: bootstrap)
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
  void check_fits(const cudaDeviceProp& prop);
  void choose_update_path(const cudaDeviceProp& prop);
  void allocate();
  void record_iteration();
  void launch_env_step(int t, int step_offset, bool to_rollout);
  void shuffle(int epoch);
  void obs_stats();
  MinibatchInputs minibatch_inputs(int mb) const;
  void update_profiler(int64_t iteration, bool before);

  CudaHandles handles_;  // first: released last, after every buffer below
  TrainConfig config_;
  CudaBackendOptions options_;
  PolicyLayout layout_;
  std::unique_ptr<DeviceEnvStep> env_step_;
  std::string device_name_;
  UpdatePath path_ = UpdatePath::kFused;
  int n_ = 0, t_ = 0;
  int64_t tn_ = 0, num_params_ = 0;
  int minibatches_ = 0, fused_blocks_ = 0, tile_rows_ = 32, sq_count_ = 0;
  bool adv_cached_ = false;  // adv_moments keeps the minibatch's advantages in shared memory
  int64_t profile_begin_ = -1, profile_end_ = -1;
  bool profiling_ = false;

  cudaStream_t& stream_ = handles_.stream;
  cublasHandle_t& cublas_ = handles_.cublas;
  cudaGraphExec_t& graph_exec_ = handles_.graph;
  int iterations_run_ = 0;

  // host mirrors of the counters (the device reads them from control_); the pinned staging
  // buffer is rewritten only once the copy enqueued from it has run (control_copied_)
  int64_t iteration_ = 0, global_step_ = 0, adam_step_ = 0;
  std::unique_ptr<PinnedBuffer<DeviceControl>> host_control_;
  std::unique_ptr<PinnedBuffer<IterationStats>> host_stats_;
  cudaEvent_t& control_copied_ = handles_.event;
  DeviceBuffer<DeviceControl> control_;
  DeviceBuffer<DeviceLearner> learner_;
  DeviceBuffer<IterationStats> stats_;

  // learner
  DeviceBuffer<float> params_, adam_m_, adam_v_, grad_, old_log_std_;
  // normalisers: obs mean/var [obs_dim], count; ret mean, var, count
  DeviceBuffer<double> obs_mean_, obs_var_, obs_count_, ret_stats_;
  DeviceBuffer<float> ret_acc_;
  // environments, the actions they receive, and the rollout [T, N, ...]
  DeviceEnvBatch envs_;
  DeviceBuffer<float> env_actions_;
  DeviceRollout rollout_;
  ActParams act_;  // the act step's settings and views of the buffers above
  // update scratch
  DeviceBuffer<uint32_t> keys_in_, keys_out_;
  DeviceBuffer<int32_t> index_in_, perm_;
  DeviceBuffer<uint8_t> sort_temp_, cublas_workspace_;
  DeviceBuffer<float> partial_grad_, cublas_scratch_;
  DeviceBuffer<LossTerms> partial_terms_;
  DeviceBuffer<RolloutStatsPartial> stats_partials_;
  DeviceBuffer<double> sq_partials_, adv_moments_, moment_partials_, kl_partials_;
};

}  // namespace stampede
