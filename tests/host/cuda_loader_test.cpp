// The CUDA backend is a plugin (host/cuda_loader.hpp): the executable links no CUDA library, runs
// on the CPU when the plugin or its libraries are missing, and says why `--device cuda` cannot
// run; where the build has the plugin, it loads (every symbol it needs resolves).
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "host/cuda_loader.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::ScratchDir;

// the DT_NEEDED entries of a 64-bit ELF file: the shared libraries it needs to start
std::vector<std::string> needed_libraries(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::string> needed;
  if (bytes.size() < sizeof(Elf64_Ehdr)) return needed;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(bytes.data());
  EXPECT_EQ(eh->e_ident[EI_CLASS], ELFCLASS64) << path;
  const auto* sections = reinterpret_cast<const Elf64_Shdr*>(bytes.data() + eh->e_shoff);
  for (int s = 0; s < eh->e_shnum; ++s) {
    if (sections[s].sh_type != SHT_DYNAMIC) continue;
    const char* strings = bytes.data() + sections[sections[s].sh_link].sh_offset;
    const auto* dyn = reinterpret_cast<const Elf64_Dyn*>(bytes.data() + sections[s].sh_offset);
    for (size_t k = 0; k < sections[s].sh_size / sizeof(Elf64_Dyn); ++k) {
      if (dyn[k].d_tag == DT_NEEDED) needed.emplace_back(strings + dyn[k].d_un.d_val);
    }
  }
  return needed;
}

struct BinaryRun {
  int code = -1;
  std::string output;
};

// runs the stampede binary with `env` prepended (VAR=value ...), stdout and stderr together
BinaryRun run_binary(const std::string& env, const std::string& args) {
  const std::string cmd = env + " " + STAMPEDE_BINARY + " " + args + " 2>&1";
  BinaryRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe))
    r.output.append(buf, n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CudaLoader, ExecutableNeedsNoCudaLibrary) {
  const std::vector<std::string> needed = needed_libraries(STAMPEDE_BINARY);
  ASSERT_FALSE(needed.empty()) << "no dynamic section in " << STAMPEDE_BINARY;
  for (const std::string& lib : needed) {
    EXPECT_EQ(lib.find("libcudart"), std::string::npos) << lib;
    EXPECT_EQ(lib.find("libcublas"), std::string::npos) << lib;
    EXPECT_EQ(lib.find("libcuda."), std::string::npos) << lib;
  }
}

// a plugin that cannot load (as when libcudart or libcublas is not installed): the CPU backend
// runs, `--device cuda` is a usage error naming the loader's reason, `auto` picks the CPU
TEST(CudaLoader, CpuRunsWhenThePluginCannotLoad) {
  ScratchDir dir("cuda-loader");
  std::ofstream(dir.sub("libstampede_cuda.so")) << "not a shared library\n";
  const std::string env = std::string(kCudaPluginVariable) + "=" + dir.sub("libstampede_cuda.so");
  const std::string train = "train --env cartpole --num-envs 4 --num-steps 32 --minibatch-size 64"
                            " --total-steps 256 -q --run-dir ";

  const BinaryRun cpu = run_binary(env, train + dir.sub("cpu") + " --device cpu");
  EXPECT_EQ(cpu.code, 0) << cpu.output;
  const BinaryRun automatic = run_binary(env, train + dir.sub("auto") + " --device auto");
  EXPECT_EQ(automatic.code, 0) << automatic.output;
  EXPECT_NE(automatic.output.find("on cpu"), std::string::npos) << automatic.output;
  const BinaryRun cuda = run_binary(env, train + dir.sub("cuda") + " --device cuda");
  EXPECT_EQ(cuda.code, 2) << cuda.output;
  EXPECT_NE(cuda.output.find("could not be loaded"), std::string::npos) << cuda.output;

  const BinaryRun off = run_binary(std::string(kCudaPluginVariable) + "=", "--version");
  EXPECT_EQ(off.code, 0) << off.output;
  EXPECT_NE(off.output.find("cuda backend: unavailable: the CUDA backend is switched off"),
            std::string::npos)
      << off.output;
}

// where this build has the plugin, it loads: --version reports the device probe's answer
// ("available", or why no device is usable), never a loader failure
TEST(CudaLoader, BuiltPluginLoadsBesideTheExecutable) {
  const std::filesystem::path plugin =
      std::filesystem::path(STAMPEDE_BINARY).parent_path() / kCudaPluginName;
  if (!std::filesystem::exists(plugin)) GTEST_SKIP() << "this build has no CUDA backend";
  const BinaryRun version = run_binary("", "--version");
  EXPECT_EQ(version.code, 0) << version.output;
  EXPECT_NE(version.output.find("cuda backend: "), std::string::npos) << version.output;
  EXPECT_EQ(version.output.find("could not be loaded"), std::string::npos) << version.output;
  EXPECT_EQ(version.output.find("no CUDA backend"), std::string::npos) << version.output;
  bool needs_cudart = false;
  for (const std::string& lib : needed_libraries(plugin.string()))
    needs_cudart = needs_cudart || lib.find("libcudart") != std::string::npos;
  EXPECT_TRUE(needs_cudart) << "the plugin links the CUDA runtime";
}

}  // namespace
}  // namespace stampede
