// The emulator's host API against CUDA's rules: memory accounting and copy directions, stream
// capture and graph replay, cuBLAS SGEMM and CUB's radix sort.
#include <cublas_v2.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cub/device/device_radix_sort.cuh>
#include <limits>
#include <vector>

namespace {

template <class T>
T* device_alloc(size_t count) {
  T* p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, count * sizeof(T)), cudaSuccess);
  return p;
}

template <class T>
std::vector<T> download(const T* p, size_t count) {
  std::vector<T> h(count);
  EXPECT_EQ(cudaMemcpy(h.data(), p, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return h;
}

TEST(EmuApi, DeviceMemoryIsAccountedAndCopiesMatchTheirDirection) {
  size_t free0 = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free0, &total), cudaSuccess);
  EXPECT_EQ(total, size_t{16} << 30);
  float* d = device_alloc<float>(1000);
  size_t free1 = 0;
  cudaMemGetInfo(&free1, &total);
  EXPECT_EQ(free0 - free1, 4096u);                  // 4000 bytes in 256-byte granules
  EXPECT_TRUE(std::isnan(download(d, 1000)[999]));  // never written: poisoned

  std::vector<float> host(1000, 2.0f);
  EXPECT_EQ(cudaMemcpy(d, host.data(), 4000, cudaMemcpyHostToDevice), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(host.data(), d, 4000, cudaMemcpyHostToDevice), cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemcpy(d, host.data(), 4004, cudaMemcpyHostToDevice), cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemsetAsync(host.data(), 0, 4000, nullptr), cudaErrorInvalidValue);
  void* huge = nullptr;
  EXPECT_EQ(cudaMalloc(&huge, size_t{17} << 30), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaFree(d), cudaSuccess);
  EXPECT_EQ(cudaFree(d), cudaErrorInvalidValue);
  cudaGetLastError();
}

__global__ void add_to(float* x, float v) {
  x[threadIdx.x] += v;
}

TEST(EmuApi, CaptureRecordsWorkThatGraphLaunchesReplay) {
  cudaStream_t s = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
  float* d = device_alloc<float>(32);
  float* pinned = nullptr;
  ASSERT_EQ(cudaMallocHost(&pinned, 32 * sizeof(float)), cudaSuccess);
  for (int k = 0; k < 32; ++k)
    pinned[k] = 1.0f;
  std::vector<float> pageable(32, 1.0f);

  ASSERT_EQ(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed), cudaSuccess);
  EXPECT_EQ(cudaMemcpyAsync(d, pinned, 128, cudaMemcpyHostToDevice, s), cudaSuccess);
  cudaLaunchConfig_t c{};
  c.gridDim = 1;
  c.blockDim = 32;
  c.stream = s;
  float v = 2.0f;
  EXPECT_EQ(cudaLaunchKernelEx(&c, add_to, d, v), cudaSuccess);
  v = 100.0f;  // arguments were captured by value
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(s, &graph), cudaSuccess);
  EXPECT_TRUE(std::isnan(download(d, 32)[0]));  // nothing ran during capture
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  cudaGraphDestroy(graph);
  pinned[0] = 5.0f;  // read at replay
  ASSERT_EQ(cudaGraphLaunch(exec, s), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);  // the legacy stream does not wait for s
  EXPECT_EQ(download(d, 32)[0], 7.0f);
  EXPECT_EQ(download(d, 32)[1], 3.0f);

  // illegal during capture: pageable copies, synchronising the stream; both invalidate it
  ASSERT_EQ(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed), cudaSuccess);
  EXPECT_EQ(cudaMemcpyAsync(d, pageable.data(), 128, cudaMemcpyHostToDevice, s),
            cudaErrorStreamCaptureUnsupported);
  EXPECT_EQ(cudaStreamSynchronize(s), cudaErrorStreamCaptureUnsupported);
  EXPECT_EQ(cudaStreamEndCapture(s, &graph), cudaErrorStreamCaptureInvalidated);
  EXPECT_EQ(graph, nullptr);
  cudaGetLastError();

  cudaGraphExecDestroy(exec);
  cudaFreeHost(pinned);
  cudaFree(d);
  cudaStreamDestroy(s);
}

