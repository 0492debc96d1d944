// The message of the MjcfError loading an MJCF text throws ("" when it loads): what the loader's
// error tests assert on.
#pragma once

#include <string>

#include "envs/mjcf/loader.hpp"

namespace stampede::testing {

inline std::string mjcf_load_error(const std::string& xml) {
  try {
    load_mjcf_string(xml);
  } catch (const MjcfError& e) {
    return e.what();
  }
  return "";
}

}  // namespace stampede::testing
