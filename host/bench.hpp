// `stampede bench`: throughput as Isaac Lab reports it (env-only, env + policy inference,
// end-to-end training steps per second) over a list of environment counts, plus the PPO update
// time per sample of the fused and the cuBLAS paths at several widths. GPU timing uses CUDA events
// (host/cuda/cuda_bench.cu, registered when the CUDA backend is linked); --device cpu times the
// CPU backend with std::chrono. Median of repeats after warm-up; a table on stdout, JSON to a file.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "envs/task.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/rollout.hpp"

namespace stampede {

struct BenchOptions {
  Task env;                     // CartPole unless set
  std::string device = "auto";  // cpu | cuda | auto
  std::vector<int> num_envs = {1024, 4096, 16384, 65536, 262144, 1048576};
  int env_steps = 200;  // steps per timed repeat (env-only, env + inference)
  int num_steps = 16;   // T of the training figure
  int epochs = 4;       // K of the training figure
  int minibatches = 4;  // minibatches per epoch of the training figure
  int train_iters = 2;  // iterations per timed training repeat
  int warmup = 2;       // untimed repeats first
  int repeats = 5;      // timed repeats; the median is reported
  std::vector<int> update_widths = {64, 128, 256, 512};
  int update_minibatch = 32768;  // rows per minibatch of the update figure
  bool skip_throughput = false;
  bool skip_update = false;
  std::string json_path;  // empty: no JSON
  uint64_t seed = 1;
  int threads = 0;  // CPU threads of the cpu figures; 0 = all hardware threads
};

// one row of the throughput table (steps = transitions, summed over envs)
struct BenchRow {
  int num_envs = 0;
  double env_sps = 0, infer_sps = 0, train_sps = 0;
  std::string note;  // why a figure is missing (e.g. does not fit in device memory)
};

struct UpdateRow {
  int width = 0;
  std::string path;          // fused | cublas | cublas-pedantic | cpu
  double ns_per_sample = 0;  // < 0: not applicable
  std::string note;
};

// the device's memory system, for stating env-only throughput as a fraction of bandwidth
struct MemoryBandwidth {
  double peak = 0;       // bytes/s from the memory clock and bus width (the data-sheet figure)
  double copy = 0;       // bytes/s (read + write) of a large device-to-device copy, measured
  int64_t l2_bytes = 0;  // working sets below this may be served by L2 rather than DRAM
};

// the GPU update paths the bench times: the fused kernel, and the cuBLAS path under cuBLAS's
// default and pedantic math modes (the backend uses the default; this row is why)
enum class UpdatePathKind { kFused, kCublas, kCublasPedantic };

// GPU measurements, registered by the CUDA backend
struct CudaBenchHooks {
  MemoryBandwidth (*memory_bandwidth)(const BenchOptions& options) = nullptr;
  BenchRow (*throughput)(const BenchOptions& options, int num_envs) = nullptr;
  UpdateRow (*update)(const BenchOptions& options, int width, UpdatePathKind path) = nullptr;
  std::string (*device_name)() = nullptr;
};
void register_cuda_bench_hooks(const CudaBenchHooks& hooks);

// throws UsageError for bad options or --device cuda without a usable GPU
int run_bench(const BenchOptions& options, std::ostream& out);

double median(std::vector<double> values);

struct TrainConfig;
// the documented training configuration of the bench: 64x64 tanh MLPs (or `width` x `width`),
// T = num_steps, K = epochs, minibatch = N * T / minibatches, CleanRL's CartPole settings otherwise
TrainConfig bench_train_config(const BenchOptions& options, int num_envs, int width = 64);

// a rollout of plausible random experience for `layout`: normal observations, values, advantages
// and returns; actions, distributions and log-probs away from ratio 1 so clipping is exercised.
// The input of the update figure, and of tests that need a minibatch without an environment.
RolloutBuffer random_update_rollout(const PolicyLayout& layout, int steps, int envs, uint64_t seed);

// bytes of device memory one env step reads and writes at least (a step that ends no episode):
// state read and written, action, observation, reward, flags, episode length and return
template <class Env>
constexpr int env_step_min_bytes() {
  return 2 * Env::kStateDim * 4 + Env::kActDim * 4 + Env::kObsDim * 4 + 4 + 2 + 2 * 4 + 2 * 4;
}

}  // namespace stampede
