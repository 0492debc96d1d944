// Streams, events, stream capture and graphs. Submitted work is queued on its stream and runs
// as late as CUDA allows: when the host waits for it (stream, event or device synchronisation, a
// synchronous copy to the host, cudaFree), or when a stream that must follow it gets work (the
// legacy default stream and blocking streams order themselves after each other). So a host that
// reads an asynchronous result without synchronising, rewrites pinned memory an enqueued copy
// has not read yet, or orders a non-blocking stream after legacy-stream work it never waited for,
// sees stale or poisoned data here as it could on a GPU. While capturing, submitted work is
// recorded (closures holding the launch's arguments by value, pointers read at replay) instead;
// a graph replays its closures in submission order. Calls that CUDA forbids during capture fail
// here too and invalidate the capture, so a backend that would break under capture breaks here.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
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
  std::deque<cuda_emu::StreamOp> pending;  // submitted, not run yet
  uint64_t submitted = 0, completed = 0;   // work items ever enqueued, ever run
};

struct CUgraph_st {
  std::vector<cuda_emu::StreamOp> ops;
};

struct CUgraphExec_st {
  std::shared_ptr<const std::vector<cuda_emu::StreamOp>> ops;
};

struct CUevent_st {
  unsigned int flags = cudaEventDefault;
  bool recorded = false;  // the recording work item has run
  std::chrono::steady_clock::time_point time;
  CUstream_st* stream = nullptr;  // where it was last recorded, and as which work item
  uint64_t sequence = 0;
};

namespace cuda_emu {

namespace {

std::mutex g_mutex;
CUstream_st g_legacy;  // the legacy default stream (handle nullptr)
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

// At exit, work nothing waited for is reported rather than run (the runtime it would need may
// already be torn down): on a GPU it would have run unobserved, here its checks would not run.
void report_unrun_work() {
  size_t pending = g_legacy.pending.size();
  for (cudaStream_t s : g_streams)
    pending += s->pending.size();
  if (pending > 0) {
    warn(std::to_string(pending) +
         " queued work items never ran: nothing waited for them before the program ended");
  }
}

// appends work to a stream's queue; returns its sequence number
uint64_t enqueue(CUstream_st* s, StreamOp op) {
  static const bool registered = std::atexit(report_unrun_work) == 0;
  (void)registered;
  std::lock_guard<std::mutex> lock(g_mutex);
  s->pending.push_back(std::move(op));
  return ++s->submitted;
}

// runs the stream's queued work, in order, up to work item `sequence`
void run_until(CUstream_st* s, uint64_t sequence) {
  for (;;) {
    StreamOp op;
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      if (s->completed >= sequence || s->pending.empty()) return;
      op = std::move(s->pending.front());
      s->pending.pop_front();
    }
    op();
    std::lock_guard<std::mutex> lock(g_mutex);
    ++s->completed;
  }
}

void drain(CUstream_st* s) {
  run_until(s, UINT64_MAX);
}

std::vector<cudaStream_t> live_streams(bool blocking_only) {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<cudaStream_t> out;
  for (cudaStream_t s : g_streams) {
    if (!blocking_only || !(s->flags & cudaStreamNonBlocking)) out.push_back(s);
  }
  return out;
}

// the stream work of `stream` goes to; the legacy default stream first waits for every blocking
// stream's earlier work, and a blocking stream for the legacy stream's
CUstream_st* ordered_target(cudaStream_t stream) {
  if (stream == nullptr) {
    for (cudaStream_t s : live_streams(true))
      drain(s);
    return &g_legacy;
  }
  if (!(stream->flags & cudaStreamNonBlocking)) drain(&g_legacy);
  return stream;
}

}  // namespace

void synchronize_device() {
  drain(&g_legacy);
  for (cudaStream_t s : live_streams(false))
    drain(s);
}

void synchronize_stream(cudaStream_t stream) {
  drain(stream ? stream : &g_legacy);
}

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
  } else {
    if (!live(g_streams, stream)) return record_error(cudaErrorInvalidResourceHandle);
    if (stream->capturing) {
      if (stream->invalidated) return record_error(cudaErrorStreamCaptureInvalidated);
      stream->recorded.push_back(std::move(op));
      return cudaSuccess;
    }
  }
  enqueue(ordered_target(stream), std::move(op));
  return cudaSuccess;
}

}  // namespace cuda_emu

