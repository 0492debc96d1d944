// `stampede` command line: train, eval, envs (and bench when built with CUDA). Returns the exit
// code: 0 success, 2 a user mistake (one clear message), 3 training diverged.
#pragma once

#include <iosfwd>

namespace stampede {

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace stampede
