#include <exception>
#include <iostream>
#include <new>

#include "host/cli.hpp"
#include "host/cli_values.hpp"

int main(int argc, char** argv) {
  try {
    return stampede::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::bad_alloc&) {
    // a run sized beyond this machine's memory: the user's numbers, not a crash
    std::cerr << "error: out of memory: the run does not fit in this machine's memory; reduce "
                 "--num-envs, --num-steps or the network's width\n";
    return 2;
  } catch (const std::exception& e) {
    // not a user mistake: an I/O failure or an internal error
    std::cerr << "error: " << stampede::shorten_echoes(e.what()) << "\n";
    return 1;
  }
}
