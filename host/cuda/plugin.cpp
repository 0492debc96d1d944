// The entry point of libstampede_cuda.so, the CUDA backend as a plugin (host/cuda_loader.hpp):
// the executable loads the library and calls this, which registers the backend's hooks.
#include "host/cuda/cuda_backend.hpp"

extern "C" __attribute__((visibility("default"))) void stampede_register_cuda_backend() {
  stampede::register_cuda();
}
