#include "host/durable_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"

namespace stampede {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_fail(const std::string& what, const std::string& path, int err) {
  throw IoError("cannot " + what + " '" + path + "': " + std::strerror(err));
}

// writes all of `bytes`, retrying short writes and EINTR; returns 0 or the errno
int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

void fsync_directory_of(const fs::path& path) {
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // durability of the rename is best effort where the directory is odd
  ::fsync(fd);
  ::close(fd);
}

constexpr std::string_view kTmpMarker = ".tmp.";

}  // namespace

void check_output_path(const std::string& path, const std::string& what) {
  struct stat st {};
  const std::string cannot = what + ": cannot write '" + path + "': ";
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    throw UsageError(cannot + "it exists and is not a regular file");
  }
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw UsageError(cannot + "directory '" + dir + "' does not exist");
  }
  if (::access(dir.c_str(), W_OK) != 0) throw UsageError(cannot + std::strerror(errno));
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const fs::path target(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    throw UsageError("'" + path + "' exists and is not a regular file; not replacing it");
  }
  const std::string tmp = path + std::string(kTmpMarker) + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_fail("write", path, errno);
  int err = write_all(fd, bytes.data(), bytes.size());
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    io_fail("write", path, err);
  }
  fsync_directory_of(target);
}

void remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const size_t at = name.rfind(kTmpMarker);
    if (at == std::string::npos || at == 0) continue;
    const std::string pid_text = name.substr(at + kTmpMarker.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos ||
        pid_text.size() > 9) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == ::getpid() || (::kill(pid, 0) == 0 || errno == EPERM)) continue;  // alive
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
  }
}

AppendOnlyFile::AppendOnlyFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) io_fail("append to", path, errno);
}

AppendOnlyFile::~AppendOnlyFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendOnlyFile::append(std::string_view record) {
  const int err = write_all(fd_, record.data(), record.size());
  if (err != 0) io_fail("append to", path_, err);
}

void AppendOnlyFile::sync() {
  if (::fsync(fd_) != 0) io_fail("sync", path_, errno);
}

std::string read_regular_file(const std::string& path, const std::string& what, uint64_t max_bytes,
                              uint64_t prefix) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw UsageError(what + " '" + path + "' " +
                     (errno == ENOENT ? std::string("does not exist")
                                      : "cannot be read: " + std::string(std::strerror(errno))));
  }
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISDIR(st.st_mode)                          ? "a directory"
                       : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                    : "not a regular file";
    throw UsageError(what + " '" + path + "' is " + kind + ", not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw UsageError(what + " '" + path + "' is " + std::to_string(st.st_size) +
                     " bytes, more than the " + std::to_string(max_bytes) + " this loader reads");
  }
  // O_NONBLOCK: should the file have been swapped for a FIFO since stat, open does not wait
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw UsageError(what + " '" + path + "' cannot be read: " + std::strerror(errno));
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
    ::close(fd);
    throw UsageError(what + " '" + path + "' is not a regular file");
  }
  std::string text;
  text.resize(static_cast<size_t>(std::min<uint64_t>(opened.st_size, prefix)));
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

}  // namespace stampede
