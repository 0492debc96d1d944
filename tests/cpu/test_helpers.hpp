// Small shared helpers for the CPU tests: scratch directories and running the CLI in-process.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "host/cli.hpp"

namespace stampede::testing {

// a fresh empty directory under the system temp dir, removed when the object dies
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
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
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliRun r;
  r.code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline std::string config_path(const std::string& name) {
  return std::string(STAMPEDE_SOURCE_DIR) + "/configs/" + name;
}

}  // namespace stampede::testing
