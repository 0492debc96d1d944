// What kernel code sees: the CUDA qualifiers, the built-in index variables, __syncthreads, warp
// shuffles (__shfl*_sync) and the integer min/max of device code, mapped onto the emulator's
// block scheduler (one fiber per CUDA thread, src/block_scheduler.cpp).
#pragma once

#include <math.h>  // expf, tanhf, isfinite ... in the global namespace, as device code has them

#include <type_traits>

#include "cuda_emu/runtime_api.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
// one OS thread runs all fibers of a block and blocks run one after another, so a per-thread
// static is exactly one copy per block (zero-initialised once, never poisoned: see README)
#define __shared__ static thread_local

// set by the scheduler before it resumes a CUDA thread's fiber; constinit: no TLS init wrapper
extern thread_local constinit uint3 threadIdx;
extern thread_local constinit uint3 blockIdx;
extern thread_local constinit dim3 blockDim;
extern thread_local constinit dim3 gridDim;
constexpr int warpSize = 32;

namespace cuda_emu {

// where a barrier or shuffle is in the source: every thread at one barrier must be at one site
struct Site {
  const char* file;
  int line;
};

void sync_threads(Site site);

// which lane a shuffle reads, within segments of `width` lanes (its own when that is outside)
enum class Shuffle { kIndex, kUp, kDown, kXor };
void shuffle(Site site, Shuffle kind, unsigned int mask, const void* in, void* out, int bytes,
             unsigned int operand, int width);

template <class T>
T shuffle_value(Site site, Shuffle kind, unsigned int mask, T var, unsigned int operand,
                int width = warpSize) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffles move <= 8 bytes");
  T out;
  shuffle(site, kind, mask, &var, &out, static_cast<int>(sizeof(T)), operand, width);
  return out;
}

}  // namespace cuda_emu

// the current block's dynamic shared memory (config.dynamicSmemBytes, 0xFF-filled per block)
void* emu_dynamic_smem();

// macros rather than functions, so the emulator knows each call's site
#define CUDA_EMU_SITE (::cuda_emu::Site{__FILE__, __LINE__})
#define __syncthreads() ::cuda_emu::sync_threads(CUDA_EMU_SITE)
#define __shfl_sync(mask, var, lane, ...)                                          \
  ::cuda_emu::shuffle_value(CUDA_EMU_SITE, ::cuda_emu::Shuffle::kIndex, mask, var, \
                            static_cast<unsigned int>(lane) __VA_OPT__(, ) __VA_ARGS__)
#define __shfl_up_sync(mask, var, delta, ...)                                   \
  ::cuda_emu::shuffle_value(CUDA_EMU_SITE, ::cuda_emu::Shuffle::kUp, mask, var, \
                            delta __VA_OPT__(, ) __VA_ARGS__)
#define __shfl_down_sync(mask, var, delta, ...)                                   \
  ::cuda_emu::shuffle_value(CUDA_EMU_SITE, ::cuda_emu::Shuffle::kDown, mask, var, \
                            delta __VA_OPT__(, ) __VA_ARGS__)
#define __shfl_xor_sync(mask, var, lane_mask, ...)                               \
  ::cuda_emu::shuffle_value(CUDA_EMU_SITE, ::cuda_emu::Shuffle::kXor, mask, var, \
                            static_cast<unsigned int>(lane_mask) __VA_OPT__(, ) __VA_ARGS__)

// device code's overloads of min and max (the host's are std::min / std::max)
#define CUDA_EMU_MIN_MAX(T) \
  inline T min(T a, T b) {  \
    return b < a ? b : a;   \
  }                         \
  inline T max(T a, T b) {  \
    return a < b ? b : a;   \
  }
CUDA_EMU_MIN_MAX(int)
CUDA_EMU_MIN_MAX(unsigned int)
CUDA_EMU_MIN_MAX(long)
CUDA_EMU_MIN_MAX(unsigned long)
CUDA_EMU_MIN_MAX(long long)
CUDA_EMU_MIN_MAX(unsigned long long)
#undef CUDA_EMU_MIN_MAX
inline float min(float a, float b) {
  return fminf(a, b);
}
inline float max(float a, float b) {
  return fmaxf(a, b);
}
inline double min(double a, double b) {
  return fmin(a, b);
}
inline double max(double a, double b) {
  return fmax(a, b);
}
