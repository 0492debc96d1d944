// Single-source annotation: code marked STAMPEDE_HD compiles for the host and, under nvcc, for the
// device, so the CPU backend runs exactly the math the CUDA kernels run.
#pragma once

#if defined(__CUDACC__)
#define STAMPEDE_HD __host__ __device__ __forceinline__
#define STAMPEDE_HD_FN __host__ __device__
#else
#define STAMPEDE_HD inline
#define STAMPEDE_HD_FN
#endif
