// Small shared helpers for the CPU tests: scratch directories and running the CLI in-process.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "host/backend.hpp"
#include "host/cli.hpp"

namespace stampede::testing {

// a fresh empty directory under the system temp dir, removed when the object dies
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    path_ =
        std::filesystem::temp_directory_path() /
        ("stampede-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string str() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  inline static int counter_ = 0;
  std::filesystem::path path_;
};

struct CliRun {
  int code = -1;
  std::string out, err;
};

inline CliRun run_cli_args(std::vector<std::string> args) {
  args.insert(args.begin(), "stampede");
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliRun r;
  r.code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// a user mistake: exit code 2 and exactly one error line naming `fragment`
inline void expect_usage_error(const CliRun& r, const std::string& fragment) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
}

// bitwise equality of everything a run carries forward (a resumed or re-threaded run must match)
inline void expect_same_train_state(const TrainState& a, const TrainState& b) {
  EXPECT_EQ(a.iteration, b.iteration);
  EXPECT_EQ(a.global_step, b.global_step);
  EXPECT_EQ(a.adam_step, b.adam_step);
  EXPECT_EQ(a.beta, b.beta);
  // bitwise equality: the resumed run must continue exactly
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.adam_m, b.adam_m);
  EXPECT_EQ(a.adam_v, b.adam_v);
  EXPECT_EQ(a.obs_mean, b.obs_mean);
  EXPECT_EQ(a.obs_var, b.obs_var);
  EXPECT_EQ(a.obs_count, b.obs_count);
  EXPECT_EQ(a.ret_var, b.ret_var);
  EXPECT_EQ(a.ret_acc, b.ret_acc);
  EXPECT_EQ(a.env_state, b.env_state);
  EXPECT_EQ(a.env_obs, b.env_obs);
  EXPECT_EQ(a.episode_length, b.episode_length);
  EXPECT_EQ(a.episode_return, b.episode_return);
}

inline std::string config_path(const std::string& name) {
  return std::string(STAMPEDE_SOURCE_DIR) + "/configs/" + name;
}

}  // namespace stampede::testing
