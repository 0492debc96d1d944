// The CUDA backend: allocation, state transfer, the order of launches of one PPO iteration,
// CUDA-graph capture and replay, the profiler window. The math is in kernels/.
#include <cuda_profiler_api.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "envs/task.hpp"
#include "host/cuda/cuda_backend.hpp"
#include "host/cuda/cuda_backend_impl.hpp"
#include "host/cuda/nvtx.hpp"
#include "host/task_model.hpp"
#include "kernels/act.hpp"
#include "kernels/ppo_update_cublas.hpp"
#include "kernels/running_moments.hpp"
#include "kernels/shuffle.hpp"

namespace stampede {

namespace {

constexpr int kFusedMaxWidth = 128;
// the driver reserves 1 KB of shared memory per block (sm_80 and newer)
constexpr size_t kSmemReservedPerBlock = 1024;
constexpr size_t kCublasWorkspaceBytes = 32u << 20;

std::string gib(double bytes) {
  std::ostringstream s;
  s.precision(bytes < 10.0 * (1 << 30) ? 2 : 1);
  s << std::fixed << bytes / double(1 << 30);
  return s.str();
}

int max_hidden_width(const PolicyLayout& L) {
  int w = 0;
  for (int k = 0; k < L.actor.num_hidden; ++k)
    w = std::max(w, L.actor.hidden[k]);
  for (int k = 0; k < L.critic.num_hidden; ++k)
    w = std::max(w, L.critic.hidden[k]);
  return w;
}

}  // namespace

std::string cuda_probe() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later CUDA calls start clean
    if (err == cudaErrorInsufficientDriver) {
      return "the NVIDIA driver is missing or older than this build's CUDA runtime";
    }
    return std::string("no usable CUDA device (") + cudaGetErrorString(err) + ")";
  }
  if (count == 0) return "no CUDA device was found";
  return "";
}

size_t estimate_device_bytes(const TrainConfig& c) {
  const PolicyLayout L = make_policy_layout(c);
  const int state_dim = task_spec(c.env).state_dim;
  const double n = c.num_envs, tn = static_cast<double>(c.batch_size());
  const double obs = L.obs_dim, act = L.act_dim, head = L.head_dim(), p = L.num_params();
  double floats = 0.0;
  floats += tn * (obs + act + head + 8.0);            // rollout floats (+ adv, returns)
  floats += tn * 4.0 + tn * 2.0;                      // sort keys/indices in and out, CUB temp
  floats += n * (state_dim + 2.0 * obs + act + 8.0);  // env buffers
  floats += p * 5.0 + p * 264.0;                      // params, moments, grad, fused partials
  const int width = std::max(L.actor.max_width(), L.critic.max_width());
  if (max_hidden_width(L) > kFusedMaxWidth) {
    floats += static_cast<double>(c.minibatch_size) *
              (obs + 8.0 * width + head + 4.0 * kMaxHiddenLayers * width);
  }
  // the driver reserves the act kernel's local memory for every thread the device can hold at
  // once (its per-thread scratch: ~12 KB per thread for 1024-wide networks)
  int device = 0, sms = 0, threads_per_sm = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  CUDA_CHECK(
      cudaDeviceGetAttribute(&threads_per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, device));
  const double local = static_cast<double>(act_local_bytes_per_thread(L)) * sms * threads_per_sm;
  return static_cast<size_t>(floats * 4.0 + tn * 2.0 + local + kCublasWorkspaceBytes + (64u << 20));
}

