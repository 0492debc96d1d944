#include <exception>
#include <iostream>
#include <new>
#include <string_view>

#include "host/cli.hpp"
#include "host/cli_values.hpp"
#include "host/trainer.hpp"

int main(int argc, char** argv) {
  // before anything else: a signal at any instant of a training process is handled
  if (argc > 1 && std::string_view(argv[1]) == "train") stampede::install_stop_signals();
  try {
    return stampede::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::bad_alloc&) {
    // a run sized beyond this machine's memory: the user's numbers, not a crash
    std::cerr << "error: out of memory: this command needs more memory than the machine has "
                 "available (for train: reduce --num-envs, --num-steps or the network's width)\n";
    return 2;
  } catch (const std::exception& e) {
    // not a user mistake: an I/O failure or an internal error
    std::cerr << "error: " << stampede::shorten_echoes(e.what()) << "\n";
    return 1;
  }
}
