// The emulator's execution model against CUDA's rules: thread indices, __syncthreads, warp
// shuffles, shared memory, launch validation, and the diagnostics for what a GPU would hang on.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/reduce.cuh"

namespace {

template <class T>
struct Device {
  T* p = nullptr;
  size_t n = 0;
  explicit Device(size_t count) : n(count) {
    EXPECT_EQ(cudaMalloc(&p, count * sizeof(T)), cudaSuccess);
  }
  ~Device() { cudaFree(p); }
  std::vector<T> get() const {
    std::vector<T> h(n);
    EXPECT_EQ(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
    return h;
  }
};

template <class... Params, class... Args>
cudaError_t launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, Args... args) {
  cudaLaunchConfig_t c{};
  c.gridDim = grid;
  c.blockDim = block;
  c.dynamicSmemBytes = smem;
  // the grid runs when something waits for it: here, at once
  const cudaError_t e = cudaLaunchKernelEx(&c, kernel, args...);
  return e == cudaSuccess ? cudaDeviceSynchronize() : e;
}

__global__ void write_linear_index(int* out) {
  const int t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const int b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const int per_block = blockDim.x * blockDim.y * blockDim.z;
  out[b * per_block + t] += b * per_block + t + 1;
}

TEST(EmuExecution, EveryThreadOfA3dGridRunsOnce) {
  const dim3 grid(3, 2, 2), block(4, 3, 5);
  Device<int> out(12 * 60);
  cudaMemset(out.p, 0, 12 * 60 * sizeof(int));
  ASSERT_EQ(launch(write_linear_index, grid, block, 0, out.p), cudaSuccess);
  const std::vector<int> h = out.get();
  for (int k = 0; k < 12 * 60; ++k)
    ASSERT_EQ(h[k], k + 1);
}

// each thread reads its neighbour's write: only correct if the barrier orders them
__global__ void rotate_through_shared(int* out) {
  __shared__ int s[256];
  s[threadIdx.x] = threadIdx.x * 10 + blockIdx.x;
  __syncthreads();
  const int v = s[(threadIdx.x + 1) % blockDim.x];
  __syncthreads();
  s[threadIdx.x] = v + 1;
  __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = s[(threadIdx.x + 1) % blockDim.x];
}

TEST(EmuExecution, SyncThreadsOrdersSharedMemory) {
  Device<int> out(2 * 256);
  ASSERT_EQ(launch(rotate_through_shared, 2, 256, 0, out.p), cudaSuccess);
  const std::vector<int> h = out.get();
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 256; ++t)
      ASSERT_EQ(h[b * 256 + t], ((t + 2) % 256) * 10 + b + 1) << b << " " << t;
  }
}

__global__ void sum_block(const double* in, double* out) {
  __shared__ double scratch[32];
  const double v = stampede::block_sum(in[blockIdx.x * blockDim.x + threadIdx.x], scratch);
  out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}

TEST(EmuExecution, BlockSumEqualsTheSumOnEveryThread) {
  for (int threads : {32, 64, 256, 1024}) {
    const int blocks = 3, n = blocks * threads;
    std::vector<double> x(n);
    for (int k = 0; k < n; ++k)
      x[k] = k % 7 - 2.5;
    Device<double> in(n), out(n);
    cudaMemcpy(in.p, x.data(), n * sizeof(double), cudaMemcpyHostToDevice);
    ASSERT_EQ(launch(sum_block, blocks, threads, 0, in.p, out.p), cudaSuccess);
    const std::vector<double> h = out.get();
    for (int b = 0; b < blocks; ++b) {
      const double want =
          std::accumulate(x.begin() + b * threads, x.begin() + (b + 1) * threads, 0.0);
      for (int t = 0; t < threads; ++t)
        ASSERT_EQ(h[b * threads + t], want) << threads;
    }
  }
}

__global__ void shuffles(int* out, int width) {
  const int v = 100 + threadIdx.x;
  int* row = out + threadIdx.x * 4;
  row[0] = __shfl_sync(0xffffffffu, v, 3, width);
  row[1] = __shfl_up_sync(0xffffffffu, v, 2, width);
  row[2] = __shfl_down_sync(0xffffffffu, v, 2, width);
  row[3] = __shfl_xor_sync(0xffffffffu, v, 5, width);
}

TEST(EmuExecution, ShufflesFollowCudaLaneRules) {
  for (int width : {32, 8}) {
    Device<int> out(64 * 4);
    ASSERT_EQ(launch(shuffles, 1, 64, 0, out.p, width), cudaSuccess);
    const std::vector<int> h = out.get();
    for (int t = 0; t < 64; ++t) {
      const int lane = t % 32, seg = lane / width * width, in_seg = lane - seg, base = t - lane;
      const int up = in_seg >= 2 ? lane - 2 : lane, down = in_seg + 2 < width ? lane + 2 : lane;
      const int x = (lane ^ 5) < seg + width ? lane ^ 5 : lane;
      EXPECT_EQ(h[t * 4 + 0], 100 + base + seg + 3) << width << " " << t;
      EXPECT_EQ(h[t * 4 + 1], 100 + base + up) << width << " " << t;
      EXPECT_EQ(h[t * 4 + 2], 100 + base + down) << width << " " << t;
      EXPECT_EQ(h[t * 4 + 3], 100 + base + x) << width << " " << t;
    }
  }
}

// threads that return early no longer take part in __syncthreads (as on a GPU)
__global__ void half_return(int* out) {
  __shared__ int s[64];
  if (threadIdx.x % 2) return;
  s[threadIdx.x] = threadIdx.x;
  __syncthreads();
  out[threadIdx.x] = s[(threadIdx.x + 2) % 64];
  __syncthreads();
}

