// libFuzzer target for the MJCF loader: any input must either load or throw MjcfError; crashes,
// sanitizer reports, other exceptions and hangs are bugs. Seeded with envs/mujoco/assets, the MJCF
// snippets of tests/data/mjcf and tests/fuzz/corpus (see tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>

#include "envs/mjcf/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string xml(reinterpret_cast<const char*>(data), size);
  try {
    stampede::MjcfNames names;
    stampede::Model m = stampede::load_mjcf_string(xml, &names);
    // touch the result so the compiler keeps the work
    volatile int n = m.nbody + static_cast<int>(names.body.size());
    (void)n;
  } catch (const stampede::MjcfError&) {
    // a clear error is the expected outcome for bad input
  }
  return 0;
}
