// The one error type that means "the user asked for something we cannot do": an unknown name, a
// value out of range, a malformed or unsupported file, a missing device. The command line prints
// its message on one `error:` line and exits with code 2; any other exception is an internal or
// I/O failure (exit 1). Lower layers derive their own (MjcfError, TaskModelError) from it.
#pragma once

#include <stdexcept>

namespace stampede {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace stampede
