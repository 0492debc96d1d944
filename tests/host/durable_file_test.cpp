// The durable-file helpers and strict value parsing on their own: what the fault suite
// (tests/faults/) shows through the binary, here at the function level.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "host/cli_values.hpp"
#include "host/durable_file.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::ScratchDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DurableFile, AtomicWriteReplacesWholeAndLeavesNoTemporary) {
  ScratchDir dir("durable");
  const std::string path = dir.sub("f.json");
  write_file_atomically(path, "first\n");
  write_file_atomically(path, "second\n");
  EXPECT_EQ(slurp(path), "second\n");
  for (const auto& entry : std::filesystem::directory_iterator(dir.str()))
    EXPECT_EQ(entry.path().filename(), "f.json");
}

TEST(DurableFile, FailedWriteKeepsTheOldFileAndNamesTheReason) {
  ScratchDir dir("durable");
  const std::string path = dir.sub("gone/f.json");  // its directory does not exist
  try {
    write_file_atomically(path, "x");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  // a device is never replaced by a rename
  EXPECT_THROW(write_file_atomically("/dev/null", "x"), UsageError);
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(DurableFile, StaleTemporariesOfDeadWritersAreRemovedLiveOnesKept) {
  ScratchDir dir("durable");
  const std::string dead = dir.sub("checkpoint.bin.tmp.999999999");
  const std::string live = dir.sub("checkpoint.bin.tmp." + std::to_string(::getppid()));
  const std::string other = dir.sub("notes.tmp.txt");
  for (const std::string& p : {dead, live, other})
    std::ofstream(p) << "x";
  remove_stale_temporaries(dir.str());
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
  EXPECT_TRUE(std::filesystem::exists(other));
}

TEST(DurableFile, RecordsAppendWholeAfterWhatIsThere) {
  ScratchDir dir("durable");
  const std::string path = dir.sub("log.csv");
  {
    AppendOnlyFile log(path);
    log.append("a,b\n");
    log.append("1,2\n");
    log.sync();
  }
  AppendOnlyFile(path).append(
      std::string("3\0"
                  "4\n",
                  4));  // binary records too
  EXPECT_EQ(slurp(path), std::string("a,b\n1,2\n3\0"
                                     "4\n",
                                     12));
}

TEST(DurableFile, ReadersTakeRegularFilesOnly) {
  ScratchDir dir("durable");
  const std::string fifo = dir.sub("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto refused = [](const std::string& path, uint64_t cap) {
    try {
      read_regular_file(path, "input", cap);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused(fifo, 100).find("is a FIFO"), std::string::npos);
  EXPECT_NE(refused("/dev/zero", 100).find("is a device"), std::string::npos);
  EXPECT_NE(refused(dir.str(), 100).find("is a directory"), std::string::npos);
  EXPECT_NE(refused(dir.sub("missing"), 100).find("does not exist"), std::string::npos);
  std::ofstream(dir.sub("big")) << std::string(200, 'x');
  EXPECT_NE(refused(dir.sub("big"), 100).find("200 bytes"), std::string::npos);
  EXPECT_EQ(read_regular_file(dir.sub("big"), "input", 1000), std::string(200, 'x'));
}

TEST(CliValues, LongEchoesAreShortened) {
  const std::string huge(5000, 'x');
  const std::string shown = shorten_echoes("unknown task '" + huge + "' (see envs)");
  EXPECT_LT(shown.size(), 120u);
  EXPECT_NE(shown.find("(5002 chars)"), std::string::npos);
  EXPECT_EQ(shorten_echoes("short words stay as they are"), "short words stay as they are");
}

}  // namespace
}  // namespace stampede
