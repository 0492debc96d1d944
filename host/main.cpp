#include <exception>
#include <iostream>

#include "host/cli.hpp"

#if defined(STAMPEDE_HAVE_CUDA)
#include "host/cuda/cuda_backend.hpp"
#endif

int main(int argc, char** argv) {
#if defined(STAMPEDE_HAVE_CUDA)
  stampede::register_cuda();
#endif
  try {
    return stampede::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // not a user mistake: an I/O failure or an internal error
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
