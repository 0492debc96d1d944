#include "block_scheduler.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace cuda_emu {

namespace {

// room for the largest per-thread locals, with margin: act_kernel<1024> keeps 21 KiB of arrays
// (g++ -fstack-usage), a MuJoCo task's physics step 3 KiB; only touched pages cost memory
constexpr size_t kFiberStackBytes = 128 << 10;

bool same_site(Site a, Site b) {
  return a.line == b.line && (a.file == b.file || std::strcmp(a.file, b.file) == 0);
}

std::string site_text(Site s) {
  return std::string(s.file) + ":" + std::to_string(s.line);
}

}  // namespace

thread_local BlockScheduler* BlockScheduler::active = nullptr;

BlockScheduler::BlockScheduler() : stacks_(kFiberStackBytes) {}

void BlockScheduler::run(const GridLaunch& launch, bool reverse) {
  launch_ = &launch;
  reverse_ = reverse;
  const dim3 b = launch.block;
  const int n = static_cast<int>(b.x * b.y * b.z);
  threads_.assign(n, Thread{});
  for (int k = 0; k < n; ++k) {
    const unsigned u = static_cast<unsigned>(k);
    threads_[k].linear = k;
    threads_[k].idx = uint3{u % b.x, (u / b.x) % b.y, u / (b.x * b.y)};
  }
  warps_.assign((n + warpSize - 1) / warpSize, Warp{});
  for (size_t w = 0; w < warps_.size(); ++w) {
    warps_[w].live = std::min(warpSize, n - static_cast<int>(w) * warpSize);
  }
  ready_.clear();
  workers_used_ = 0;
  next_unstarted_ = 0;
  live_ = n;
  block_arrived_ = 0;
  switch_to(&main_, start_worker());  // back when every thread returned, or none can go on
  current_ = nullptr;
  if (live_ > 0) report_deadlock();
}

BlockScheduler::Worker* BlockScheduler::start_worker() {
  if (workers_used_ == workers_.size()) workers_.push_back(std::make_unique<Worker>());
  Worker* w = workers_[workers_used_++].get();
  w->cont = boost::context::fiber(
      std::allocator_arg, PooledStack{&stacks_}, [this, w](boost::context::fiber&& caller) {
        from_->cont = std::move(caller);
        while (next_unstarted_ < static_cast<int>(threads_.size())) {
          Thread& t = threads_[order(next_unstarted_++)];
          t.worker = w;
          enter(t);
          launch_->body();
          thread_exited(t);
        }
        Worker* next = next_worker();
        from_ = w;  // finished: whoever runs next stores an empty continuation into it
        return std::move(next->cont);
      });
  return w;
}

inline BlockScheduler::Worker* BlockScheduler::next_worker() {
  if (!ready_.empty()) {
    Thread& t = threads_[ready_.front()];
    ready_.pop_front();
    enter(t);
    return t.worker;
  }
  if (next_unstarted_ < static_cast<int>(threads_.size())) return start_worker();
  return &main_;
}

inline void BlockScheduler::switch_to(Worker* self, Worker* target) {
  from_ = self;
  boost::context::fiber caller = std::move(target->cont).resume();
  from_->cont = std::move(caller);  // back in `self`: keep the continuation of who switched here
}

inline void BlockScheduler::enter(Thread& t) {
  t.state = State::kRunning;
  current_ = &t;
  threadIdx = t.idx;
}

inline void BlockScheduler::wait(Thread& t, State state) {
  t.state = state;
  switch_to(t.worker, next_worker());  // back here once released and picked (enter(t))
}

void BlockScheduler::thread_exited(Thread& t) {
  t.state = State::kDone;
  --live_;
  const int warp = t.linear / warpSize;
  Warp& w = warps_[warp];
  --w.live;
  if (w.arrived > 0 && w.arrived == w.live) release_warp(warp);
  if (block_arrived_ > 0 && block_arrived_ == live_) release_block();
}

void BlockScheduler::release_warp(int warp) {
  const int begin = warp * warpSize;
  const int end = std::min(begin + warpSize, static_cast<int>(threads_.size()));
  const Thread* first = nullptr;
  for (int i = begin; i < end; ++i) {
    const int k = reverse_ ? begin + end - 1 - i : i;
    Thread& t = threads_[k];
    const bool arrived =
        t.state == State::kAtWarpBarrier || (t.state == State::kRunning && &t == current_);
    if (!arrived) continue;
    if (first && (t.shuffles != first->shuffles || !same_site(t.site, first->site))) {
      fatal("warp " + std::to_string(warp) + " diverged at a shuffle: lane " +
            std::to_string(first->linear - begin) + " is at its shuffle #" +
            std::to_string(first->shuffles) + " (" + site_text(first->site) + "), lane " +
            std::to_string(k - begin) + " at #" + std::to_string(t.shuffles) + " (" +
            site_text(t.site) + ")");
    }
    if (!first) first = &t;
    if (t.state == State::kAtWarpBarrier) ready_.push_back(k);
  }
  warps_[warp].arrived = 0;
}