TEST(EmuApi, LegacyStreamSynchronizeDuringBlockingCaptureIsRefused) {
  cudaStream_t blocking = nullptr;
  ASSERT_EQ(cudaStreamCreate(&blocking), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(nullptr), cudaSuccess);
  ASSERT_EQ(cudaStreamBeginCapture(blocking, cudaStreamCaptureModeRelaxed), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(nullptr), cudaErrorStreamCaptureImplicit);
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(blocking, &graph), cudaErrorStreamCaptureInvalidated);
  EXPECT_EQ(graph, nullptr);
  EXPECT_EQ(cudaStreamSynchronize(nullptr), cudaSuccess);  // the capture is over

  cudaStream_t non_blocking = nullptr;  // the legacy stream does not wait for this one
  ASSERT_EQ(cudaStreamCreateWithFlags(&non_blocking, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudaStreamBeginCapture(non_blocking, cudaStreamCaptureModeRelaxed), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(nullptr), cudaSuccess);
  EXPECT_EQ(cudaStreamEndCapture(non_blocking, &graph), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaErrorInvalidResourceHandle);
  EXPECT_EQ(cudaStreamDestroy(non_blocking), cudaSuccess);
  EXPECT_EQ(cudaStreamDestroy(blocking), cudaSuccess);
  EXPECT_EQ(cudaStreamDestroy(blocking), cudaErrorInvalidResourceHandle);
  cudaGetLastError();
}

// Work runs as late as CUDA allows, so the orderings a GPU does not promise do not hold here
// either: a non-blocking stream ignores the legacy stream, pinned memory is read when a copy
// runs, pageable memory when it is enqueued.
TEST(EmuApi, StreamWorkRunsOnlyWhenSomethingWaitsForIt) {
  cudaStream_t s = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
  float* d = device_alloc<float>(4);
  float* out = device_alloc<float>(4);
  std::vector<float> host = {1.0f, 2.0f, 3.0f, 4.0f};
  // a pageable copy to the device returns once staged; it lands when the legacy stream runs
  ASSERT_EQ(cudaMemcpy(d, host.data(), 16, cudaMemcpyHostToDevice), cudaSuccess);
  host[0] = 9.0f;
  // s does not wait for the legacy stream: it copies d before the data landed
  ASSERT_EQ(cudaMemcpyAsync(out, d, 16, cudaMemcpyDeviceToDevice, s), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  EXPECT_TRUE(std::isnan(download(out, 4)[0]));
  EXPECT_EQ(download(d, 4)[0], 1.0f);  // the staged value, not the rewritten one

  // pinned memory is read when the copy runs: rewriting it before then changes what lands
  float* pinned = nullptr;
  ASSERT_EQ(cudaMallocHost(&pinned, 16), cudaSuccess);
  pinned[0] = 5.0f;
  ASSERT_EQ(cudaMemcpyAsync(d, pinned, 4, cudaMemcpyHostToDevice, s), cudaSuccess);
  pinned[0] = 6.0f;
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  EXPECT_EQ(download(d, 1)[0], 6.0f);
  // an event recorded after the copy says when the buffer may be rewritten
  cudaEvent_t copied = nullptr;
  ASSERT_EQ(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(d, pinned, 4, cudaMemcpyHostToDevice, s), cudaSuccess);
  ASSERT_EQ(cudaEventRecord(copied, s), cudaSuccess);
  ASSERT_EQ(cudaEventSynchronize(copied), cudaSuccess);
  pinned[0] = 7.0f;
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  EXPECT_EQ(download(d, 1)[0], 6.0f);

  // a copy into pageable memory returns when done
  std::vector<float> back(4, 0.0f);
  ASSERT_EQ(cudaMemcpyAsync(back.data(), d, 16, cudaMemcpyDeviceToHost, s), cudaSuccess);
  EXPECT_EQ(back[0], 6.0f);
  EXPECT_EQ(cudaEventDestroy(copied), cudaSuccess);
  cudaFreeHost(pinned);
  cudaFree(d);
  cudaFree(out);
  cudaStreamDestroy(s);
}

using EmuApiDeathTest = ::testing::Test;

// CUDA_VISIBLE_DEVICES, read when the runtime starts, hides the device as on a machine without
// a GPU (a fresh process: the threadsafe death test re-executes the binary)
TEST_F(EmuApiDeathTest, HiddenDeviceMeansNoDevice) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("CUDA_VISIBLE_DEVICES", "", 1);
        int count = -1;
        void* p = nullptr;
        const bool none = cudaGetDeviceCount(&count) == cudaErrorNoDevice && count == 0 &&
                          cudaMalloc(&p, 4) == cudaErrorNoDevice &&
                          cudaMallocHost(&p, 4) == cudaErrorNoDevice;
        std::exit(none ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// copies, GEMMs and sorts whose output aliases an input have no defined result on a GPU; the
// emulation (memcpy, packed operands, sorting through temporaries) would hide that
TEST_F(EmuApiDeathTest, OverlappingOperandsAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  float* d = device_alloc<float>(64);
  EXPECT_DEATH(cudaMemcpy(d + 1, d, 16 * sizeof(float), cudaMemcpyDeviceToDevice),
               "destination .* and source .* overlap");
  EXPECT_EQ(cudaMemcpy(d + 16, d, 16 * sizeof(float), cudaMemcpyDeviceToDevice), cudaSuccess);

  cublasHandle_t h = nullptr;
  ASSERT_EQ(cublasCreate(&h), CUBLAS_STATUS_SUCCESS);
  const float one = 1.0f, zero = 0.0f;
  // 4x4 matrices: A = d[0, 16), B = d[16, 32), C = d[32, 48) is fine; C = A or B is not
  EXPECT_EQ(
      cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 4, d + 16, 4, &zero, d + 32, 4),
      CUBLAS_STATUS_SUCCESS);
  EXPECT_DEATH(
      cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 4, d + 16, 4, &zero, d + 8, 4),
      "C overlaps A");
  EXPECT_DEATH(
      cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 4, d + 16, 4, &zero, d + 16, 4),
      "C overlaps B");
  cublasDestroy(h);

  const int n = 16;
  uint32_t *ki = device_alloc<uint32_t>(n), *ko = device_alloc<uint32_t>(n);
  int32_t *vi = device_alloc<int32_t>(n), *vo = device_alloc<int32_t>(n);
  size_t bytes = 0;
  ASSERT_EQ(cub::DeviceRadixSort::SortPairs(nullptr, bytes, ki, ko, vi, vo, n), cudaSuccess);
  uint8_t* temp = device_alloc<uint8_t>(bytes);
  EXPECT_DEATH(cub::DeviceRadixSort::SortPairs(temp, bytes, ki, ki, vi, vo, n),
               "keys_out overlaps keys_in");
  EXPECT_DEATH(cub::DeviceRadixSort::SortPairs(temp, bytes, ki, ko, vi, vi, n),
               "values_out overlaps values_in");
  EXPECT_DEATH(
      cub::DeviceRadixSort::SortPairs(temp, bytes, ki, reinterpret_cast<uint32_t*>(vi), vi, vo, n),
      "keys_out overlaps values_in");
  cudaFree(temp);
  cudaFree(ki);
  cudaFree(ko);
  cudaFree(vi);
  cudaFree(vo);
  cudaFree(d);
  cudaGetLastError();
}

