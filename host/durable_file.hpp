// Files a run keeps (checkpoint, config.json, log.csv, TensorBoard events, bench JSON), written so
// that Ctrl-C, kill -9 or a full disk never leaves a damaged or half-written one where a good one
// was, and the files a run reads (checkpoints, models, configs), opened so that a FIFO or a device
// can never hang or flood a loader.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stampede {

// an I/O failure of the machine, not of the user's input: the message names the file and the
// operating system's reason (e.g. "No space left on device")
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `bytes` to `path` through a temporary file next to it ("<path>.tmp.<pid>"): write,
// fsync, close, rename over `path`, fsync the directory. Any failure removes the temporary and
// throws IoError naming `path` and the reason; `path` then still holds its previous content.
// A `path` that exists and is not a regular file is refused (UsageError), never replaced.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Throws UsageError unless `path` can be written by write_file_atomically: its directory exists
// and is writable, and `path` is absent or a regular file (never a device such as /dev/full, a
// FIFO or a directory, which a rename would replace). Commands check their output paths with it
// before doing minutes of work.
void check_output_path(const std::string& path, const std::string& what);

// Removes the temporaries ("<name>.tmp.<pid>") that writers killed mid-write left in `dir`;
// those of a process still alive are kept.
void remove_stale_temporaries(const std::string& dir);

// A file that grows by whole records (log.csv's lines, TensorBoard's event records): each append
// is one write(2) of the complete record, so a kill leaves the file ending in a complete record
// (or, at worst, one partial last record that readers drop), flushed to the operating system
// before append returns.
class AppendOnlyFile {
 public:
  explicit AppendOnlyFile(const std::string& path);  // opens for appending; throws IoError
  ~AppendOnlyFile();
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;
  void append(std::string_view record);  // throws IoError
  void sync();                           // fsync; throws IoError

 private:
  std::string path_;
  int fd_ = -1;
};

// The contents of a regular file of at most `max_bytes`. Anything else (a directory, a FIFO, a
// device, a link to one, a file too large) throws UsageError naming `what` and `path` before a
// byte is read, so that no input can hang or exhaust a loader. With `prefix`, only the first
// `prefix` bytes are read (a loader's look at a header before it commits to the whole file).
std::string read_regular_file(const std::string& path, const std::string& what, uint64_t max_bytes,
                              uint64_t prefix = UINT64_MAX);

}  // namespace stampede
