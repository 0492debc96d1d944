#include "host/cuda_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "host/backend.hpp"

namespace stampede {

namespace {

// the plugin's entry point (host/cuda/plugin.cpp)
constexpr const char* kEntryPoint = "stampede_register_cuda_backend";

}  // namespace

std::string cuda_plugin_path() {
  if (const char* override_path = std::getenv(kCudaPluginVariable)) return override_path;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return kCudaPluginName;
  return (exe.parent_path() / kCudaPluginName).string();
}

void load_cuda_backend() {
  static bool tried = false;
  if (tried) return;
  tried = true;
  const std::string path = cuda_plugin_path();
  if (path.empty()) {
    set_cuda_load_problem(std::string("the CUDA backend is switched off (") + kCudaPluginVariable +
                          " is empty)");
    return;
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    set_cuda_load_problem("no CUDA backend beside the executable (" + path +
                          " does not exist: this build has none, nvcc being absent when it was "
                          "built, or the executable was copied without it)");
    return;
  }
  // RTLD_NOW: a missing library or symbol shows here, not at the first CUDA call
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    set_cuda_load_problem("the CUDA backend (" + path + ") could not be loaded: " + dlerror());
    return;
  }
  auto* entry = reinterpret_cast<void (*)()>(dlsym(handle, kEntryPoint));
  if (!entry) {
    set_cuda_load_problem("the CUDA backend (" + path + ") has no entry point " + kEntryPoint);
    return;
  }
  entry();  // registers the backend's hooks; the library stays loaded for the process
}

}  // namespace stampede
