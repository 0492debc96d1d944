// Error codes: names and descriptions, the last error of each host thread, and the emulator's
// own diagnostics (a warning, or a fatal report where a GPU would lose its context).
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "emu_internal.hpp"

namespace cuda_emu {

namespace {

thread_local cudaError_t t_last_error = cudaSuccess;

struct ErrorText {
  cudaError_t code;
  const char* name;
  const char* text;
};

constexpr ErrorText kErrors[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration",
     "invalid configuration argument"},
    {cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection",
     "invalid copy direction for memcpy"},
    {cudaErrorInsufficientDriver, "cudaErrorInsufficientDriver",
     "CUDA driver version is insufficient for CUDA runtime version"},
    {cudaErrorInvalidDeviceFunction, "cudaErrorInvalidDeviceFunction", "invalid device function"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {cudaErrorIllegalState, "cudaErrorIllegalState",
     "the operation cannot be performed in the "
     "present state"},
    {cudaErrorNotReady, "cudaErrorNotReady", "device not ready"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress",
     "an illegal memory access was encountered"},
    {cudaErrorLaunchOutOfResources, "cudaErrorLaunchOutOfResources",
     "too many resources requested for launch"},
    {cudaErrorNotSupported, "cudaErrorNotSupported", "operation not supported"},
    {cudaErrorStreamCaptureUnsupported, "cudaErrorStreamCaptureUnsupported",
     "operation not permitted when stream is capturing"},
    {cudaErrorStreamCaptureInvalidated, "cudaErrorStreamCaptureInvalidated",
     "operation failed due to a previous error during capture"},
    {cudaErrorStreamCaptureUnmatched, "cudaErrorStreamCaptureUnmatched",
     "the capture was not initiated in this stream"},
    {cudaErrorStreamCaptureImplicit, "cudaErrorStreamCaptureImplicit",
     "operation would make the legacy stream depend on a capturing blocking stream"},
    {cudaErrorUnknown, "cudaErrorUnknown", "unknown error"},
};

const ErrorText* find_error(cudaError_t code) {
  for (const ErrorText& e : kErrors) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

}  // namespace

cudaError_t record_error(cudaError_t error) {
  if (error != cudaSuccess) t_last_error = error;
  return error;
}

std::string dims_text(uint3 v) {
  std::ostringstream s;
  s << "(" << v.x << ", " << v.y << ", " << v.z << ")";
  return s.str();
}

std::string kernel_text(const char* signature) {
  const std::string s = signature;
  const std::string key = "Expected = ";
  const size_t begin = s.find(key);
  if (begin == std::string::npos) return s;
  const size_t end = s.find(';', begin);
  const std::string params =
      s.substr(begin + key.size(), end == std::string::npos ? end : end - begin - key.size());
  return "the kernel taking " + params;
}

void warn(const std::string& message) {
  const std::string where = current_kernel_context();
  std::fprintf(stderr, "cuda_emu: %s%s%s\n", message.c_str(), where.empty() ? "" : "\n  in ",
               where.c_str());
  std::fflush(stderr);
}

void fatal(const std::string& message) {
  std::string text = message;
  text += " (aborting: a GPU would report an error and lose its context)";
  warn(text);
  std::abort();
}

}  // namespace cuda_emu

cudaError_t cudaGetLastError() {
  const cudaError_t e = cuda_emu::t_last_error;
  cuda_emu::t_last_error = cudaSuccess;
  return e;
}

cudaError_t cudaPeekAtLastError() {
  return cuda_emu::t_last_error;
}

const char* cudaGetErrorName(cudaError_t error) {
  const cuda_emu::ErrorText* e = cuda_emu::find_error(error);
  return e ? e->name : "cudaErrorUnrecognized";
}

const char* cudaGetErrorString(cudaError_t error) {
  const cuda_emu::ErrorText* e = cuda_emu::find_error(error);
  return e ? e->text : "unrecognized error code";
}