// C = alpha op(A) op(B) + beta C, column-major, straight from the definition
void reference_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const std::vector<float>& A,
                    int lda, const std::vector<float>& B, int ldb, float beta,
                    std::vector<float>& C, int ldc) {
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) {
      double acc = 0.0;
      for (int l = 0; l < k; ++l) {
        const float a = ta ? A[l + i * lda] : A[i + l * lda];
        const float b = tb ? B[j + l * ldb] : B[l + j * ldb];
        acc += static_cast<double>(a) * b;
      }
      float& c = C[i + j * ldc];
      c = static_cast<float>(alpha * acc + (beta == 0.0f ? 0.0 : beta * c));
    }
  }
}

TEST(EmuApi, SgemmHonoursTransposesLeadingDimensionsAndBeta) {
  cublasHandle_t h = nullptr;
  ASSERT_EQ(cublasCreate(&h), CUBLAS_STATUS_SUCCESS);
  const int m = 5, n = 4, k = 3, pad = 2;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (float beta : {0.0f, 0.5f}) {
        const int lda = (ta ? k : m) + pad, ldb = (tb ? n : k) + pad, ldc = m + pad;
        std::vector<float> A(lda * (ta ? m : k)), B(ldb * (tb ? k : n)), C(ldc * n);
        for (size_t i = 0; i < A.size(); ++i)
          A[i] = static_cast<float>(i % 7) - 3.0f;
        for (size_t i = 0; i < B.size(); ++i)
          B[i] = static_cast<float>(i % 5) * 0.5f;
        for (size_t i = 0; i < C.size(); ++i)
          C[i] = beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : float(i);
        float* dA = device_alloc<float>(A.size());
        float* dB = device_alloc<float>(B.size());
        float* dC = device_alloc<float>(C.size());
        cudaMemcpy(dA, A.data(), A.size() * 4, cudaMemcpyHostToDevice);
        cudaMemcpy(dB, B.data(), B.size() * 4, cudaMemcpyHostToDevice);
        cudaMemcpy(dC, C.data(), C.size() * 4, cudaMemcpyHostToDevice);
        const float alpha = 1.5f;
        ASSERT_EQ(cublasSgemm(h, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N, m,
                              n, k, &alpha, dA, lda, dB, ldb, &beta, dC, ldc),
                  CUBLAS_STATUS_SUCCESS);
        reference_gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        const std::vector<float> got = download(dC, C.size());
        for (int j = 0; j < n; ++j) {
          for (int i = 0; i < m; ++i)
            EXPECT_EQ(got[i + j * ldc], C[i + j * ldc]) << ta << tb << beta << " " << i << j;
        }
        cudaFree(dA);
        cudaFree(dB);
        cudaFree(dC);
      }
    }
  }
  const float one = 1.0f;
  EXPECT_EQ(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, nullptr, 3, nullptr, 4, &one,
                        nullptr, 4),
            CUBLAS_STATUS_INVALID_VALUE);  // lda < m
  cublasDestroy(h);
}

