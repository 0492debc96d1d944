// Kernel launches and stream work: the typed cudaLaunchKernelEx and cudaFuncSetAttribute of the
// toolkit's header, turned into closures the emulator runs now or records into a captured graph.
#pragma once

#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "cuda_emu/runtime_api.h"

namespace cuda_emu {

// one unit of stream work (a grid, a copy, a GEMM, a sort)
using StreamOp = std::function<void()>;

// validates the configuration as the driver does, then runs or records the grid; `body` runs
// one CUDA thread; `signature` names the kernel's parameter types for diagnostics
cudaError_t launch(const cudaLaunchConfig_t* config, const void* kernel, const char* signature,
                   size_t param_bytes, StreamOp body);
cudaError_t set_func_attribute(const void* kernel, cudaFuncAttribute attr, int value);
cudaError_t get_func_attributes(cudaFuncAttributes* attr, const void* kernel);

// runs `op` now, or appends it to the stream's graph while the stream is capturing
cudaError_t submit(cudaStream_t stream, StreamOp op);

// device work touching memory outside every device allocation: the emulator's equivalent of
// cudaErrorIllegalAddress, reported with `what` and aborted on (the context would be lost)
void require_device_range(const void* ptr, size_t bytes, const char* what);

// a pointer argument of a kernel must be null, device or pinned memory: a GPU faults on the
// host's pageable memory (pointers inside parameter structs cannot be checked)
void check_kernel_pointer(const void* ptr, int index, const char* signature);

template <class T>
void check_kernel_argument(const T& value, int index, const char* signature) {
  if constexpr (std::is_pointer_v<T>) {
    check_kernel_pointer(reinterpret_cast<const void*>(value), index, signature);
  }
}

}  // namespace cuda_emu

template <class... Expected, class... Actual>
cudaError_t cudaLaunchKernelEx(const cudaLaunchConfig_t* config, void (*kernel)(Expected...),
                               Actual&&... args) {
  static_assert(sizeof...(Expected) == sizeof...(Actual),
                "cudaLaunchKernelEx: argument count differs from the kernel's parameter count");
  using Params = std::tuple<std::decay_t<Expected>...>;
  const char* signature = __PRETTY_FUNCTION__;
  // coerce every argument to the kernel's parameter type first, as the toolkit's header does
  return [&](Expected... coerced) {
    int index = 0;
    (cuda_emu::check_kernel_argument(coerced, index++, signature), ...);
    return cuda_emu::launch(config, reinterpret_cast<const void*>(kernel), signature,
                            sizeof(Params),
                            [kernel, params = Params(coerced...)] { std::apply(kernel, params); });
  }(std::forward<Actual>(args)...);
}

template <class T>
cudaError_t cudaFuncSetAttribute(T* kernel, cudaFuncAttribute attr, int value) {
  return cuda_emu::set_func_attribute(reinterpret_cast<const void*>(kernel), attr, value);
}

template <class T>
cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attr, T* kernel) {
  return cuda_emu::get_func_attributes(attr, reinterpret_cast<const void*>(kernel));
}