using cuda_emu::record_error;

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (!stream || (flags & ~cudaStreamNonBlocking)) return record_error(cudaErrorInvalidValue);
  if (const cudaError_t e = cuda_emu::require_device()) return e;
  auto* created = new CUstream_st;
  created->flags = flags;
  *stream = cuda_emu::register_handle(cuda_emu::g_streams, created);
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  return cudaStreamCreateWithFlags(stream, cudaStreamDefault);
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  // CUDA lets enqueued work finish after the call; running it first is the same for the host
  if (stream && cuda_emu::live(cuda_emu::g_streams, stream)) {
    cuda_emu::drain(stream);
    std::lock_guard<std::mutex> lock(cuda_emu::g_mutex);
    for (cudaEvent_t e : cuda_emu::g_events) {
      if (e->stream == stream) e->stream = nullptr;  // its work has run
    }
  }
  return cuda_emu::destroy_handle(cuda_emu::g_streams, stream);
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (stream == nullptr) {
    if (const cudaError_t e = cuda_emu::check_legacy_stream_use("cudaStreamSynchronize")) return e;
    cuda_emu::drain(&cuda_emu::g_legacy);
    return cudaSuccess;
  }
  if (!cuda_emu::live(cuda_emu::g_streams, stream)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  if (cuda_emu::is_capturing(stream)) {
    cuda_emu::warn("cudaStreamSynchronize on a capturing stream");
    cuda_emu::invalidate_capture(stream);
    return record_error(cudaErrorStreamCaptureUnsupported);
  }
  cuda_emu::drain(stream);
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  if (cuda_emu::any_capturing()) {
    cuda_emu::warn("cudaDeviceSynchronize while a stream is capturing");
    cuda_emu::invalidate_capture(nullptr);
    return record_error(cudaErrorStreamCaptureUnsupported);
  }
  cuda_emu::synchronize_device();
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
  if (const cudaError_t e = cuda_emu::require_device()) return e;
  *event = cuda_emu::register_handle(cuda_emu::g_events, new CUevent_st);
  return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  constexpr unsigned int known =
      cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess;
  // an interprocess event must not time, as in CUDA
  if ((flags & ~known) || ((flags & cudaEventInterprocess) && !(flags & cudaEventDisableTiming))) {
    return record_error(cudaErrorInvalidValue);
  }
  if (const cudaError_t e = cudaEventCreate(event)) return e;
  (*event)->flags = flags;
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  // recording work items still queued (on any stream it was recorded on) write to the event:
  // let all queued work run first, as CUDA keeps the event alive until it completes
  if (cuda_emu::live(cuda_emu::g_events, event)) cuda_emu::synchronize_device();
  return cuda_emu::destroy_handle(cuda_emu::g_events, event);
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!cuda_emu::live(cuda_emu::g_events, event)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  auto mark = [event] {
    event->recorded = true;
    event->time = std::chrono::steady_clock::now();
  };
  if (stream != nullptr && cuda_emu::is_capturing(stream)) return cuda_emu::submit(stream, mark);
  if (stream == nullptr) {
    if (const cudaError_t e = cuda_emu::check_legacy_stream_use("cudaEventRecord")) return e;
  } else if (!cuda_emu::live(cuda_emu::g_streams, stream)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  CUstream_st* target = cuda_emu::ordered_target(stream);
  event->recorded = false;
  event->stream = target;
  event->sequence = cuda_emu::enqueue(target, mark);
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!cuda_emu::live(cuda_emu::g_events, event)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  // an event never recorded counts as complete, as in CUDA
  if (event->stream) cuda_emu::run_until(event->stream, event->sequence);
  return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms) return record_error(cudaErrorInvalidValue);
  if (!cuda_emu::live(cuda_emu::g_events, start) || !cuda_emu::live(cuda_emu::g_events, end)) {
    return record_error(cudaErrorInvalidResourceHandle);
  }
  if ((start->flags | end->flags) & cudaEventDisableTiming) {
    return record_error(cudaErrorInvalidResourceHandle);  // created without timing
  }
  if (!start->recorded || !end->recorded) return record_error(cudaErrorNotReady);
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}