CudaBackend::CudaBackend(const TrainConfig& config, const CudaBackendOptions& options)
    : config_(config), options_(options), layout_(make_policy_layout(config)) {
  if (const char* env = std::getenv("STAMPEDE_NO_GRAPH"); env && std::string(env) == "1") {
    options_.use_graph = false;
  }
  parse_profile_iters(config.profile_iters, &profile_begin_, &profile_end_);
  // first of all CUDA calls: without a usable device the answer is a UsageError, not a CUDA one
  const std::string reason = cuda_probe();
  if (!reason.empty()) throw UsageError("--device cuda was asked for, but " + reason);

  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  device_name_ = std::string("cuda:") + std::to_string(device) + " (" + prop.name + ")";
  n_ = config.num_envs;
  t_ = config.num_steps;
  tn_ = config.batch_size();
  num_params_ = layout_.num_params();
  minibatches_ = static_cast<int>(tn_ / config.minibatch_size);
  check_fits(prop);
  choose_update_path(prop);
  adv_cached_ = prepare_update_kernels(config.minibatch_size);

  CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  CUDA_CHECK(cudaEventCreateWithFlags(&control_copied_, cudaEventDisableTiming));
  CUBLAS_CHECK(cublasCreate(&cublas_));
  CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  CUBLAS_CHECK(cublasSetMathMode(
      cublas_, options_.cublas_pedantic ? CUBLAS_PEDANTIC_MATH : CUBLAS_DEFAULT_MATH));
  // a MuJoCo model is uploaded now, on stream_, never during graph capture
  env_step_ = std::make_unique<DeviceEnvStep>(config.env, task_model(config), stream_);
  allocate();
  load_state(initial_train_state(config));
}

CudaBackend::~CudaBackend() {
  if (profiling_) cudaProfilerStop();
  // handles_ goes last: the buffers are freed first (cudaFree waits for the device)
}

void CudaBackend::check_fits(const cudaDeviceProp& prop) {
  if (tn_ > INT32_MAX) {
    throw UsageError("num_envs * num_steps = " + std::to_string(tn_) +
                     " exceeds the CUDA backend's limit of 2^31 - 1 transitions per iteration");
  }
  size_t free_bytes = 0, total_bytes = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const size_t need = estimate_device_bytes(config_);
  if (need > free_bytes) {
    throw UsageError("--num-envs " + std::to_string(n_) + " with --num-steps " +
                     std::to_string(t_) + ": " + std::to_string(n_) + " envs need " +
                     gib(static_cast<double>(need)) + " GiB of device memory, the GPU has " +
                     gib(static_cast<double>(free_bytes)) + " GiB free (of " +
                     gib(static_cast<double>(total_bytes)) + " GiB); use fewer envs or steps");
  }
}

// Update path: fused when every hidden layer is <= 128 wide and a block's tile fits. The tile is
// 64 or 32 rows if that lets two blocks share an SM (one block's barriers and loss rows hide
// behind the other's products), else the largest of 64, 32, 16, 8 rows that fits (smaller tiles
// split the products' reductions over more lanes). The grid is one wave: G blocks per network,
// two networks.
void CudaBackend::choose_update_path(const cudaDeviceProp& prop) {
  const int max_smem = max_dynamic_smem_bytes();
  const auto blocks_per_sm = [&](int rows) {
    const size_t bytes = fused_update_smem_bytes(layout_, rows);
    if (bytes > static_cast<size_t>(max_smem)) return 0;
    const size_t by_smem = prop.sharedMemPerMultiprocessor / (bytes + kSmemReservedPerBlock);
    return static_cast<int>(std::clamp<size_t>(by_smem, 1, static_cast<size_t>(kFusedBlocksPerSm)));
  };
  int resident = 0;  // fused blocks per SM
  if (max_hidden_width(layout_) <= kFusedMaxWidth) {
    for (const int want : {2, 1}) {
      for (int rows = 64; rows >= (want == 2 ? 32 : 8) && resident == 0; rows /= 2) {
        if (blocks_per_sm(rows) >= want) {
          tile_rows_ = rows;
          resident = blocks_per_sm(rows);
        }
      }
    }
  }
  const bool fits = resident > 0;
  path_ = options_.path == UpdatePath::kAuto ? (fits ? UpdatePath::kFused : UpdatePath::kCublas)
                                             : options_.path;
  if (path_ == UpdatePath::kFused && !fits) {
    throw UsageError("the fused update does not fit this network (hidden layers up to " +
                     std::to_string(kFusedMaxWidth) + " wide and " + std::to_string(max_smem) +
                     " bytes of shared memory per block); use the cuBLAS path");
  }
  const int tiles = (config_.minibatch_size + tile_rows_ - 1) / tile_rows_;
  fused_blocks_ = std::max(1, std::min(tiles, resident * prop.multiProcessorCount / 2));
}

