// The training loop, independent of where the data lives: iterate the backend, report a status
// line, append the CSV log row by row, checkpoint atomically, stop cleanly on a non-finite loss
// and on SIGINT / SIGTERM (after the current iteration, with a checkpoint). The run directory
// stays consistent through kills at any instant: --resume continues from the checkpoint and
// trims log.csv to the rows the checkpoint covers.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>

#include "host/backend.hpp"
#include "host/config.hpp"

namespace stampede {

// training produced a NaN/inf; the message names the iteration and the checkpoint kept
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TrainOptions {
  bool quiet = false;
  std::string resume_dir;              // non-empty: continue the run in this directory
  bool cpu_threads_given = false;      // --threads was set: say so if the backend is not the CPU
  int64_t stop_after_iterations = -1;  // >= 0: return after this many iterations of this call,
                                       // as an interrupted run would (tests use it)
  // builds the backend; tests substitute their own (default: make_backend)
  std::function<std::unique_ptr<Backend>(const TrainConfig&)> make_backend;
};

struct TrainResult {
  std::string run_dir, checkpoint_path, log_path, device;
  int64_t iterations = 0;     // completed, counting those before a resume
  int64_t env_steps = 0;      // transitions, counting those before a resume
  double wall_seconds = 0.0;  // this invocation only
  double steps_per_second = 0.0;
  float mean_return = 0.0f;      // mean return of the episodes completed in the last iteration
                                 // that completed any
  int64_t bad_state_resets = 0;  // diverged physics states reset (MuJoCo's auto-reset)
  int stop_signal = 0;  // SIGINT or SIGTERM stopped the run after `iterations` (checkpointed)
};

// `config` is ignored when options.resume_dir is set (the checkpoint's config is used, with
// total_steps and device taken from `config` when `override_total_steps` / `override_device`)
struct ResumeOverrides {
  bool total_steps = false;
  bool device = false;
};

TrainResult train(const TrainConfig& config, const TrainOptions& options, std::ostream& out,
                  const ResumeOverrides& overrides = {});

std::string checkpoint_path_in(const std::string& run_dir);

// what a command given "RUN_DIR or checkpoint" loads: the directory's checkpoint.bin, or the path
// as it is (a path the OS refuses, too long say, is then reported by the loader)
std::string checkpoint_file_of(const std::string& run_dir_or_checkpoint);

// SIGINT and SIGTERM, for the rest of the process: the first asks train() to stop after the
// current iteration (a checkpoint, a log row, TrainResult::stop_signal set; a signal during the
// last iteration lets the run finish); a second exits at once with 128 + signal. Files are only
// ever replaced by rename, so an exit at any instant leaves the last good checkpoint in place.
// The command line installs it first thing for `train`, so no signal falls in a gap; the Python
// package around each train call (restoring Python's handlers after). Clears an earlier signal.
void install_stop_signals();

}  // namespace stampede
