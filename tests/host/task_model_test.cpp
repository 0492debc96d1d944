// `train --model FILE`: a MuJoCo task on the user's MJCF instead of its embedded model, the file's
// text carried in checkpoints; and tasks named by their Gymnasium ids.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "envs/tasks.hpp"
#include "host/checkpoint.hpp"
#include "host/eval.hpp"
#include "host/task_model.hpp"
#include "support/test_helpers.hpp"

namespace stampede {
namespace {

using testing::expect_usage_error;
using testing::run_cli_args;
using testing::ScratchDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Swimmer with weaker motors and a narrower control range than Swimmer-v5's
std::string weak_swimmer_xml() {
  const std::string xml =
      read_text(std::string(STAMPEDE_SOURCE_DIR) + "/envs/mujoco/assets/swimmer.xml");
  EXPECT_NE(xml.find("gear=\"150.0\""), std::string::npos);
  EXPECT_NE(xml.find("ctrlrange=\"-1 1\""), std::string::npos);
  return replaced(replaced(xml, "gear=\"150.0\"", "gear=\"90.0\""), "ctrlrange=\"-1 1\"",
                  "ctrlrange=\"-0.5 0.5\"");
}

std::vector<std::string> swimmer_args(const std::string& run_dir, int64_t total_steps) {
  return {"train",
          "--env",
          "swimmer",
          "--device",
          "cpu",
          "--num-envs",
          "4",
          "--num-steps",
          "32",
          "--minibatch-size",
          "64",
          "--total-steps",
          std::to_string(total_steps),
          "--run-dir",
          run_dir,
          "-q"};
}

TEST(TaskModel, GymnasiumIdsNameTheSameTask) {
  EXPECT_EQ(visit_env(Task("CartPole-v1"), [](auto env) { return decltype(env)::kObsDim; }), 4);
  EXPECT_EQ(visit_env(Task("Swimmer-v5"), [](auto env) { return decltype(env)::kObsDim; }), 8);
  // an unknown name is refused where it enters, when the Task handle is made
  EXPECT_THROW(Task("CartPole-v0"), UsageError);

  ScratchDir dir("gym-id");
  const auto r = run_cli_args({"train", "--env", "CartPole-v1", "--device", "cpu", "--num-envs",
                               "4", "--num-steps", "64", "--minibatch-size", "64", "--total-steps",
                               "512", "--run-dir", dir.sub("run"), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Checkpoint ck = load_checkpoint(dir.sub("run/checkpoint.bin"));
  EXPECT_EQ(ck.config.env, "cartpole");
  // CartPole's random-policy episodes last ~20 steps: some must have ended in 512 steps
  EXPECT_GT(evaluate_policy(ck, 2, true, 7).mean, 0.0);
}

TEST(TaskModel, ModelFileDrivesTheTaskAndTravelsInTheCheckpoint) {
  ScratchDir dir("model");
  const std::string model = dir.sub("weak_swimmer.xml");
  std::ofstream(model) << weak_swimmer_xml();

  std::vector<std::string> with_model = swimmer_args(dir.sub("with"), 256);
  with_model.insert(with_model.end(), {"--model", model});
  ASSERT_EQ(run_cli_args(with_model).code, 0);
  ASSERT_EQ(run_cli_args(swimmer_args(dir.sub("without"), 256)).code, 0);

  const Checkpoint a = load_checkpoint(dir.sub("with/checkpoint.bin"));
  const Checkpoint b = load_checkpoint(dir.sub("without/checkpoint.bin"));
  EXPECT_EQ(a.config.model, model);
  EXPECT_EQ(a.config.model_xml, weak_swimmer_xml());
  EXPECT_TRUE(b.config.model_xml.empty());
  EXPECT_NE(a.state.env_state, b.state.env_state) << "the weaker motors must change the motion";
  EXPECT_EQ(task_spec(a.config).action_high, (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(task_spec(b.config).action_high, (std::vector<float>{1.0f, 1.0f}));

  // evaluation and resume use the text in the checkpoint, not the file
  const EvalResult before = evaluate_policy(a, 3, false, 5);
  std::filesystem::remove(model);
  const EvalResult after = evaluate_policy(a, 3, false, 5);
  EXPECT_EQ(before.returns, after.returns);
  const auto resumed =
      run_cli_args({"train", "--resume", dir.sub("with"), "--total-steps", "512", "-q"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(load_checkpoint(dir.sub("with/checkpoint.bin")).config.model_xml, weak_swimmer_xml());
}

TEST(TaskModel, BadModelsAreUsageErrors) {
  ScratchDir dir("model-bad");
  const std::string swimmer = std::string(STAMPEDE_SOURCE_DIR) + "/envs/mujoco/assets/swimmer.xml";
  auto train_with = [&](const std::string& env, const std::string& model) {
    return run_cli_args(
        {"train", "--env", env, "--model", model, "--device", "cpu", "--run-dir", dir.sub("run")});
  };
  expect_usage_error(train_with("cartpole", swimmer), "applies to MuJoCo tasks");
  expect_usage_error(train_with("reacher", swimmer), "does not have the joints");
  expect_usage_error(train_with("swimmer", dir.sub("missing.xml")), "missing.xml");
  std::ofstream(dir.sub("broken.xml")) << "<mujoco>\n<worldbody>\n<body>\n</mujoco>\n";
  expect_usage_error(train_with("swimmer", dir.sub("broken.xml")), "broken.xml");
  EXPECT_FALSE(std::filesystem::exists(dir.sub("run/checkpoint.bin")));

  // a resumed run keeps its model
  ASSERT_EQ(run_cli_args(swimmer_args(dir.sub("run"), 128)).code, 0);
  expect_usage_error(run_cli_args({"train", "--resume", dir.sub("run"), "--model", swimmer}),
                     "cannot be changed when resuming");
}

}  // namespace
}  // namespace stampede