TEST(EmuExecution, ReturnedThreadsLeaveTheBarrier) {
  Device<int> out(64);
  cudaMemset(out.p, 0, 64 * sizeof(int));
  ASSERT_EQ(launch(half_return, 1, 64, 0, out.p), cudaSuccess);
  const std::vector<int> h = out.get();
  for (int t = 0; t < 64; t += 2)
    EXPECT_EQ(h[t], (t + 2) % 64);
}

// reads dynamic shared memory before writing it, then writes it
__global__ void read_unwritten_smem(float* out) {
  float* s = static_cast<float*>(emu_dynamic_smem());
  out[blockIdx.x * blockDim.x + threadIdx.x] = s[threadIdx.x];
  s[threadIdx.x] = 1.0f;
}

TEST(EmuExecution, DynamicSharedMemoryIsNanInEveryBlock) {
  Device<float> out(4 * 32);
  ASSERT_EQ(launch(read_unwritten_smem, 4, 32, 32 * sizeof(float), out.p), cudaSuccess);
  for (float v : out.get())
    EXPECT_TRUE(std::isnan(v));
}

__global__ void nothing() {}

TEST(EmuExecution, LaunchConfigurationIsValidatedLikeTheDriver) {
  EXPECT_EQ(launch(nothing, 1, 1025, 0), cudaErrorInvalidConfiguration);
  EXPECT_EQ(launch(nothing, 0, 32, 0), cudaErrorInvalidConfiguration);
  EXPECT_EQ(launch(nothing, dim3(1, 65536), 32, 0), cudaErrorInvalidConfiguration);
  EXPECT_EQ(launch(nothing, 1, dim3(1, 1, 65), 0), cudaErrorInvalidConfiguration);
  EXPECT_EQ(launch(nothing, 1, 32, 48 << 10), cudaSuccess);
  EXPECT_EQ(launch(nothing, 1, 32, (48 << 10) + 4), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_EQ(cudaFuncSetAttribute(nothing, cudaFuncAttributeMaxDynamicSharedMemorySize, 100 << 10),
            cudaSuccess);
  EXPECT_EQ(launch(nothing, 1, 32, 100 << 10), cudaSuccess);
  EXPECT_EQ(launch(nothing, 1, 32, (100 << 10) + 4), cudaErrorInvalidValue);
  EXPECT_EQ(cudaFuncSetAttribute(nothing, cudaFuncAttributeMaxDynamicSharedMemorySize, 228 << 10),
            cudaErrorInvalidValue);
}

// --- what a GPU hangs on or leaves undefined: reported, then aborted ----------------------------

__global__ void divergent_sync() {
  if (threadIdx.x < 32) __syncthreads();
  __syncthreads();
}

__global__ void warp_waits_on_sync() {
  if (threadIdx.x < 16) {
    __shfl_down_sync(0xffffffffu, 1, 1);
  } else {
    __syncthreads();
  }
}

__global__ void shuffle_from_returned_lane(int* out) {
  if (threadIdx.x == 5) return;
  out[threadIdx.x] = __shfl_down_sync(0xffffffffu, 1, 1);
}

__global__ void write_past_smem() {
  static_cast<float*>(emu_dynamic_smem())[threadIdx.x + 16] = 1.0f;  // 16 floats allocated
}

__global__ void write_byte(unsigned char* p, int index) {
  p[index] = 0;
}

__global__ void write_smem_byte(int index) {
  static_cast<unsigned char*>(emu_dynamic_smem())[index] = 0;
}

using EmuDeathTest = ::testing::Test;

// a write just past the end that stays inside the allocation's alignment padding reaches no
// guard page; the padding is poisoned and checked instead
TEST_F(EmuDeathTest, WritesIntoAllocationPaddingAreCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        unsigned char* p = nullptr;
        cudaMalloc(&p, 400);
        launch(write_byte, 1, 1, 0, p, 400);
        cudaFree(p);
      },
      "a device allocation \\(400 bytes at .*\\) was written past its end: bytes 0 to 0 .*"
      "found at cudaFree");
  EXPECT_DEATH(launch(write_smem_byte, 2, 1, 60, 63),
               "dynamic shared memory.*\\(60 bytes at .*\\) was written past its end: bytes 3 "
               "to 3 .*found at the end of the block");
  // untouched padding passes: the poison covers the whole 256-byte granule, and free succeeds
  unsigned char* p = nullptr;
  ASSERT_EQ(cudaMalloc(&p, 400), cudaSuccess);
  ASSERT_EQ(launch(write_byte, 1, 1, 0, p, 399), cudaSuccess);
  unsigned char tail = 0;
  ASSERT_EQ(cudaMemcpy(&tail, p + 399, 1, cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_EQ(tail, 0);
  EXPECT_EQ(p[400], 0xFF);  // the padding reads as poison (host access: memory is host memory)
  EXPECT_EQ(p[511], 0xFF);
  EXPECT_EQ(cudaFree(p), cudaSuccess);
}

TEST_F(EmuDeathTest, DivergentBarriersAndBadShufflesAbortWithADiagnosis) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(launch(divergent_sync, 1, 64, 0), "__syncthreads diverged");
  EXPECT_DEATH(launch(warp_waits_on_sync, 1, 32, 0), "deadlock");
  Device<int> out(32);
  EXPECT_DEATH(launch(shuffle_from_returned_lane, 1, 32, 0, out.p), "returned before this shuffle");
  EXPECT_DEATH(launch(write_past_smem, 1, 32, 64), "past the end of the block's dynamic shared");
  int host[32];
  EXPECT_DEATH(launch(shuffle_from_returned_lane, 1, 32, 0, host), "argument 0 .* pageable host");
}

}  // namespace
