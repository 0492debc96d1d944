// The CUDA backend as a plugin: the `stampede` executable links no CUDA library, so it starts
// (and trains on the CPU) on a machine without libcudart or libcublas; the CUDA backend lives in
// libstampede_cuda.so beside it and is loaded the first time a command asks whether CUDA can run
// (cuda_unavailable_reason: `--device cuda` or `auto`, `bench`, `--version`), never for
// `--device cpu`. Once loaded it registers its hooks with host/backend.hpp; when it cannot load,
// cuda_unavailable_reason() says why (`--device cuda` then exits 2 with that reason, `auto`
// falls back to the CPU).
#pragma once

#include <string>

namespace stampede {

// the plugin's file name, and the environment variable that overrides where it is looked for
// (a path; empty: do not load it)
inline constexpr const char* kCudaPluginName = "libstampede_cuda.so";
inline constexpr const char* kCudaPluginVariable = "STAMPEDE_CUDA_BACKEND";

// where the plugin is looked for: $STAMPEDE_CUDA_BACKEND, else beside the running executable
std::string cuda_plugin_path();

// loads the plugin once; a failure is remembered for cuda_unavailable_reason(), never thrown
void load_cuda_backend();

}  // namespace stampede
