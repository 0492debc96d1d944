// CPU emulation of the CUDA runtime (tests/cuda_emu): stands in for the toolkit's cuda_runtime.h
// in the emulated test build only. It includes no toolkit header, so it builds without CUDA.
#pragma once

#if defined(__CUDACC__) || defined(__CUDA_RUNTIME_H__)
#error "tests/cuda_emu shims are for host compilers only; the CUDA toolkit's header is in use"
#endif

#include "cuda_emu/device_builtins.h"
#include "cuda_emu/launch.h"
#include "cuda_emu/runtime_api.h"
