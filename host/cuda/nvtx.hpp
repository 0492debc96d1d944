// NVTX ranges for Nsight Systems: STAMPEDE_NVTX_RANGE("rollout") opens a range that closes at the
// end of the enclosing scope. Without CUDA (or with NVTX_DISABLE) it compiles to nothing. Ranges
// mark host-side phases; inside a replayed CUDA graph only the replay itself is visible, so the
// backend runs eagerly inside a --profile-iters window (see docs/profiling.md).
#pragma once

#if defined(STAMPEDE_HAVE_CUDA) && !defined(NVTX_DISABLE)
#include <nvtx3/nvToolsExt.h>

namespace stampede {

class NvtxRange {
 public:
  explicit NvtxRange(const char* name) { nvtxRangePushA(name); }
  ~NvtxRange() { nvtxRangePop(); }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace stampede

#define STAMPEDE_NVTX_CONCAT_(a, b) a##b
#define STAMPEDE_NVTX_CONCAT(a, b) STAMPEDE_NVTX_CONCAT_(a, b)
#define STAMPEDE_NVTX_RANGE(name) \
  ::stampede::NvtxRange STAMPEDE_NVTX_CONCAT(stampede_nvtx_range_, __LINE__)(name)
#else
#define STAMPEDE_NVTX_RANGE(name) \
  do {                            \
  } while (0)
#endif
