// `stampede model FILE [--env TASK]`: compiles an MJCF file with our loader (no MuJoCo needed),
// prints what the compiler made of it, and optionally checks that it can drive a task. Any
// problem with the file is a UsageError (exit 2) with the loader's line-numbered message.
#pragma once

#include <iosfwd>
#include <string>

namespace stampede {

int run_model_command(const std::string& path, const std::string& task, std::ostream& out);

}  // namespace stampede
