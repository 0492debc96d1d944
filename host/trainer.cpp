#include "host/trainer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
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
#include "host/run_memory.hpp"
#include "host/task_model.hpp"
#include "host/tensorboard.hpp"

namespace stampede {

namespace {

namespace fs = std::filesystem;

// runs/<env>-<timestamp>[-k], created here: mkdir is the exclusive test, so runs started at
// once (seeds launched in parallel) each get their own directory
std::string create_default_run_dir(const std::string& env) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  std::error_code ec;
  fs::create_directories("runs", ec);
  const std::string base = "runs/" + env + "-" + stamp;
  for (int k = 1; k < 10000; ++k) {
    std::string dir = base;
    if (k > 1) dir.append("-").append(std::to_string(k));
    if (::mkdir(dir.c_str(), 0755) == 0) return dir;
    if (errno != EEXIST) {
      throw UsageError("cannot create run directory '" + dir + "': " + std::strerror(errno));
    }
  }
  throw UsageError("cannot create a run directory under runs/: too many runs this second");
}

constexpr uint64_t kMaxLogBytes = uint64_t{4} << 30;  // ~20 million rows
constexpr const char* kCsvHeader =
    "iteration,env_steps,wall_s,steps_per_s,episodes,mean_return,mean_length,policy_loss,"
    "value_loss,entropy,kl,clip_frac,explained_var,grad_norm,beta,learning_rate,bad_state_resets";

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_stop_signal != 0) ::_exit(128 + sig);
  g_stop_signal = sig;
}

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

void install_stop_signals() {
  g_stop_signal = 0;  // a process that trains again (the Python package) starts unsignalled
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESTART;  // a signal does not fail the write or read it interrupts
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

std::string checkpoint_path_in(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoint.bin").string();
}

std::string checkpoint_file_of(const std::string& run_dir_or_checkpoint) {
  std::error_code ignored;
  return fs::is_directory(run_dir_or_checkpoint, ignored)
             ? checkpoint_path_in(run_dir_or_checkpoint)
             : run_dir_or_checkpoint;
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
                       ". To continue it, give --total-steps of at least " +
                       std::to_string(done + config.batch_size()) + " (" +
                       std::to_string(config.batch_size()) + " steps per iteration)");
    }
    check_run_fits_memory(config, backend_uses_gpu(config));
    *start = std::move(ck);
    return config;
  }
  validate(config);
  load_task_model(&config);
  // before anything is created: a run that cannot fit leaves nothing behind
  check_run_fits_memory(config, backend_uses_gpu(config));
  if (config.run_dir.empty()) {
    config.run_dir = create_default_run_dir(std::string(config.env.name()));
    *created = true;
    return config;
  }
  std::error_code ec;
  if (fs::exists(checkpoint_path_in(config.run_dir), ec)) {
    throw UsageError("run directory '" + config.run_dir +
                     "' already holds a run; continue it with --resume " + config.run_dir +
                     " or choose another --run-dir");
  }
  *created = fs::create_directories(config.run_dir, ec);
  if (ec) throw UsageError("cannot create run directory '" + config.run_dir + "': " + ec.message());
  return config;
}

// log.csv as a resumed run must continue it: the header and the rows its checkpoint covers,
// the first `rows` whole rows of increasing iterations up to `iteration` (rows appended after
// that checkpoint by a killed run, and a partial last line, are dropped); *kept is how many the
// file still had (fewer than `rows` only where a file system lost data it had acknowledged)
std::string log_prefix(const std::string& path, int64_t rows, int64_t iteration, int64_t* kept) {
  std::string file;
  std::error_code ec;
  if (fs::exists(path, ec) || ec) file = read_regular_file(path, "log", kMaxLogBytes);
  std::string text = std::string(kCsvHeader) + "\n";
  *kept = 0;
  int64_t previous = 0;
  size_t at = 0;
  bool header = true;
  while (*kept < rows) {
    const size_t end = file.find('\n', at);
    if (end == std::string::npos) break;  // no '\n': a line cut short by a kill
    const std::string line = file.substr(at, end - at);
    at = end + 1;
    if (header) {
      header = false;
      if (line == kCsvHeader) continue;
    }
    int64_t it = 0;
    const auto [stop, err] = std::from_chars(line.data(), line.data() + line.size(), it);
    if (err != std::errc() || stop == line.data() + line.size() || *stop != ',' || it <= previous ||
        it > iteration) {
      break;
    }
    previous = it;
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
  std::unique_ptr<AppendOnlyFile> log;
  std::unique_ptr<TensorBoardLog> tensorboard;
  int64_t log_rows = 0;  // rows in log.csv below its header
  bool locked = false;
  try {
    lock = std::make_unique<RunDirLock>(config.run_dir);
    locked = true;
    remove_stale_temporaries(config.run_dir);
    auto make = options.make_backend ? options.make_backend : make_backend;
    backend = make(config);
    if (resuming) backend->load_state(start.state);
    // the log first: a resumed run's config.json is replaced only once its log is consistent
    const std::string prefix =
        resuming ? log_prefix(result.log_path, start.log_rows, start.state.iteration, &log_rows)
                 : kCsvHeader + std::string("\n");
    if (resuming && log_rows < start.log_rows) {
      out << "warning: " << result.log_path << " had " << log_rows << " of the " << start.log_rows
          << " rows its checkpoint covers; the missing rows are lost\n";
    }
    write_file_atomically(result.log_path, prefix);
    if (tensorboard_available()) {
      // the events hold exactly the rows log.csv keeps
      std::vector<std::string> rows;
      for (size_t at = prefix.find('\n') + 1; at < prefix.size();) {
        const size_t end = prefix.find('\n', at);
        rows.push_back(prefix.substr(at, end - at));
        at = end + 1;
      }
      tensorboard =
          std::make_unique<TensorBoardLog>(config.run_dir, to_json(config), kCsvHeader, rows);
    }
    write_file_atomically((fs::path(config.run_dir) / "config.json").string(),
                          to_json(config).dump(2) + "\n");
    log = std::make_unique<AppendOnlyFile>(result.log_path);
  } catch (...) {
    // a start that failed leaves no empty run directory behind (one this process made and holds)
    if (created && locked) {
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
    const std::string row = csv_row(it + 1, steps, wall, sps, s, control.learning_rate);
    log->append(row + "\n");
    if (tensorboard) tensorboard->append_row(row);
    ++log_rows;
    result.bad_state_resets += s.bad_state_resets;

    const bool last = it + 1 == total_iters;
    const int stop = last ? 0 : g_stop_signal;  // a signal in the last iteration: just finish
    if ((it + 1) % config.checkpoint_every == 0 || last || stop != 0) {
      Checkpoint ck{config, backend->save_state(), log_rows};
      ck.state.iteration = it + 1;
      log->sync();  // the rows reach the disk before the checkpoint that counts them
      if (tensorboard) tensorboard->sync();
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
