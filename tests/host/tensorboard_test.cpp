// TensorBoard event files at the function level: the record framing and its checksums, the
// reading back of wall times up to a damaged record, and a resumed run's rewrite. What
// TensorBoard's own reader makes of the files is tests/export/test_tensorboard.py.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "host/tensorboard.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::ScratchDir;

constexpr const char* kHeader = "iteration,env_steps,mean_return";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string event_file(const std::string& run_dir) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(run_dir + "/tb")) {
    EXPECT_TRUE(found.empty()) << "a second event file " << e.path();
    found = e.path().string();
  }
  return found;
}

TEST(TensorBoard, Crc32cIsCastagnoli) {
  // the check value of CRC-32C, and TFRecord's mask of the empty string's CRC (0)
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(masked_crc32c(""), 0xa282ead8u);
}

TEST(TensorBoard, RecordFramesLengthAndChecksums) {
  const std::string data = "event bytes";
  const std::string r = tfrecord(data);
  ASSERT_EQ(r.size(), 8 + 4 + data.size() + 4);
  EXPECT_EQ(static_cast<unsigned char>(r[0]), data.size());
  for (int k = 1; k < 8; ++k)
    EXPECT_EQ(r[k], '\0');
  EXPECT_EQ(r.substr(12, data.size()), data);
  const auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k)
      v |= uint32_t{static_cast<unsigned char>(r[at + k])} << (8 * k);
    return v;
  };
  EXPECT_EQ(u32(8), masked_crc32c(r.substr(0, 8)));
  EXPECT_EQ(u32(12 + data.size()), masked_crc32c(data));
}

TEST(TensorBoard, WallTimesReadBackUpToADamagedRecord) {
  if (!tensorboard_available()) GTEST_SKIP() << "built without protobuf";
  std::string file;
  for (const std::string& e : run_header_events(100.0, {{"seed", 1}}, kHeader))
    file += tfrecord(e);
  for (int it = 1; it <= 3; ++it) {
    file += tfrecord(csv_row_event(100.0 + it, kHeader,
                                   std::to_string(it) + "," + std::to_string(64 * it) + ",1.5"));
  }
  const auto all = row_wall_times(file);
  ASSERT_EQ(all.size(), 3u);  // the header's events (step 0) are not rows
  EXPECT_EQ(all.at(1), 101.0);
  EXPECT_EQ(all.at(3), 103.0);

  // a record cut short, and one whose bytes changed, end what is read
  EXPECT_EQ(row_wall_times(file.substr(0, file.size() - 3)).size(), 2u);
  std::string flipped = file;
  flipped[flipped.size() - 20] ^= 0x40;
  EXPECT_EQ(row_wall_times(flipped).size(), 2u);
  EXPECT_TRUE(row_wall_times("garbage that is not a record").empty());

  // every cut of the file reads the whole rows before the cut, and no byte past it
  size_t previous = 0;
  for (size_t n = 0; n <= file.size(); ++n) {
    const std::string cut = file.substr(0, n);
    const size_t rows = row_wall_times(cut).size();
    EXPECT_GE(rows, previous);
    previous = rows;
  }
  EXPECT_EQ(previous, 3u);
  // random bytes, and random bytes after valid records, never read as rows
  std::mt19937 gen(5);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string noise(gen() % 64, '\0');
    for (char& c : noise)
      c = static_cast<char>(gen());
    EXPECT_TRUE(row_wall_times(noise).empty());
    EXPECT_EQ(row_wall_times(file + noise).size(), 3u);
  }
}

TEST(TensorBoard, RowsMustBeNumbersMatchingTheHeader) {
  if (!tensorboard_available()) GTEST_SKIP() << "built without protobuf";
  EXPECT_THROW(csv_row_event(0, kHeader, "1,64"), std::invalid_argument);
  EXPECT_THROW(csv_row_event(0, kHeader, "1,64,x"), std::invalid_argument);
  EXPECT_THROW(csv_row_event(0, kHeader, "1,64,2 "), std::invalid_argument);
  EXPECT_FALSE(csv_row_event(0, kHeader, "1,64,nan").empty());
}

TEST(TensorBoard, ResumeRewritesTheFileToTheKeptRowsWithTheirTimes) {
  if (!tensorboard_available()) GTEST_SKIP() << "built without protobuf";
  ScratchDir dir("tb");
  const nlohmann::json config = {{"env", "cartpole"}, {"seed", 3}};
  std::string path;
  {
    TensorBoardLog log(dir.str(), config, kHeader, {});
    for (int it = 1; it <= 4; ++it)
      log.append_row(std::to_string(it) + ",64,0.5");
    log.sync();
    path = log.path();
  }
  EXPECT_EQ(event_file(dir.str()), path);
  const auto before = row_wall_times(slurp(path));
  ASSERT_EQ(before.size(), 4u);

  // the resume keeps rows 1 and 2 (log.csv lost the rest): the same file, those rows only
  {
    TensorBoardLog log(dir.str(), config, kHeader, {"1,64,0.5", "2,128,0.5"});
    EXPECT_EQ(log.path(), path);
    log.append_row("3,192,0.75");
  }
  EXPECT_EQ(event_file(dir.str()), path);
  const auto after = row_wall_times(slurp(path));
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after.at(1), before.at(1));
  EXPECT_EQ(after.at(2), before.at(2));
  EXPECT_GE(after.at(3), before.at(4));
}

}  // namespace
}  // namespace stampede
