#include <exception>
#include <iostream>

#include "host/cli.hpp"
#include "host/cuda_loader.hpp"

int main(int argc, char** argv) {
  stampede::load_cuda_backend();  // the CUDA backend, if this build has one and it loads
  try {
    return stampede::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // not a user mistake: an I/O failure or an internal error
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
