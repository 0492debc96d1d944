#include "host/trainer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "host/checkpoint.hpp"
#include "host/durable_file.hpp"
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
  std::error_code ec;
  for (int k = 2; fs::exists(dir, ec); ++k)
    dir = "runs/" + env + "-" + stamp + "-" + std::to_string(k);
  return dir;
}

constexpr const char* kCsvHeader =
    "iteration,env_steps,wall_s,steps_per_s,episodes,mean_return,mean_length,policy_loss,"
    "value_loss,entropy,kl,clip_frac,explained_var,grad_norm,beta,learning_rate,bad_state_resets";

// SIGINT and SIGTERM: the first asks the loop to stop after the current iteration (checkpoint,
// log row, exit 130 / 143); a second exits at once. Files are only ever replaced by rename, so
// an exit at any instant leaves the last good checkpoint in place.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_stop_signal != 0) ::_exit(128 + sig);
  g_stop_signal = sig;
}

class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// One training process per run directory: a second one would interleave the log and race the
// checkpoint. The lock is released when the process ends, however it ends.
class RunDirLock {
 public:
  explicit RunDirLock(const std::string& dir) {
    const std::string path = (fs::path(dir) / ".lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw UsageError("cannot write in run directory '" + dir + "': " + std::strerror(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw UsageError("run directory '" + dir + "' is in use by another stampede process");
    }
  }
  ~RunDirLock() { ::close(fd_); }
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

std::string checkpoint_path_in(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoint.bin").string();
}

namespace {

// the config of the run and, when resuming, its checkpoint: the checkpoint's config (total
// steps and device overridable) or the requested one, validated, with its model file read and
// its run directory chosen and created (*created: by this call)
TrainConfig prepare_run(const TrainConfig& requested, const TrainOptions& options,
                        const ResumeOverrides& overrides, Checkpoint* start, bool* created) {
  TrainConfig config = requested;
  *created = false;
  if (!options.resume_dir.empty()) {
    Checkpoint ck = load_checkpoint(checkpoint_path_in(options.resume_dir));
    config = ck.config;
    config.run_dir = options.resume_dir;
    if (overrides.total_steps) config.total_steps = requested.total_steps;
    if (overrides.device) config.device = requested.device;
    validate(config);
    if (config.num_iterations() <= ck.state.iteration) {
      const int64_t done = ck.state.iteration * config.batch_size();
      throw UsageError("the run in '" + config.run_dir + "' has done " + std::to_string(done) +
                       " steps (" + std::to_string(ck.state.iteration) +
                       " iterations); its total is " + std::to_string(config.total_steps) +
                       ". To continue it, give --total-steps above " + std::to_string(done));
    }
    *start = std::move(ck);
  } else {
    validate(config);
    load_task_model(&config);
    if (config.run_dir.empty()) config.run_dir = default_run_dir(std::string(config.env.name()));
    std::error_code ec;
    if (fs::exists(checkpoint_path_in(config.run_dir), ec)) {
      throw UsageError("run directory '" + config.run_dir +
                       "' already holds a run; continue it with --resume " + config.run_dir +
                       " or choose another --run-dir");
    }
  }
  std::error_code ec;
  *created = fs::create_directories(config.run_dir, ec);
  if (ec) throw UsageError("cannot create run directory '" + config.run_dir + "': " + ec.message());
  return config;
}

// log.csv as a resumed run must continue it: the header and exactly the `rows` rows its
// checkpoint covers (rows appended after that checkpoint by a killed run, and a partial last
// line, are dropped); *kept is how many of them the file still had
std::string log_prefix(const std::string& path, int64_t rows, int64_t* kept) {
  std::ifstream in(path, std::ios::binary);
  std::string text = std::string(kCsvHeader) + "\n";
  *kept = 0;
  std::string line;
  bool header = true;
  while (*kept < rows && std::getline(in, line)) {
    if (in.eof()) break;  // no '\n': a line cut short by a kill
    if (header) {
      header = false;
      if (line == kCsvHeader) continue;
    }
    if (line.substr(0, line.find(',')) != std::to_string(*kept + 1)) break;
    text += line + "\n";
    ++*kept;
  }
  return text;
}

// log.csv: one row per iteration, each appended whole and flushed when its iteration ends
std::string csv_row(int64_t iteration, int64_t steps, double wall, double sps,
                    const IterationStats& s, float learning_rate) {
  const auto mean_or_zero = [](float sum, int32_t count) { return count > 0 ? sum / count : 0.f; };
  std::ostringstream row;
  row << iteration << ',' << steps << ',' << wall << ',' << sps << ',' << s.episodes << ','
      << mean_or_zero(s.episode_return_sum, s.episodes) << ','
      << mean_or_zero(s.episode_length_sum, s.episodes) << ',' << s.policy_loss << ','
      << s.value_loss << ',' << s.entropy << ',' << s.kl << ',' << s.clip_frac << ','
      << s.explained_var << ',' << s.grad_norm << ',' << s.beta << ',' << learning_rate << ','
      << s.bad_state_resets;
  return row.str();
}

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
  std::error_code ec;
  if (fs::exists(result.checkpoint_path, ec)) {
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
  // from the start: a signal while the run is being set up stops it after its first iteration
  const StopSignals signals;
  Checkpoint start;
  const bool resuming = !options.resume_dir.empty();
  bool created = false;
  const TrainConfig config = prepare_run(requested, options, overrides, &start, &created);

  TrainResult result;
  result.run_dir = config.run_dir;
  result.checkpoint_path = checkpoint_path_in(config.run_dir);
  result.log_path = (fs::path(config.run_dir) / "log.csv").string();
  std::unique_ptr<RunDirLock> lock;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<LineAppender> log;
  try {
    lock = std::make_unique<RunDirLock>(config.run_dir);
    remove_stale_temporaries(config.run_dir);
    auto make = options.make_backend ? options.make_backend : make_backend;
    backend = make(config);
    if (resuming) backend->load_state(start.state);
    // the log first: a resumed run's config.json is replaced only once its log is consistent
    int64_t kept = 0;
    const std::string prefix = resuming ? log_prefix(result.log_path, start.log_rows, &kept)
                                        : kCsvHeader + std::string("\n");
    if (resuming && kept < start.log_rows) {
      out << "warning: " << result.log_path << " had " << kept << " of the " << start.log_rows
          << " rows its checkpoint covers; the missing rows are lost\n";
    }
    write_file_atomically(result.log_path, prefix);
    write_file_atomically((fs::path(config.run_dir) / "config.json").string(),
                          to_json(config).dump(2) + "\n");
    log = std::make_unique<LineAppender>(result.log_path);
  } catch (...) {
    // a start that failed leaves no empty run directory behind
    if (created) {
      lock.reset();
      std::error_code ignored;
      fs::remove_all(config.run_dir, ignored);
    }
    throw;
  }
  result.device = backend->device_name();
  result.iterations = resuming ? start.state.iteration : 0;
  result.env_steps = result.iterations * config.batch_size();

  const int64_t total_iters = config.num_iterations();
  const int64_t first = result.iterations;
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
    // the row before the checkpoint: a kill between the two leaves a row that the next
    // --resume drops, never a checkpoint without its row
    log->append(csv_row(it + 1, steps, wall, sps, s, control.learning_rate));
    result.bad_state_resets += s.bad_state_resets;

    const bool last = it + 1 == total_iters;
    const int stop = g_stop_signal;
    if ((it + 1) % config.checkpoint_every == 0 || last || stop != 0) {
      Checkpoint ck{config, backend->save_state(), it + 1};
      ck.state.iteration = it + 1;
      save_checkpoint(result.checkpoint_path, ck);
      last_saved = it + 1;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!options.quiet && (last || stop != 0 || now - last_print >= std::chrono::seconds(1))) {
      last_print = now;
      out << (tty ? "\r" : "") << status_line(it + 1, total_iters, steps, sps, result, s)
          << (tty && !last && stop == 0 ? "" : "\n") << std::flush;
    }
    result.iterations = it + 1;
    result.env_steps = steps;
    result.wall_seconds = wall;
    result.steps_per_second = sps;
    if (stop != 0) {
      result.stop_signal = stop;
      break;
    }
  }
  return result;
}

}  // namespace stampede
