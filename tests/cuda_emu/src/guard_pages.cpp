// Guarded mappings: device allocations, dynamic shared memory and fiber stacks sit between two
// inaccessible pages, so an access past either end faults at once (where a GPU might corrupt a
// neighbour silently, or compute-sanitizer would be needed). The fault handler names the region.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "emu_internal.hpp"

namespace cuda_emu {

namespace {

struct Mapping {
  char* base;        // start of the mapping (the leading guard page)
  size_t bytes;      // whole mapping, guards included
  size_t user_size;  // what the caller asked for
  const char* what;
};

std::mutex g_mutex;
std::map<char*, Mapping> g_by_user;  // keyed by the pointer handed out

size_t page_size() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// async-signal context: formats with snprintf into a stack buffer and writes it out
void report_fault(void* address) {
  char text[512];
  int len = 0;
  if (g_mutex.try_lock()) {
    const char* a = static_cast<const char*>(address);
    for (const auto& [user, m] : g_by_user) {
      const size_t page = page_size();
      const char* tail = m.base + m.bytes - page;
      if (a >= m.base && a < m.base + page) {
        len = std::snprintf(text, sizeof text,
                            "cuda_emu: access %zu bytes before the start of %s (%zu bytes at %p)\n",
                            static_cast<size_t>(user - a), m.what, m.user_size,
                            static_cast<void*>(user));
      } else if (a >= tail && a < tail + page) {
        len = std::snprintf(text, sizeof text,
                            "cuda_emu: access %zu bytes past the end of %s (%zu bytes at %p)\n",
                            static_cast<size_t>(a - (user + m.user_size)), m.what, m.user_size,
                            static_cast<void*>(user));
      }
      if (len > 0) break;
    }
    g_mutex.unlock();
  }
  if (len <= 0) {
    len = std::snprintf(text, sizeof text,
                        "cuda_emu: invalid memory access at %p (not next to a guarded region: a "
                        "host pointer in a kernel, or a wild index)\n",
                        address);
  }
  if (write(STDERR_FILENO, text, static_cast<size_t>(len)) < 0) return;
}

void on_fault(int sig, siginfo_t* info, void*) {
  report_fault(info->si_addr);
  signal(sig, SIG_DFL);  // returning re-executes the access, which now kills the process
}

}  // namespace

void* map_guarded(size_t bytes, size_t align, const char* what) {
  const size_t page = page_size();
  const size_t user = round_up(bytes > 0 ? bytes : 1, align);
  const size_t body = round_up(user, page);
  const size_t total = body + 2 * page;
  void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  char* base = static_cast<char*>(m);
  mprotect(base, page, PROT_NONE);
  mprotect(base + page + body, page, PROT_NONE);
  char* ptr = base + page + body - user;            // ends at the trailing guard page
  std::memset(ptr + bytes, kPoison, user - bytes);  // the padding (see check_padding)
  std::lock_guard<std::mutex> lock(g_mutex);
  g_by_user[ptr] = Mapping{base, total, bytes, what};
  return ptr;
}

void unmap_guarded(void* ptr) {
  Mapping m{};
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    const auto found = g_by_user.find(static_cast<char*>(ptr));
    if (found == g_by_user.end()) return;
    m = found->second;
    g_by_user.erase(found);
  }
  munmap(m.base, m.bytes);
}

void check_padding(const void* ptr, size_t bytes, size_t align, const char* what,
                   const char* when) {
  const unsigned char* p = static_cast<const unsigned char*>(ptr);
  const size_t end = round_up(bytes > 0 ? bytes : 1, align);
  size_t first = end, last = 0;
  for (size_t k = bytes; k < end; ++k) {
    if (p[k] == kPoison) continue;
    if (first == end) first = k;
    last = k;
  }
  if (first == end) return;
  char region[64];
  std::snprintf(region, sizeof region, " (%zu bytes at %p)", bytes, ptr);
  fatal(std::string(what) + region + " was written past its end: bytes " +
        std::to_string(first - bytes) + " to " + std::to_string(last - bytes) +
        " after it changed (its " + std::to_string(align) +
        "-byte alignment padding, short of the guard page); found at " + when);
}

void install_fault_reporter() {
  thread_local bool installed = false;
  if (installed) return;
  installed = true;
  // the handler must run on its own stack: a fiber stack overflow leaves no room on the fiber's
  static constexpr size_t kAltStack = 64 << 10;
  stack_t alt{};
  alt.ss_sp = std::malloc(kAltStack);  // kept for the thread's lifetime
  alt.ss_size = kAltStack;
  sigaltstack(&alt, nullptr);
  struct sigaction action {};
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, nullptr);
  sigaction(SIGBUS, &action, nullptr);
}

}  // namespace cuda_emu
