#include "host/run_memory.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "envs/task.hpp"
#include "host/backend.hpp"
#include "host/task_model.hpp"

namespace stampede {

namespace {

std::string gib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  return text;
}

// a number from a one-line file ("max" or unreadable: -1)
int64_t read_number(const char* path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return -1;
  try {
    return std::stoll(word);
  } catch (...) {
    return -1;
  }
}

int64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  int64_t kib = 0;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return -1;
}

}  // namespace

RunMemory estimate_run_memory(const TrainConfig& config, bool on_gpu) {
  const EnvSpec spec = task_spec(config.env, task_model(config));
  const PolicyLayout layout = make_policy_layout(config);
  const int64_t n = config.num_envs;
  const int64_t tn = n * config.num_steps;
  RunMemory m;
  if (!on_gpu) {
    // obs, actions and distribution rows, six floats (logp, value, reward, truncation value,
    // advantage, return) and two flags per transition; the minibatch permutation
    m.rollout = tn * (4 * (spec.obs_dim + layout.act_dim + layout.head_dim() + 6) + 2 + 8);
  }
  // state and observation rows with episode counters; a checkpoint copies them into the saved
  // state, its byte image and the file's write buffer
  const int64_t env_bytes = n * (4 * (spec.state_dim + 2 * spec.obs_dim) + 16);
  m.environments = env_bytes * (on_gpu ? 3 : 4);
  m.network = layout.num_params() * 4 * 8;
  return m;
}

int64_t available_memory() {
  int64_t best = meminfo_available();
  const auto lower = [&best](int64_t v) {
    if (v >= 0) best = best < 0 ? v : std::min(best, v);
  };
  const int64_t limit = read_number("/sys/fs/cgroup/memory.max");  // cgroup v2
  const int64_t used = read_number("/sys/fs/cgroup/memory.current");
  if (limit >= 0) lower(limit - std::max<int64_t>(used, 0));
  const int64_t v1 = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  if (v1 >= 0 && v1 < (int64_t{1} << 60)) {
    lower(v1 - std::max<int64_t>(read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes"), 0));
  }
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit r{};
    if (::getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
      lower(static_cast<int64_t>(r.rlim_cur));
    }
  }
  return best;
}

void check_run_fits_memory(const TrainConfig& config, bool on_gpu) {
  const RunMemory need = estimate_run_memory(config, on_gpu);
  const int64_t have = available_memory();
  if (have < 0 || need.total() <= have) return;
  throw UsageError("this run needs about " + gib(need.total()) + " of memory (rollout " +
                   gib(need.rollout) + ", environments " + gib(need.environments) + ") but " +
                   gib(have) + " is available; reduce --num-envs or --num-steps");
}

}  // namespace stampede