void CudaBackend::allocate() {
  const size_t n = n_, tn = tn_, p = num_params_;
  host_control_ = std::make_unique<PinnedBuffer<DeviceControl>>();
  host_stats_ = std::make_unique<PinnedBuffer<IterationStats>>();
  control_.resize(1);
  learner_.resize(1);
  stats_.resize(1);
  params_.resize(p);
  adam_m_.resize(p);
  adam_v_.resize(p);
  grad_.resize(p);
  old_log_std_.resize(std::max(1, layout_.act_dim));
  obs_mean_.resize(layout_.obs_dim);
  obs_var_.resize(layout_.obs_dim);
  obs_count_.resize(1);
  ret_stats_.resize(3);
  ret_acc_.resize(n);
  envs_.resize(EnvBatchShape{n_, task_spec(config_.env).state_dim, layout_.obs_dim});
  env_actions_.resize(n * layout_.act_dim);
  rollout_.resize(RolloutShape{t_, n_, layout_.obs_dim, layout_.act_dim, layout_.head_dim()});
  keys_in_.resize(tn);
  keys_out_.resize(tn);
  index_in_.resize(tn);
  perm_.resize(tn);
  sort_temp_.resize(std::max<size_t>(1, shuffle_temp_bytes(static_cast<int>(tn))));
  adv_moments_.resize(2);
  moment_partials_.resize(static_cast<size_t>(kMomentChunks) * std::max(layout_.obs_dim, 1) * 3);
  stats_partials_.resize(kStatsBlocks);
  kl_partials_.resize(kKlBlocks);
  sq_partials_.resize(256);
  partial_terms_.resize(std::max(2 * fused_blocks_, kCublasLossBlocks));
  if (path_ == UpdatePath::kFused) {
    partial_grad_.resize(static_cast<size_t>(fused_blocks_) * p);
  } else {
    cublas_scratch_.resize(cublas_update_scratch_floats(layout_, config_.minibatch_size));
    cublas_workspace_.resize(kCublasWorkspaceBytes);
    // a fixed workspace keeps cuBLAS from allocating during graph capture
    CUBLAS_CHECK(cublasSetWorkspace(cublas_, cublas_workspace_.get(), kCublasWorkspaceBytes));
  }
  act_ = act_params_on(act_settings(config_), params_.get(), obs_mean_.get(), obs_var_.get(), envs_,
                       rollout_, env_actions_.get());
}

void CudaBackend::load_state(const TrainState& s) {
  params_.upload_in_place(s.params, stream_);
  adam_m_.upload_in_place(s.adam_m, stream_);
  adam_v_.upload_in_place(s.adam_v, stream_);
  obs_mean_.upload_in_place(s.obs_mean, stream_);
  obs_var_.upload_in_place(s.obs_var, stream_);
  obs_count_.upload_in_place(std::vector<double>{s.obs_count}, stream_);
  ret_stats_.upload_in_place(std::vector<double>{s.ret_mean, s.ret_var, s.ret_count}, stream_);
  ret_acc_.upload_in_place(s.ret_acc, stream_);
  for_each_pair(DeviceEnvBatch::persistent(envs_), s.env_arrays(),
                [&](auto& to, const auto& from) { to.array.upload_in_place(from, stream_); });
  DeviceLearner learner;
  learner.beta = s.beta;
  learner_.upload_in_place(std::vector<DeviceLearner>{learner}, stream_);
  // pageable host memory is staged when a copy is enqueued, so the temporaries above may go;
  // the wait makes a failed copy show here rather than in the next phase
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  iteration_ = s.iteration;
  global_step_ = s.global_step;
  adam_step_ = s.adam_step;
}

