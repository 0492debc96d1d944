#include "host/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "host/checkpoint.hpp"
#include "host/task_model.hpp"

namespace stampede {

namespace {

namespace fs = std::filesystem;

std::string default_run_dir(const std::string& env) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  std::string dir = "runs/" + env + "-" + stamp;
  // two runs started within one second get distinct directories
  for (int k = 2; fs::exists(dir); ++k)
    dir = "runs/" + env + "-" + stamp + "-" + std::to_string(k);
  return dir;
}

constexpr const char* kCsvHeader =
    "iteration,env_steps,wall_s,steps_per_s,episodes,mean_return,mean_length,policy_loss,"
    "value_loss,entropy,kl,clip_frac,explained_var,grad_norm,beta,learning_rate,bad_state_resets";

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

}  // namespace

std::string checkpoint_path_in(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoint.bin").string();
}

namespace {

// the config of the run and, when resuming, its state: the checkpoint's config (total steps and
// device overridable) or the requested one, validated, with its model file read and its run
// directory chosen and created
TrainConfig prepare_run(const TrainConfig& requested, const TrainOptions& options,
                        const ResumeOverrides& overrides, TrainState* start) {
  TrainConfig config = requested;
  if (!options.resume_dir.empty()) {
    Checkpoint ck = load_checkpoint(checkpoint_path_in(options.resume_dir));
    config = ck.config;
    config.run_dir = options.resume_dir;
    if (overrides.total_steps) config.total_steps = requested.total_steps;
    if (overrides.device) config.device = requested.device;
    validate(config);
    *start = std::move(ck.state);
  } else {
    validate(config);
    load_task_model(&config);
    if (config.run_dir.empty()) config.run_dir = default_run_dir(std::string(config.env.name()));
    if (fs::exists(checkpoint_path_in(config.run_dir))) {
      throw UsageError("run directory '" + config.run_dir +
                       "' already holds a run; continue it with --resume " + config.run_dir +
                       " or choose another --run-dir");
    }
  }
  std::error_code ec;
  fs::create_directories(config.run_dir, ec);
  if (ec) throw UsageError("cannot create run directory '" + config.run_dir + "': " + ec.message());
  return config;
}

// log.csv: one row per iteration, appended to on resume
class CsvLog {
 public:
  CsvLog(const std::string& path, bool resuming) {
    const bool fresh = !resuming || !fs::exists(path);
    out_.open(path, fresh ? std::ios::trunc : std::ios::app);
    if (!out_) throw UsageError("cannot write log '" + path + "'");
    if (fresh) out_ << kCsvHeader << "\n";
  }
  void row(int64_t iteration, int64_t steps, double wall, double sps, const IterationStats& s,
           float learning_rate) {
    out_ << iteration << ',' << steps << ',' << wall << ',' << sps << ',' << s.episodes << ','
         << mean_or_zero(s.episode_return_sum, s.episodes) << ','
         << mean_or_zero(s.episode_length_sum, s.episodes) << ',' << s.policy_loss << ','
         << s.value_loss << ',' << s.entropy << ',' << s.kl << ',' << s.clip_frac << ','
         << s.explained_var << ',' << s.grad_norm << ',' << s.beta << ',' << learning_rate << ','
         << s.bad_state_resets << '\n';
  }
  void flush() { out_.flush(); }

 private:
  static float mean_or_zero(float sum, int32_t count) { return count > 0 ? sum / count : 0.0f; }
  std::ofstream out_;
};

std::string status_line(int64_t iteration, int64_t total_iters, int64_t steps, double sps,
                        const TrainResult& result, const IterationStats& s) {
  std::ostringstream line;
  line << std::fixed << std::setprecision(3) << "iter " << iteration << "/" << total_iters
       << " | steps " << steps << " | " << std::setprecision(0) << sps << " sps | return "
       << std::setprecision(1) << result.mean_return << " | pi " << std::setprecision(4)
       << s.policy_loss << " | v " << s.value_loss << " | kl " << s.kl << " | clip "
       << std::setprecision(3) << s.clip_frac << " | ev " << s.explained_var;
  if (result.bad_state_resets > 0) {
    line << " | " << result.bad_state_resets << " diverged states reset";
  }
  return line.str();
}

[[noreturn]] void diverged(int64_t iteration, const TrainResult& result, int64_t last_saved) {
  std::ostringstream msg;
  msg << "training diverged at iteration " << iteration
      << ": a loss or parameter became NaN or infinite; stopped without saving. ";
  if (fs::exists(result.checkpoint_path)) {
    msg << "The last good checkpoint (iteration " << last_saved << ") is kept at "
        << result.checkpoint_path;
  } else {
    msg << "No checkpoint had been written yet";
  }
  throw TrainingDiverged(msg.str());
}

}  // namespace

