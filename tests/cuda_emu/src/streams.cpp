// Streams, events, stream capture and graphs. Work runs synchronously when submitted, so a
// stream is only a handle plus its capture state: while capturing, submitted work is recorded
// (closures holding the launch's arguments by value, pointers read at replay) instead of run; a
// graph replays its closures in submission order. Calls that CUDA forbids during capture fail
// here too and invalidate the capture, so a backend that would break under capture breaks here.
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "emu_internal.hpp"

struct CUstream_st {
  unsigned int flags = cudaStreamDefault;
  bool capturing = false;
  bool invalidated = false;
  cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
  std::vector<cuda_emu::StreamOp> recorded;
};

struct CUgraph_st {
  std::vector<cuda_emu::StreamOp> ops;
};

struct CUgraphExec_st {
  std::shared_ptr<const std::vector<cuda_emu::StreamOp>> ops;
};

struct CUevent_st {
  bool recorded = false;
  std::chrono::steady_clock::time_point time;
};

namespace cuda_emu {

namespace {

std::mutex g_mutex;
std::set<cudaStream_t> g_streams;
std::set<cudaEvent_t> g_events;
std::set<cudaGraph_t> g_graphs;
std::set<cudaGraphExec_t> g_execs;

template <class T>
bool live(const std::set<T>& handles, T handle) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return handles.count(handle) > 0;
}

// hands out a new handle (the caller has set it up), live until destroy_handle
template <class T>
T register_handle(std::set<T>& handles, T handle) {
  std::lock_guard<std::mutex> lock(g_mutex);
  handles.insert(handle);
  return handle;
}

template <class T>
cudaError_t destroy_handle(std::set<T>& handles, T handle) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!handles.erase(handle)) return record_error(cudaErrorInvalidResourceHandle);
  }
  delete handle;
  return cudaSuccess;
}

// a capturing stream that the legacy default stream would have to wait for
cudaStream_t capturing_blocking_stream() {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (cudaStream_t s : g_streams) {
    if (s->capturing && !(s->flags & cudaStreamNonBlocking)) return s;
  }
  return nullptr;
}

bool any_capturing() {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (cudaStream_t s : g_streams) {
    if (s->capturing) return true;
  }
  return false;
}

// the legacy default stream synchronises with every blocking stream: using it while one
// captures would make the capture depend on it, which CUDA refuses (and invalidates the capture)
cudaError_t check_legacy_stream_use(const char* what) {
  if (cudaStream_t blocking = capturing_blocking_stream()) {
    warn(std::string(what) + " on the legacy default stream while a blocking stream is capturing");
    invalidate_capture(blocking);
    return record_error(cudaErrorStreamCaptureImplicit);
  }
  return cudaSuccess;
}

}  // namespace

bool is_capturing(cudaStream_t stream) {
  return stream && live(g_streams, stream) && stream->capturing;
}

void invalidate_capture(cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (cudaStream_t s : g_streams) {
    if (s->capturing && (stream == nullptr || s == stream)) s->invalidated = true;
  }
}

bool strict_capture_active() {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (cudaStream_t s : g_streams) {
    if (s->capturing && s->mode != cudaStreamCaptureModeRelaxed) return true;
  }
  return false;
}

cudaError_t submit(cudaStream_t stream, StreamOp op) {
  if (stream == nullptr) {
    if (const cudaError_t e = check_legacy_stream_use("work")) return e;
    op();
    return cudaSuccess;
  }
  if (!live(g_streams, stream)) return record_error(cudaErrorInvalidResourceHandle);
  if (stream->capturing) {
    if (stream->invalidated) return record_error(cudaErrorStreamCaptureInvalidated);
    stream->recorded.push_back(std::move(op));
    return cudaSuccess;
  }
  op();
  return cudaSuccess;
}

}  // namespace cuda_emu

using cuda_emu::record_error;

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (!stream || (flags & ~cudaStreamNonBlocking)) return record_error(cudaErrorInvalidValue);
  auto* created = new CUstream_st;
  created->flags = flags;
  *stream = cuda_emu::register_handle(cuda_emu::g_streams, created);
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  return cudaStreamCreateWithFlags(stream, cudaStreamDefault);
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  return cuda_emu::destroy_handle(cuda_emu::g_streams, stream);
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (stream == nullptr) return cuda_emu::check_legacy_stream_use("cudaStreamSynchronize");
  if (!cuda_emu::live(cuda_emu::g_streams, stream)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  if (cuda_emu::is_capturing(stream)) {
    cuda_emu::warn("cudaStreamSynchronize on a capturing stream");
    cuda_emu::invalidate_capture(stream);
    return record_error(cudaErrorStreamCaptureUnsupported);
  }
  return cudaSuccess;  // its work has already run
}

cudaError_t cudaDeviceSynchronize() {
  if (cuda_emu::any_capturing()) {
    cuda_emu::warn("cudaDeviceSynchronize while a stream is capturing");
    cuda_emu::invalidate_capture(nullptr);
    return record_error(cudaErrorStreamCaptureUnsupported);
  }
  return cudaSuccess;
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  if (stream == nullptr) return record_error(cudaErrorStreamCaptureUnsupported);
  if (!cuda_emu::live(cuda_emu::g_streams, stream)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  if (stream->capturing) return record_error(cudaErrorIllegalState);
  stream->capturing = true;
  stream->invalidated = false;
  stream->mode = mode;
  stream->recorded.clear();
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  if (!graph) return record_error(cudaErrorInvalidValue);
  *graph = nullptr;
  if (stream == nullptr || !cuda_emu::live(cuda_emu::g_streams, stream)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  if (!stream->capturing) return record_error(cudaErrorIllegalState);
  stream->capturing = false;
  std::vector<cuda_emu::StreamOp> ops = std::move(stream->recorded);  // leaves it empty
  if (stream->invalidated) return record_error(cudaErrorStreamCaptureInvalidated);
  *graph = cuda_emu::register_handle(cuda_emu::g_graphs, new CUgraph_st{std::move(ops)});
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph,
                                 unsigned long long flags) {
  if (!exec || flags != 0) return record_error(cudaErrorInvalidValue);
  if (!cuda_emu::live(cuda_emu::g_graphs, graph)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  // an executable graph is a snapshot: later changes to (or destruction of) `graph` do not
  // affect it, as in CUDA
  *exec = cuda_emu::register_handle(
      cuda_emu::g_execs,
      new CUgraphExec_st{std::make_shared<const std::vector<cuda_emu::StreamOp>>(graph->ops)});
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (!cuda_emu::live(cuda_emu::g_execs, exec)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  return cuda_emu::submit(stream, [ops = exec->ops] {
    for (const cuda_emu::StreamOp& op : *ops)
      op();
  });
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  return cuda_emu::destroy_handle(cuda_emu::g_graphs, graph);
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  return cuda_emu::destroy_handle(cuda_emu::g_execs, exec);
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (!event) return record_error(cudaErrorInvalidValue);
  *event = cuda_emu::register_handle(cuda_emu::g_events, new CUevent_st);
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  return cuda_emu::destroy_handle(cuda_emu::g_events, event);
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!cuda_emu::live(cuda_emu::g_events, event)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  return cuda_emu::submit(stream, [event] {
    event->recorded = true;
    event->time = std::chrono::steady_clock::now();
  });
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!cuda_emu::live(cuda_emu::g_events, event)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms) return record_error(cudaErrorInvalidValue);
  if (!cuda_emu::live(cuda_emu::g_events, start) || !cuda_emu::live(cuda_emu::g_events, end) ||
      !start->recorded || !end->recorded) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}