TrainState CudaBackend::save_state() {
  TrainState s;
  s.iteration = iteration_;
  s.global_step = global_step_;
  s.adam_step = adam_step_;
  s.beta = learner_.download(stream_)[0].beta;
  s.params = params_.download(stream_);
  s.adam_m = adam_m_.download(stream_);
  s.adam_v = adam_v_.download(stream_);
  s.obs_mean = obs_mean_.download(stream_);
  s.obs_var = obs_var_.download(stream_);
  s.obs_count = obs_count_.download(stream_)[0];
  const std::vector<double> ret = ret_stats_.download(stream_);
  s.ret_mean = ret[0];
  s.ret_var = ret[1];
  s.ret_count = ret[2];
  s.ret_acc = ret_acc_.download(stream_);
  for_each_pair(s.env_arrays(), DeviceEnvBatch::persistent(envs_),
                [&](auto& to, const auto& from) { to = from.array.download(stream_); });
  return s;
}

void CudaBackend::begin_iteration(const IterationControl& control) {
  // the previous copy from the pinned buffer reads it when it runs, not when it is enqueued
  CUDA_CHECK(cudaEventSynchronize(control_copied_));
  DeviceControl& c = **host_control_;
  c.iteration = control.iteration;
  c.global_step = global_step_;
  c.adam_step = adam_step_;
  c.learning_rate = control.learning_rate;
  CUDA_CHECK(cudaMemcpyAsync(control_.get(), host_control_->get(), sizeof(DeviceControl),
                             cudaMemcpyHostToDevice, stream_));
  CUDA_CHECK(cudaEventRecord(control_copied_, stream_));
}

void CudaBackend::end_iteration() {
  iteration_ = (*host_control_)->iteration + 1;
  global_step_ += t_;
  adam_step_ += static_cast<int64_t>(config_.epochs) * minibatches_;
}

void CudaBackend::update_profiler(int64_t iteration, bool before) {
  const int64_t number = iteration + 1;  // as logged
  if (before && number == profile_begin_ && !profiling_) {
    CUDA_CHECK(cudaDeviceSynchronize());
    CUDA_CHECK(cudaProfilerStart());
    profiling_ = true;
  }
  if (!before && number == profile_end_ && profiling_) {
    CUDA_CHECK(cudaDeviceSynchronize());
    CUDA_CHECK(cudaProfilerStop());
    profiling_ = false;
  }
}

IterationStats CudaBackend::run_iteration(const IterationControl& control) {
  update_profiler(control.iteration, true);
  begin_iteration(control);
  // inside a profile window phases run eagerly, so NVTX ranges show each phase
  const bool eager = !options_.use_graph || profiling_ || iterations_run_ == 0;
  if (eager) {
    STAMPEDE_NVTX_RANGE("iteration");
    record_iteration();
  } else {
    if (!graph_exec_) {
      cudaGraph_t graph = nullptr;
      CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeRelaxed));
      record_iteration();
      CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
      CUDA_CHECK(cudaGraphInstantiate(&graph_exec_, graph, 0));
      CUDA_CHECK(cudaGraphDestroy(graph));
    }
    STAMPEDE_NVTX_RANGE("iteration (graph)");
    CUDA_CHECK(cudaGraphLaunch(graph_exec_, stream_));
  }
  const IterationStats stats = read_stats();
  end_iteration();
  ++iterations_run_;
  update_profiler(control.iteration, false);
  return stats;
}

void CudaBackend::record_iteration() {
  rollout();
  advantages();
  update();
  finish_iteration();
}

IterationStats CudaBackend::read_stats() {
  CUDA_CHECK(cudaMemcpyAsync(host_stats_->get(), stats_.get(), sizeof(IterationStats),
                             cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  return **host_stats_;
}

}  // namespace stampede
