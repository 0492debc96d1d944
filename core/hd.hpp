// Single-source annotation: code marked STAMPEDE_HD compiles for the host and, under nvcc, for the
// device, so the CPU backend runs exactly the math the CUDA kernels run.
//
// Device code inlines STAMPEDE_HD functions (small helpers: registers, no call overhead).
// STAMPEDE_HD_NOINLINE marks the few large stages a kernel calls several times (the physics
// engine's forward(), once per RK4 stage): one copy per kernel keeps compile time and code size
// bounded, at the cost of a call and spilling its live registers (docs/design.md, "Build time").
// On the host both are plain `inline`, so the CPU backend's code and results do not change.
#pragma once

#if defined(__CUDACC__)
#define STAMPEDE_HD __host__ __device__ __forceinline__
#define STAMPEDE_HD_NOINLINE __host__ __device__ __noinline__
#else
#define STAMPEDE_HD inline
#define STAMPEDE_HD_NOINLINE inline
#endif