TrainResult train(const TrainConfig& requested, const TrainOptions& options, std::ostream& out,
                  const ResumeOverrides& overrides) {
  TrainState start;
  const bool resuming = !options.resume_dir.empty();
  const TrainConfig config = prepare_run(requested, options, overrides, &start);

  auto make = options.make_backend ? options.make_backend : make_backend;
  std::unique_ptr<Backend> backend = make(config);
  if (resuming) backend->load_state(start);
  write_text_atomically(fs::path(config.run_dir) / "config.json", to_json(config).dump(2) + "\n");

  TrainResult result;
  result.run_dir = config.run_dir;
  result.checkpoint_path = checkpoint_path_in(config.run_dir);
  result.log_path = (fs::path(config.run_dir) / "log.csv").string();
  result.device = backend->device_name();
  result.iterations = resuming ? start.iteration : 0;
  result.env_steps = result.iterations * config.batch_size();
  CsvLog log(result.log_path, resuming);

  const int64_t total_iters = config.num_iterations();
  const int64_t first = resuming ? start.iteration : 0;
  const int64_t batch = config.batch_size();
  int64_t last_saved = first;
  const bool tty = ::isatty(STDOUT_FILENO) && &out == &std::cout;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_print = t0 - std::chrono::seconds(10);
  if (!options.quiet) {
    out << "training " << config.env.name() << " on " << result.device << ": " << config.num_envs
        << " envs x " << config.num_steps << " steps, " << total_iters << " iterations ("
        << config.total_steps << " steps), objective " << config.objective << "\n";
  }
  if (options.cpu_threads_given && result.device.rfind("cpu", 0) != 0) {
    out << "note: --threads sets the CPU backend's threads; " << result.device
        << " runs the whole iteration on the GPU\n";
  }

  int64_t end = total_iters;
  if (options.stop_after_iterations >= 0) {
    end = std::min(end, first + options.stop_after_iterations);
  }
  for (int64_t it = first; it < end; ++it) {
    IterationControl control;
    control.iteration = it;
    const float progress = static_cast<float>(it) / static_cast<float>(total_iters);
    control.learning_rate =
        config.lr_decay ? config.learning_rate * (1.0f - progress) : config.learning_rate;
    const IterationStats s = backend->run_iteration(control);
    if (s.nonfinite) diverged(it + 1, result, last_saved);

    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t steps = (it + 1) * batch;
    const double sps = static_cast<double>((it + 1 - first) * batch) / std::max(wall, 1e-9);
    if (s.episodes > 0) result.mean_return = s.episode_return_sum / s.episodes;
    log.row(it + 1, steps, wall, sps, s, control.learning_rate);
    result.bad_state_resets += s.bad_state_resets;

    const bool last = it + 1 == total_iters;
    if ((it + 1) % config.checkpoint_every == 0 || last) {
      Checkpoint ck{config, backend->save_state()};
      ck.state.iteration = it + 1;
      save_checkpoint(result.checkpoint_path, ck);
      last_saved = it + 1;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!options.quiet && (last || now - last_print >= std::chrono::seconds(1))) {
      last_print = now;
      out << (tty ? "\r" : "") << status_line(it + 1, total_iters, steps, sps, result, s)
          << (tty && !last ? "" : "\n") << std::flush;
    }
    result.iterations = it + 1;
    result.env_steps = steps;
    result.wall_seconds = wall;
    result.steps_per_second = sps;
  }
  log.flush();
  return result;
}

}  // namespace stampede
