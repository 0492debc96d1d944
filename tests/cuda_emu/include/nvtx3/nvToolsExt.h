// CPU emulation (tests/cuda_emu): NVTX ranges mark nothing without Nsight; they compile to no-ops.
#pragma once

inline int nvtxRangePushA(const char*) {
  return 0;
}
inline int nvtxRangePop() {
  return 0;
}
