// The MJCF text of the task models in envs/mujoco/assets/, compiled into the binary
// (cmake/embed_assets.cmake).
#pragma once

#include <string_view>

namespace stampede {

// the XML of envs/mujoco/assets/<name>.xml, or nullptr if there is no such asset
const char* embedded_asset(std::string_view name);

}  // namespace stampede
