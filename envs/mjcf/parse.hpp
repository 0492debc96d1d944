// MJCF parser: XML text to MjcfSpec. Resolves default classes and childclass, parses and checks
// every value, and rejects what lies outside the documented subset (docs/mjcf_subset.md) when it
// would change the dynamics. Purely visual elements and attributes are accepted and dropped.
#pragma once

#include <string>

#include "envs/mjcf/spec.hpp"

namespace stampede {

// source names the text in error messages (a file path or "<string>").
MjcfSpec parse_mjcf(const std::string& xml, const std::string& source);

}  // namespace stampede
