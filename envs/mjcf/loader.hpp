// MJCF loader: the public entry of the MJCF compiler (host only). Reads a model in the documented
// subset (docs/mjcf_subset.md) and returns the flat compiled Model the dynamics run on. Every
// failure is an MjcfError whose message names the source, the line and the element.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "envs/mjcf/spec.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

// Names of the compiled elements, indexed like the Model arrays ("" when unnamed).
struct MjcfNames {
  std::string model;
  std::vector<std::string> body, joint, geom, site, actuator;
};

Model load_mjcf_file(const std::string& path, MjcfNames* names = nullptr);
Model load_mjcf_string(const std::string& xml, MjcfNames* names = nullptr,
                       const std::string& source = "<string>");

// The double-precision compiled model, before packing into Model (for tests and tools).
CompiledMjcf compile_mjcf_file(const std::string& path);
CompiledMjcf compile_mjcf_string(const std::string& xml, const std::string& source = "<string>");

// Packs a compiled model into the fixed-capacity Model; MjcfError when a capacity is exceeded.
Model pack_model(const CompiledMjcf& c, MjcfNames* names = nullptr);

// Index of name in list, or -1.
int mjcf_find(const std::vector<std::string>& list, std::string_view name);

}  // namespace stampede
