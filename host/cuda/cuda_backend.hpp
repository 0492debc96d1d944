// The CUDA backend's entry point: registers its factory and device probe with host/backend.hpp
// (and its benchmark hooks with host/bench.hpp). Called by main() when built with CUDA.
#pragma once

namespace stampede {

void register_cuda();

}  // namespace stampede
