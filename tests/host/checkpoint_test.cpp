// Checkpoint format: round trip, and every way a file can be bad gives a clear UsageError.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "host/checkpoint.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::ScratchDir;

Checkpoint small_checkpoint() {
  TrainConfig config;
  config.env = Task("pendulum");
  config.num_envs = 3;
  config.actor_hidden = {8};
  config.critic_hidden = {5, 4};
  Checkpoint ck{config, initial_train_state(config)};
  ck.state.iteration = 7;
  ck.state.global_step = 99;
  ck.state.adam_step = 42;
  ck.state.beta = 0.25f;
  ck.state.obs_count = 123.5;
  ck.state.ret_var = 3.5;
  for (size_t k = 0; k < ck.state.adam_m.size(); ++k)
    ck.state.adam_m[k] = 0.001f * k;
  ck.state.episode_length = {1, 2, 3};
  return ck;
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string load_error(const std::string& path) {
  try {
    load_checkpoint(path);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, RoundTripKeepsEveryField) {
  ScratchDir dir("ckpt");
  const Checkpoint ck = small_checkpoint();
  save_checkpoint(dir.sub("c.bin"), ck);
  const Checkpoint back = load_checkpoint(dir.sub("c.bin"));
  EXPECT_EQ(to_json(back.config), to_json(ck.config));
  EXPECT_EQ(back.state.iteration, 7);
  EXPECT_EQ(back.state.global_step, 99);
  EXPECT_EQ(back.state.adam_step, 42);
  EXPECT_EQ(back.state.beta, 0.25f);
  EXPECT_EQ(back.state.obs_count, 123.5);
  EXPECT_EQ(back.state.ret_var, 3.5);
  EXPECT_EQ(back.state.params, ck.state.params);
  EXPECT_EQ(back.state.adam_m, ck.state.adam_m);
  EXPECT_EQ(back.state.adam_v, ck.state.adam_v);
  EXPECT_EQ(back.state.obs_mean, ck.state.obs_mean);
  EXPECT_EQ(back.state.env_state, ck.state.env_state);
  EXPECT_EQ(back.state.env_obs, ck.state.env_obs);
  EXPECT_EQ(back.state.episode_length, ck.state.episode_length);
  // the write went through a temporary file that is gone now
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.str())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(Checkpoint, OverwriteReplacesWholeFile) {
  ScratchDir dir("ckpt");
  Checkpoint ck = small_checkpoint();
  save_checkpoint(dir.sub("c.bin"), ck);
  ck.state.iteration = 8;
  ck.state.params[0] = 5.0f;
  save_checkpoint(dir.sub("c.bin"), ck);
  const Checkpoint back = load_checkpoint(dir.sub("c.bin"));
  EXPECT_EQ(back.state.iteration, 8);
  EXPECT_EQ(back.state.params[0], 5.0f);
}

TEST(Checkpoint, MissingFileIsAUsageError) {
  ScratchDir dir("ckpt");
  EXPECT_NE(load_error(dir.sub("nope.bin")).find("does not exist"), std::string::npos);
}

TEST(Checkpoint, FlippedByteFailsTheChecksum) {
  ScratchDir dir("ckpt");
  save_checkpoint(dir.sub("c.bin"), small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.sub("c.bin"));
  bytes[bytes.size() / 2] ^= 0x40;
  write_bytes(dir.sub("c.bin"), bytes);
  EXPECT_NE(load_error(dir.sub("c.bin")).find("corrupt"), std::string::npos);
}

TEST(Checkpoint, TruncatedFileIsRejected) {
  ScratchDir dir("ckpt");
  save_checkpoint(dir.sub("c.bin"), small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.sub("c.bin"));
  for (size_t keep : {size_t{0}, size_t{10}, bytes.size() / 3, bytes.size() - 1}) {
    write_bytes(dir.sub("t.bin"), std::vector<char>(bytes.begin(), bytes.begin() + keep));
    EXPECT_FALSE(load_error(dir.sub("t.bin")).empty()) << "kept " << keep << " bytes";
  }
}

TEST(Checkpoint, ForeignFileAndNewerVersionAreRejected) {
  ScratchDir dir("ckpt");
  write_bytes(dir.sub("x.bin"), std::vector<char>(100, 'x'));
  EXPECT_NE(load_error(dir.sub("x.bin")).find("not a stampede checkpoint"), std::string::npos);

  save_checkpoint(dir.sub("c.bin"), small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.sub("c.bin"));
  bytes[8] = 9;  // format version field
  write_bytes(dir.sub("c.bin"), bytes);
  EXPECT_NE(load_error(dir.sub("c.bin")).find("format version 9"), std::string::npos);
}

TEST(Checkpoint, ArraysThatDoNotMatchTheConfigAreRejected) {
  ScratchDir dir("ckpt");
  Checkpoint ck = small_checkpoint();
  ck.state.params.pop_back();
  save_checkpoint(dir.sub("c.bin"), ck);
  EXPECT_NE(load_error(dir.sub("c.bin")).find("do not match"), std::string::npos);
}

TEST(Checkpoint, UnwritableLocationThrowsAndLeavesNothing) {
  ScratchDir dir("ckpt");
  EXPECT_THROW(save_checkpoint(dir.sub("missing/dir/c.bin"), small_checkpoint()),
               std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("missing")));
}

}  // namespace
}  // namespace stampede
