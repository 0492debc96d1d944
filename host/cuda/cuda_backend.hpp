// The CUDA backend's entry point: registers its factory and device probe with host/backend.hpp
// (and its benchmark hooks with host/bench.hpp). Called by the plugin's entry point
// (host/cuda/plugin.cpp) when the executable loads it, and by tests that link the backend.
#pragma once

namespace stampede {

void register_cuda();

}  // namespace stampede