void BlockScheduler::release_block() {
  const Thread* first = nullptr;
  for (int i = 0; i < static_cast<int>(threads_.size()); ++i) {
    Thread& t = threads_[order(i)];
    const bool arrived =
        t.state == State::kAtBlockBarrier || (t.state == State::kRunning && &t == current_);
    if (!arrived) continue;
    if (first && (t.block_syncs != first->block_syncs || !same_site(t.site, first->site))) {
      fatal("__syncthreads diverged: thread " + dims_text(first->idx) + " is at its barrier #" +
            std::to_string(first->block_syncs) + " (" + site_text(first->site) + "), thread " +
            dims_text(t.idx) + " at #" + std::to_string(t.block_syncs) + " (" + site_text(t.site) +
            "): a barrier in non-uniform control flow");
    }
    if (!first) first = &t;
    if (t.state == State::kAtBlockBarrier) ready_.push_back(t.linear);
  }
  block_arrived_ = 0;
}

void BlockScheduler::sync_threads(Site site) {
  Thread& t = *current_;
  ++t.block_syncs;
  t.site = site;
  if (++block_arrived_ == live_) {
    release_block();  // the last to arrive releases the others and goes on
    return;
  }
  wait(t, State::kAtBlockBarrier);
}

namespace {

// the lane a shuffle reads, CUDA's rules: within a segment of `width` lanes, or the caller's own
// lane when the source falls outside it
int source_lane(Shuffle kind, int lane, unsigned int operand, int width) {
  const int segment = lane / width * width, in_segment = lane - segment;
  switch (kind) {
    case Shuffle::kIndex:
      return segment + static_cast<int>(operand % static_cast<unsigned>(width));
    case Shuffle::kUp:
      return operand <= static_cast<unsigned>(in_segment) ? lane - static_cast<int>(operand) : lane;
    case Shuffle::kDown:
      return in_segment + operand < static_cast<unsigned>(width) ? lane + static_cast<int>(operand)
                                                                 : lane;
    case Shuffle::kXor: {
      const unsigned src = static_cast<unsigned>(lane) ^ operand;
      return src < static_cast<unsigned>(segment + width) ? static_cast<int>(src) : lane;
    }
  }
  return lane;
}

}  // namespace

void BlockScheduler::shuffle(Site site, Shuffle kind, unsigned int mask, const void* in, void* out,
                             int bytes, unsigned int operand, int width) {
  if (mask != 0xffffffffu) fatal("warp shuffles: only the full-warp mask is emulated");
  if (width <= 0 || width > warpSize || (width & (width - 1)) != 0) {
    fatal("warp shuffle width " + std::to_string(width) +
          " is not a power of two <= " + std::to_string(warpSize));
  }
  Thread& t = *current_;
  const uint32_t seq = ++t.shuffles;
  t.site = site;
  const int parity = static_cast<int>(seq & 1);
  std::memcpy(&t.slot[parity], in, static_cast<size_t>(bytes));
  t.slot_bytes[parity] = bytes;
  const int warp = t.linear / warpSize;
  if (++warps_[warp].arrived == warps_[warp].live) {
    release_warp(warp);
  } else {
    wait(t, State::kAtWarpBarrier);
  }
  const int lane = t.linear % warpSize;
  const int src_lane = source_lane(kind, lane, operand, width);
  const int src = warp * warpSize + src_lane;
  if (src >= static_cast<int>(threads_.size())) {
    fatal("warp shuffle: lane " + std::to_string(lane) + " reads lane " + std::to_string(src_lane) +
          ", which does not exist (the block has " + std::to_string(threads_.size()) + " threads)");
  }
  const Thread& s = threads_[src];
  if (s.shuffles < seq) {
    fatal("warp shuffle: lane " + std::to_string(lane) + " reads lane " + std::to_string(src_lane) +
          ", which returned before this shuffle (undefined on a GPU)");
  }
  if (s.slot_bytes[parity] != bytes) {
    fatal("warp shuffle: lanes of one shuffle exchange values of different sizes");
  }
  std::memcpy(out, &s.slot[parity], static_cast<size_t>(bytes));
}

std::string BlockScheduler::current_thread() const {
  return current_ ? "thread " + dims_text(current_->idx) : std::string();
}

void BlockScheduler::report_deadlock() const {
  int at_block = 0, done = 0;
  std::ostringstream warps;
  for (const Thread& t : threads_) {
    if (t.state == State::kAtBlockBarrier) ++at_block;
    if (t.state == State::kDone) ++done;
  }
  for (size_t w = 0; w < warps_.size(); ++w) {
    if (warps_[w].arrived > 0) {
      warps << " warp " << w << " (" << warps_[w].arrived << " of " << warps_[w].live
            << " live lanes at a shuffle)";
    }
  }
  fatal("deadlock: " + std::to_string(at_block) + " threads wait at __syncthreads, " +
        std::to_string(done) +
        " returned, and lanes wait at shuffles whose other lanes are "
        "elsewhere:" +
        warps.str() + " (a barrier in divergent code hangs a GPU)");
}

// the entry points of device code (device_builtins.h), here so the scheduler's calls inline:
// fewer frames between a fiber switch and the kernel means fewer mispredicted returns
void sync_threads(Site site) {
  BlockScheduler* scheduler = BlockScheduler::active;
  if (!scheduler) fatal("__syncthreads() called outside a kernel");
  scheduler->sync_threads(site);
}

void shuffle(Site site, Shuffle kind, unsigned int mask, const void* in, void* out, int bytes,
             unsigned int operand, int width) {
  BlockScheduler* scheduler = BlockScheduler::active;
  if (!scheduler) fatal("a warp shuffle called outside a kernel");
  scheduler->shuffle(site, kind, mask, in, out, bytes, operand, width);
}

}  // namespace cuda_emu
