#include "host/bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"
#include "host/backend.hpp"
#include "host/config.hpp"
#include "host/cpu/parallel.hpp"
#include "host/cpu/update_cpu.hpp"
#include "host/durable_file.hpp"
#include "ppo/act.hpp"

namespace stampede {

namespace {

CudaBenchHooks g_bench_hooks;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <class F>
double timed_median(const BenchOptions& o, F&& body) {
  for (int k = 0; k < o.warmup; ++k)
    body();
  std::vector<double> times;
  for (int k = 0; k < o.repeats; ++k) {
    const auto t0 = Clock::now();
    body();
    times.push_back(seconds_since(t0));
  }
  return median(times);
}

// CPU env-only and env + inference: the per-env work of the CPU rollout (the act step of
// ppo/act.hpp without the normaliser update, then the env step), shared out between threads as
// the CPU backend does, timed with std::chrono
template <class Env>
BenchRow cpu_throughput(const Env& env, const BenchOptions& o, int n) {
  BenchRow row;
  row.num_envs = n;
  const TrainConfig config = bench_train_config(o, n);
  TrainState s = initial_train_state(config);
  const PolicyLayout layout = make_policy_layout(config);
  HostEnvBatch envs = env_batch_of<Env>(s);
  const EnvBatch b = env_batch_view(envs);
  std::vector<float> actions(static_cast<size_t>(n) * Env::kActDim, 0.0f);
  uint64_t step = 0;
  for (int i = 0; i < n; ++i)
    actions[i * Env::kActDim] = static_cast<float>(i % 2);

  const double env_s = timed_median(o, [&] {
    for (int k = 0; k < o.env_steps; ++k, ++step) {
      parallel_for(n, step_envs_per_thread<Env>(), [&](int64_t i) {
        step_env(env, b, static_cast<int>(i), &actions[i * Env::kActDim], o.seed, step);
      });
    }
  });
  row.env_sps = static_cast<double>(n) * o.env_steps / env_s;

  RolloutBuffer rollout;  // one step's worth: the act step writes what training would keep
  rollout.resize(RolloutShape{1, n, layout.obs_dim, layout.act_dim, layout.head_dim()});
  const ActParams act = act_params_on(act_settings(config), s.params.data(), s.obs_mean.data(),
                                      s.obs_var.data(), envs, rollout, actions.data());
  const double infer_s = timed_median(o, [&] {
    for (int k = 0; k < o.env_steps; ++k, ++step) {
      parallel_for(n, kPolicyEnvsPerThread, [&](int64_t i) {
        act_env<kMaxLayerWidth>(act, act.params, static_cast<int>(i), step);
      });
      parallel_for(n, step_envs_per_thread<Env>(), [&](int64_t i) {
        step_env(env, b, static_cast<int>(i), &actions[i * Env::kActDim], o.seed, step);
      });
    }
  });
  row.infer_sps = static_cast<double>(n) * o.env_steps / infer_s;

  std::unique_ptr<Backend> backend = make_cpu_backend(config);
  int64_t it = 0;
  const double train_s = timed_median(o, [&] {
    for (int k = 0; k < o.train_iters; ++k, ++it) {
      backend->run_iteration(IterationControl{it, config.learning_rate});
    }
  });
  row.train_sps = static_cast<double>(config.batch_size()) * o.train_iters / train_s;
  return row;
}

// physics alone on one CPU thread: the task's model stepped by its own integrator under random
// controls in ctrlrange, as a loop of MuJoCo's mj_step would be timed; 0 for non-physics tasks
template <class Env>
double cpu_physics_sps(const Env& env, const BenchOptions& o) {
  if constexpr (PhysicsTask<Env>) {
    const Model& m = *env.model;
    typename Env::PhysData d;
    reset_data(m, d);
    constexpr int kTable = 1024, kSteps = 20000;
    std::vector<Real> controls(static_cast<size_t>(kTable) * m.nu);
    Rng rng(o.seed, RngPurpose::kEval, 0, 0);
    for (int k = 0; k < kTable; ++k) {
      for (int u = 0; u < m.nu; ++u) {
        controls[k * m.nu + u] =
            rng.uniform(m.actuator_ctrlrange[u][0], m.actuator_ctrlrange[u][1]);
      }
    }
    // a new control every 10 steps, as bench/peers/mujoco_cpu.py drives mj_step(nstep=10)
    const double t = timed_median(o, [&] {
      for (int k = 0; k < kSteps; ++k) {
        const int row = (k / 10) % kTable;
        for (int u = 0; u < m.nu; ++u)
          d.ctrl[u] = controls[row * m.nu + u];
        if (step(m, d) != kStepOk) reset_data(m, d);
      }
    });
    return kSteps / t;
  }
  return 0.0;
}

UpdateRow cpu_update(const BenchOptions& o, int width) {
  UpdateRow row;
  row.width = width;
  row.path = "cpu";
  const int m = o.update_minibatch;
  TrainConfig config = bench_train_config(o, m, width);
  config.num_steps = 1;
  config.minibatch_size = m;
  const PolicyLayout layout = make_policy_layout(config);
  const TrainState s = initial_train_state(config);
  const RolloutBuffer r = random_update_rollout(layout, 1, m, o.seed);
  std::vector<int32_t> index(m);
  for (int k = 0; k < m; ++k)
    index[k] = k;
  std::vector<float> grad(s.params.size());
  std::vector<float> old_log_std(std::max(1, layout.act_dim), config.init_log_std);
  const double t = timed_median(o, [&] {
    std::fill(grad.begin(), grad.end(), 0.0f);
    minibatch_loss_grad(config, layout, r, index.data(), m, s.params.data(), old_log_std.data(),
                        1.0f, grad.data());
  });
  row.ns_per_sample = t * 1e9 / m;
  return row;
}

std::string fmt_rate(double sps) {
  if (sps <= 0) return "-";
  std::ostringstream s;
  s << std::scientific << std::setprecision(3) << sps;
  return s.str();
}

// env-only throughput as memory traffic: the best row's bytes/s against the device's bandwidth
void report_env_bandwidth(const std::vector<BenchRow>& rows, int bytes_per_step,
                          const MemoryBandwidth& bw, std::ostream& out, nlohmann::json& j) {
  const BenchRow* best = nullptr;
  for (const BenchRow& r : rows) {
    if (r.env_sps > 0 && (!best || r.env_sps > best->env_sps)) best = &r;
  }
  if (!best) return;
  const double traffic = best->env_sps * bytes_per_step;
  const double working_set = static_cast<double>(best->num_envs) * bytes_per_step;
  out << "env-only memory traffic: >= " << bytes_per_step << " B per env step; best "
      << fmt_rate(best->env_sps) << " steps/s at " << best->num_envs << " envs = " << std::fixed
      << std::setprecision(0) << traffic / 1e9 << " GB/s = " << std::setprecision(1)
      << 100.0 * traffic / bw.copy << "% of the measured copy bandwidth (" << std::setprecision(0)
      << bw.copy / 1e9 << " GB/s), " << std::setprecision(1) << 100.0 * traffic / bw.peak
      << "% of peak (" << std::setprecision(0) << bw.peak / 1e9 << " GB/s)" << std::defaultfloat
      << (working_set < static_cast<double>(bw.l2_bytes) ? "; the working set fits in L2" : "")
      << "\n";
  j["env_bandwidth"] = {
      {"bytes_per_step_min", bytes_per_step},  {"best_num_envs", best->num_envs},
      {"traffic_bytes_per_s", traffic},        {"copy_bytes_per_s", bw.copy},
      {"peak_bytes_per_s", bw.peak},           {"l2_bytes", bw.l2_bytes},
      {"fraction_of_copy", traffic / bw.copy}, {"fraction_of_peak", traffic / bw.peak}};
}

}  // namespace

void register_cuda_bench_hooks(const CudaBenchHooks& hooks) {
  g_bench_hooks = hooks;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

RolloutBuffer random_update_rollout(const PolicyLayout& L, int steps, int envs, uint64_t seed) {
  RolloutBuffer r;
  r.resize(RolloutShape{steps, envs, L.obs_dim, L.act_dim, L.head_dim()});
  Rng rng(seed, RngPurpose::kEval, 0, 0);
  for (auto* column : {&r.obs, &r.values, &r.advantages, &r.returns}) {
    for (float& x : *column)
      x = rng.normal();
  }
  for (int64_t k = 0; k < r.size(); ++k) {
    float* d = &r.dist[k * L.head_dim()];
    if (L.discrete()) {
      float logits[kMaxHeadDim];
      for (int j = 0; j < L.head_dim(); ++j)
        logits[j] = 0.5f * rng.normal();
      log_softmax(logits, L.head_dim(), d);
      const int a = static_cast<int>(rng.uniform() * L.num_actions);
      r.actions[k * L.act_dim] = static_cast<float>(a);
      r.logp[k] = d[a] + 0.2f * rng.normal();  // ratios away from 1, so clipping is exercised
    } else {
      for (int j = 0; j < L.act_dim; ++j) {
        d[j] = 0.3f * rng.normal();
        r.actions[k * L.act_dim + j] = d[j] + rng.normal();
      }
      r.logp[k] = -1.0f + 0.5f * rng.normal();
    }
  }
  return r;
}

TrainConfig bench_train_config(const BenchOptions& o, int num_envs, int width) {
  TrainConfig c;
  c.env = o.env;
  c.num_envs = num_envs;
  c.num_steps = o.num_steps;
  c.epochs = o.epochs;
  c.minibatch_size = static_cast<int>(std::max<int64_t>(1, c.batch_size() / o.minibatches));
  c.total_steps = c.batch_size() * 1000;
  c.seed = o.seed;
  c.actor_hidden = {width, width};
  c.critic_hidden = {width, width};
  c.device = o.device;
  return c;
}

namespace {

void validate_bench(const BenchOptions& o) {
  if (o.repeats < 1 || o.warmup < 0 || o.env_steps < 1 || o.num_steps < 1 || o.epochs < 1 ||
      o.minibatches < 1 || o.train_iters < 1 || o.update_minibatch < 1) {
    throw UsageError("bench: repeats, steps, epochs, minibatches and iterations must be >= 1");
  }
  for (int w : o.update_widths) {
    if (w < 1 || w > kMaxLayerWidth) {
      throw UsageError("bench: update width " + std::to_string(w) + " out of range (1.." +
                       std::to_string(kMaxLayerWidth) + ")");
    }
  }
  for (int n : o.num_envs) {
    if (n < 1 || n > (1 << 24))
      throw UsageError("bench: env count " + std::to_string(n) + " out of range (1..16777216)");
  }
  // now, not after minutes of timing
  if (!o.json_path.empty()) check_output_path(o.json_path, "bench --json");
}

// whether the figures come from the GPU: --device cuda (an error without one), or auto with one
bool bench_on_gpu(const BenchOptions& o) {
  if (o.device == "cpu") return false;
  if (o.device != "cuda" && o.device != "auto") {
    throw UsageError("unknown device '" + o.device + "' (expected cpu, cuda or auto)");
  }
  const std::string reason = cuda_unavailable_reason();
  const bool gpu = reason.empty() && g_bench_hooks.throughput;
  if (o.device == "cuda" && !gpu) throw UsageError("--device cuda was asked for, but " + reason);
  return gpu;
}

void bench_throughput(const BenchOptions& o, bool gpu, std::ostream& out, nlohmann::json& j) {
  out << std::setw(10) << "envs" << std::setw(14) << "env-only/s" << std::setw(14) << "env+infer/s"
      << std::setw(14) << "train/s"
      << "  note\n";
  std::vector<BenchRow> rows;
  for (int n : o.num_envs) {
    BenchRow row;
    try {
      if (gpu) {
        row = g_bench_hooks.throughput(o, n);
      } else {
        row = visit_env(o.env, [&](auto env) { return cpu_throughput(env, o, n); });
      }
    } catch (const UsageError& e) {
      row.num_envs = n;
      row.note = e.what();
    }
    out << std::setw(10) << n << std::setw(14) << fmt_rate(row.env_sps) << std::setw(14)
        << fmt_rate(row.infer_sps) << std::setw(14) << fmt_rate(row.train_sps) << "  " << row.note
        << "\n"
        << std::flush;
    j["throughput"].push_back({{"num_envs", n},
                               {"env_sps", row.env_sps},
                               {"env_infer_sps", row.infer_sps},
                               {"train_sps", row.train_sps},
                               {"note", row.note}});
    rows.push_back(row);
  }
  if (gpu && g_bench_hooks.memory_bandwidth) {
    const int bytes = visit_task(
        o.env, [](auto type) { return env_step_min_bytes<typename decltype(type)::type>(); });
    report_env_bandwidth(rows, bytes, g_bench_hooks.memory_bandwidth(o), out, j);
  }
}

void bench_update(const BenchOptions& o, bool gpu, std::ostream& out, nlohmann::json& j) {
  out << "PPO update, minibatch " << o.update_minibatch << " (forward + loss + backward"
      << (gpu ? " + reduce + Adam" : "") << ")\n";
  out << std::setw(8) << "width" << std::setw(18) << "path" << std::setw(16) << "ns/sample"
      << "  note\n";
  for (int w : o.update_widths) {
    std::vector<UpdateRow> rows;
    if (gpu) {
      if (w <= 128) rows.push_back(g_bench_hooks.update(o, w, UpdatePathKind::kFused));
      rows.push_back(g_bench_hooks.update(o, w, UpdatePathKind::kCublas));
      rows.push_back(g_bench_hooks.update(o, w, UpdatePathKind::kCublasPedantic));
    } else {
      rows.push_back(cpu_update(o, w));
    }
    for (const UpdateRow& r : rows) {
      out << std::setw(8) << r.width << std::setw(18) << r.path << std::setw(16) << std::fixed
          << std::setprecision(3) << r.ns_per_sample << std::defaultfloat << "  " << r.note << "\n";
      j["update"].push_back({{"width", r.width},
                             {"path", r.path},
                             {"ns_per_sample", r.ns_per_sample},
                             {"note", r.note}});
    }
  }
}

}  // namespace

int run_bench(const BenchOptions& o, std::ostream& out) {
  validate_bench(o);
  const bool gpu = bench_on_gpu(o);
  set_cpu_threads(o.threads);
  const std::string device = gpu ? g_bench_hooks.device_name() : "cpu";
  const int threads = cpu_threads();
  const std::string cpu_threads_text =
      ", " + std::to_string(threads) + (threads == 1 ? " CPU thread" : " CPU threads");
  out << "stampede bench: " << o.env.name() << " on " << device << (gpu ? "" : cpu_threads_text)
      << " (median of " << o.repeats << " after " << o.warmup
      << " warm-up; steps = transitions summed over envs)\n";

  nlohmann::json j;
  j["env"] = std::string(o.env.name());
  j["device"] = device;
  j["cpu_threads"] = threads;
  j["repeats"] = o.repeats;
  j["warmup"] = o.warmup;
  j["env_steps"] = o.env_steps;
  j["train"] = {{"num_steps", o.num_steps},
                {"epochs", o.epochs},
                {"minibatches", o.minibatches},
                {"iters", o.train_iters},
                {"hidden", {64, 64}}};
  j["throughput"] = nlohmann::json::array();
  j["update"] = nlohmann::json::array();

  const double physics_sps = visit_env(o.env, [&](auto env) { return cpu_physics_sps(env, o); });
  if (physics_sps > 0.0) {
    out << "physics only, one CPU thread: " << fmt_rate(physics_sps) << " steps/s (" << std::fixed
        << std::setprecision(2) << 1e6 / physics_sps << std::defaultfloat << " us/step)\n";
    j["physics_cpu_steps_per_s"] = physics_sps;
  }
  if (!o.skip_throughput) bench_throughput(o, gpu, out, j);
  if (!o.skip_update) bench_update(o, gpu, out, j);
  if (!o.json_path.empty()) {
    write_file_atomically(o.json_path, j.dump(2) + "\n");
    out << "wrote " << o.json_path << "\n";
  }
  return 0;
}

}  // namespace stampede