TEST(EmuApi, SortPairsIsStableOnTheRequestedBits) {
  const int n = 1000;
  std::vector<uint32_t> keys(n);
  std::vector<int32_t> values(n);
  for (int i = 0; i < n; ++i) {
    keys[i] = (static_cast<uint32_t>(i) * 2654435761u) ^ 0xF00Fu;
    values[i] = i;
  }
  uint32_t *ki = device_alloc<uint32_t>(n), *ko = device_alloc<uint32_t>(n);
  int32_t *vi = device_alloc<int32_t>(n), *vo = device_alloc<int32_t>(n);
  cudaMemcpy(ki, keys.data(), n * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(vi, values.data(), n * 4, cudaMemcpyHostToDevice);
  size_t bytes = 0;
  ASSERT_EQ(cub::DeviceRadixSort::SortPairs(nullptr, bytes, ki, ko, vi, vo, n, 4, 12), cudaSuccess);
  ASSERT_GT(bytes, 0u);
  uint8_t* temp = device_alloc<uint8_t>(bytes);
  size_t too_few = bytes - 1;
  EXPECT_EQ(cub::DeviceRadixSort::SortPairs(temp, too_few, ki, ko, vi, vo, n, 4, 12),
            cudaErrorInvalidValue);
  ASSERT_EQ(cub::DeviceRadixSort::SortPairs(temp, bytes, ki, ko, vi, vo, n, 4, 12), cudaSuccess);
  const std::vector<uint32_t> k_out = download(ko, n);
  const std::vector<int32_t> v_out = download(vo, n);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(k_out[i], keys[v_out[i]]);
    if (i == 0) continue;
    const uint32_t a = (k_out[i - 1] >> 4) & 0xFF, b = (k_out[i] >> 4) & 0xFF;
    EXPECT_LE(a, b);
    if (a == b) {
      EXPECT_LT(v_out[i - 1], v_out[i]);  // stable: input order among equal digits
    }
  }
  cudaGetLastError();
}

// an empty bit range leaves every digit 0 (the input order), also at begin_bit == 64
TEST(EmuApi, SortPairsOnAnEmptyBitRangeKeepsTheOrder) {
  const int n = 8;
  std::vector<uint64_t> keys(n);
  std::vector<int32_t> values(n);
  for (int i = 0; i < n; ++i) {
    keys[i] = ~uint64_t{0} - static_cast<uint64_t>(i) * 0x0123456789ABCDEFull;
    values[i] = i;
  }
  uint64_t *ki = device_alloc<uint64_t>(n), *ko = device_alloc<uint64_t>(n);
  int32_t *vi = device_alloc<int32_t>(n), *vo = device_alloc<int32_t>(n);
  cudaMemcpy(ki, keys.data(), n * 8, cudaMemcpyHostToDevice);
  cudaMemcpy(vi, values.data(), n * 4, cudaMemcpyHostToDevice);
  size_t bytes = 0;
  ASSERT_EQ(cub::DeviceRadixSort::SortPairs(nullptr, bytes, ki, ko, vi, vo, n, 64, 64),
            cudaSuccess);
  uint8_t* temp = device_alloc<uint8_t>(bytes);
  ASSERT_EQ(cub::DeviceRadixSort::SortPairs(temp, bytes, ki, ko, vi, vo, n, 64, 64), cudaSuccess);
  EXPECT_EQ(download(ko, n), keys);
  EXPECT_EQ(download(vo, n), values);
  for (void* p : {static_cast<void*>(temp), static_cast<void*>(ki), static_cast<void*>(ko),
                  static_cast<void*>(vi), static_cast<void*>(vo)})
    EXPECT_EQ(cudaFree(p), cudaSuccess);
}

}  // namespace
