// cuBLAS handles and SGEMM. The product is computed from packed copies of op(A) and op(B) with
// double accumulation: exact enough that any disagreement with the CPU twin beyond fp32 rounding
// points at the caller's layout (transposes, leading dimensions), not at the emulation.
#include <cublas_v2.h>

#include <algorithm>
#include <string>
#include <vector>

#include "emu_internal.hpp"

struct cublasContext {
  cudaStream_t stream = nullptr;
};

namespace cuda_emu {

namespace {

// the extent of a column-major rows x cols matrix with leading dimension ld, in elements
size_t extent(int rows, int cols, int ld) {
  if (rows == 0 || cols == 0) return 0;
  return static_cast<size_t>(ld) * (cols - 1) + rows;
}

// op(M) as a row-major [rows, depth] array: row r is what the product's dot products walk
std::vector<float> pack(const float* m, int ld, bool transposed, int rows, int depth) {
  std::vector<float> out(static_cast<size_t>(rows) * depth);
  for (int r = 0; r < rows; ++r) {
    for (int d = 0; d < depth; ++d) {
      out[static_cast<size_t>(r) * depth + d] =
          transposed ? m[d + static_cast<size_t>(r) * ld] : m[r + static_cast<size_t>(d) * ld];
    }
  }
  return out;
}

void sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
  // op(A) [m, k] row-major; op(B)^T [n, k] row-major (B's columns)
  const std::vector<float> a = pack(A, lda, ta, m, k);
  const std::vector<float> bt = pack(B, ldb, !tb, n, k);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) {
      const float* ar = a.data() + static_cast<size_t>(i) * k;
      const float* br = bt.data() + static_cast<size_t>(j) * k;
      double acc = 0.0;
      for (int l = 0; l < k; ++l)
        acc += static_cast<double>(ar[l]) * br[l];
      float& c = C[i + static_cast<size_t>(j) * ldc];
      // beta == 0: C is write-only, as cuBLAS defines it (NaN in C must not leak through)
      c = static_cast<float>(alpha * acc + (beta == 0.0f ? 0.0 : static_cast<double>(beta) * c));
    }
  }
}

}  // namespace

}  // namespace cuda_emu

cublasStatus_t cublasCreate(cublasHandle_t* handle) {
  if (!handle) return CUBLAS_STATUS_INVALID_VALUE;
  if (!cuda_emu::device_visible()) return CUBLAS_STATUS_NOT_INITIALIZED;
  *handle = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t handle) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream(cublasHandle_t handle, cudaStream_t stream) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetStream(cublasHandle_t handle, cudaStream_t* stream) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!stream) return CUBLAS_STATUS_INVALID_VALUE;
  *stream = handle->stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  return CUBLAS_STATUS_SUCCESS;  // the emulation is always full fp32 (no TF32 to turn off)
}

cublasStatus_t cublasSetWorkspace(cublasHandle_t handle, void* workspace, size_t bytes) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (bytes > 0 && !cuda_emu::is_device_range(workspace, bytes)) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  return CUBLAS_STATUS_SUCCESS;  // checked, then unused: the emulated SGEMM needs no workspace
}

const char* cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

cublasStatus_t cublasSgemm(cublasHandle_t handle, cublasOperation_t transa,
                           cublasOperation_t transb, int m, int n, int k, const float* alpha,
                           const float* A, int lda, const float* B, int ldb, const float* beta,
                           float* C, int ldc) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  const bool ta = transa != CUBLAS_OP_N, tb = transb != CUBLAS_OP_N;
  const int a_rows = ta ? k : m, a_cols = ta ? m : k;
  const int b_rows = tb ? n : k, b_cols = tb ? k : n;
  if (m < 0 || n < 0 || k < 0 || !alpha || !beta || lda < std::max(1, a_rows) ||
      ldb < std::max(1, b_rows) || ldc < std::max(1, m)) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
  const float a = *alpha, b = *beta;  // host pointer mode: read at the call, not at replay
  const size_t a_bytes = cuda_emu::extent(a_rows, a_cols, lda) * sizeof(float);
  const size_t b_bytes = cuda_emu::extent(b_rows, b_cols, ldb) * sizeof(float);
  const size_t c_bytes = cuda_emu::extent(m, n, ldc) * sizeof(float);
  // the emulation reads packed copies of A and B, so an aliased C would go unnoticed here
  if (cuda_emu::overlaps(C, c_bytes, A, a_bytes) || cuda_emu::overlaps(C, c_bytes, B, b_bytes)) {
    cuda_emu::fatal("cublasSgemm: C overlaps " +
                    std::string(cuda_emu::overlaps(C, c_bytes, A, a_bytes) ? "A" : "B") +
                    " (cuBLAS defines no result when the output aliases an input)");
  }
  const cudaError_t e = cuda_emu::submit(handle->stream, [=] {
    cuda_emu::require_device_range(A, a_bytes, "cublasSgemm A");
    cuda_emu::require_device_range(B, b_bytes, "cublasSgemm B");
    cuda_emu::require_device_range(C, c_bytes, "cublasSgemm C");
    cuda_emu::sgemm(ta, tb, m, n, k, a, A, lda, B, ldb, b, C, ldc);
  });
  return e == cudaSuccess ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_EXECUTION_FAILED;
}
