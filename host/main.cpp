#include <exception>
#include <iostream>

#include "host/cli.hpp"

int main(int argc, char** argv) {
  try {
    return stampede::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // not a user mistake: an I/O failure or an internal error
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
