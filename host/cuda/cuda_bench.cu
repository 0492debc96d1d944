// GPU side of `stampede bench`: each figure is a CUDA graph of the phase under test, replayed
// after warm-up and timed with CUDA events; the median of the repeats is reported.
#include <algorithm>
#include <functional>

#include "host/bench.hpp"
#include "host/config.hpp"
#include "host/cuda/cuda_backend_impl.hpp"

namespace stampede {

namespace {

class Graph {
 public:
  Graph(cudaStream_t stream, const std::function<void()>& record) : stream_(stream) {
    cudaGraph_t graph = nullptr;
    CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
    record();
    CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    CUDA_CHECK(cudaGraphInstantiate(&exec_, graph, 0));
    CUDA_CHECK(cudaGraphDestroy(graph));
  }
  ~Graph() {
    if (exec_) cudaGraphExecDestroy(exec_);
  }
  void launch() { CUDA_CHECK(cudaGraphLaunch(exec_, stream_)); }

 private:
  cudaStream_t stream_;
  cudaGraphExec_t exec_ = nullptr;
};

// median seconds of `body` (enqueued on `stream`) over the repeats, after warm-up
double event_median(const BenchOptions& o, cudaStream_t stream, const std::function<void()>& body) {
  cudaEvent_t start, stop;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  for (int k = 0; k < o.warmup; ++k)
    body();
  std::vector<double> times;
  for (int k = 0; k < o.repeats; ++k) {
    CUDA_CHECK(cudaEventRecord(start, stream));
    body();
    CUDA_CHECK(cudaEventRecord(stop, stream));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms * 1e-3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return median(times);
}

BenchRow gpu_throughput(const BenchOptions& o, int n) {
  BenchRow row;
  row.num_envs = n;
  const TrainConfig config = bench_train_config(o, n);
  CudaBackend b(config);
  cudaStream_t s = b.stream();
  const float lr = config.learning_rate;
  b.begin_iteration(IterationControl{0, lr});
  b.act_step(0);  // sampled actions for the env-only figure

  {
    Graph env_only(s, [&] { b.env_steps(o.env_steps, 0); });
    const double t = event_median(o, s, [&] { env_only.launch(); });
    row.env_sps = static_cast<double>(n) * o.env_steps / t;
  }
  {
    const int rollouts = std::max(1, o.env_steps / config.num_steps);
    Graph rollout(s, [&] {
      for (int k = 0; k < rollouts; ++k)
        b.rollout();
    });
    const double t = event_median(o, s, [&] { rollout.launch(); });
    row.infer_sps = static_cast<double>(n) * config.num_steps * rollouts / t;
  }
  int64_t it = 0;
  const double t = event_median(o, s, [&] {
    for (int k = 0; k < o.train_iters; ++k, ++it) {
      b.run_iteration(IterationControl{it, lr});
    }
  });
  row.train_sps = static_cast<double>(config.batch_size()) * o.train_iters / t;
  return row;
}

UpdateRow gpu_update(const BenchOptions& o, int width, UpdatePathKind kind) {
  UpdateRow row;
  row.width = width;
  const bool fused = kind == UpdatePathKind::kFused;
  row.path = fused ? "fused" : kind == UpdatePathKind::kCublas ? "cublas" : "cublas-pedantic";
  TrainConfig config = bench_train_config(o, o.update_minibatch, width);
  config.num_steps = 1;
  config.epochs = 1;
  config.minibatch_size = o.update_minibatch;
  CudaBackendOptions options;
  options.path = fused ? UpdatePath::kFused : UpdatePath::kCublas;
  options.cublas_pedantic = kind == UpdatePathKind::kCublasPedantic;
  try {
    CudaBackend b(config, options);
    cudaStream_t s = b.stream();
    // one real iteration fills the rollout, the permutation and the optimiser state
    b.run_iteration(IterationControl{0, config.learning_rate});
    b.begin_iteration(IterationControl{1, config.learning_rate});
    constexpr int kSteps = 10;
    Graph step(s, [&] {
      for (int k = 0; k < kSteps; ++k)
        b.minibatch_step(0, 0);
    });
    const double t = event_median(o, s, [&] { step.launch(); });
    row.ns_per_sample = t * 1e9 / (static_cast<double>(kSteps) * o.update_minibatch);
  } catch (const UsageError& e) {
    row.ns_per_sample = -1.0;
    row.note = e.what();
  }
  return row;
}

MemoryBandwidth gpu_memory_bandwidth(const BenchOptions& o) {
  int device = 0, clock_khz = 0, bus_bits = 0, l2 = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device));
  CUDA_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device));
  CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
  MemoryBandwidth bw;
  bw.peak = 2.0 * clock_khz * 1e3 * bus_bits / 8.0;  // double data rate
  bw.l2_bytes = l2;
  // 1 GiB each way: far beyond L2, so the copy runs at DRAM speed
  constexpr size_t kCopyBytes = size_t{1} << 30;
  DeviceBuffer<uint8_t> src(kCopyBytes), dst(kCopyBytes);
  cudaStream_t s = nullptr;
  CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  src.fill_zero(s);
  const double t = event_median(o, s, [&] {
    CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), kCopyBytes, cudaMemcpyDeviceToDevice, s));
  });
  CUDA_CHECK(cudaStreamDestroy(s));
  bw.copy = 2.0 * kCopyBytes / t;
  return bw;
}

std::string gpu_name() {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string("cuda:") + std::to_string(device) + " (" + prop.name + ")";
}

}  // namespace

void register_cuda_bench() {
  CudaBenchHooks hooks;
  hooks.throughput = gpu_throughput;
  hooks.update = gpu_update;
  hooks.device_name = gpu_name;
  hooks.memory_bandwidth = gpu_memory_bandwidth;
  register_cuda_bench_hooks(hooks);
}

}  // namespace stampede
