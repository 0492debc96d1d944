// Every task of the task list (envs/tasks.hpp) against the environment contract
// (envs/core/env_api.hpp), through the batched driver both backends run: names resolve to the
// task, its spec matches its type, resets are a pure function of (seed, env, step), and under
// random actions in its action space every observation and reward stays finite, episodes end by
// termination or exactly at the time limit, and the episode bookkeeping adds up. A task added to
// the list is checked here without touching this file.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"

namespace stampede {
namespace {

template <class Env>
void check_names_and_spec() {
  const Task task = task_of<Env>();
  EXPECT_EQ(task.name(), Env::kName);
  EXPECT_EQ(task.gym_id(), Env::kGymId);
  EXPECT_EQ(Task(Env::kName), task);
  EXPECT_EQ(Task(Env::kGymId), task);
  EXPECT_EQ(task.is_mujoco(), PhysicsTask<Env>);
  const EnvSpec spec = task_spec(task);
  EXPECT_EQ(spec.task, task);
  EXPECT_EQ(spec.state_dim, Env::kStateDim);
  EXPECT_EQ(spec.obs_dim, Env::kObsDim);
  EXPECT_EQ(spec.act_dim, Env::kActDim);
  EXPECT_EQ(spec.num_actions, Env::kNumActions);
  EXPECT_GT(spec.max_episode_steps, 0);
  if (Env::kNumActions == 0) {
    ASSERT_EQ(spec.action_low.size(), static_cast<size_t>(Env::kActDim));
    for (int j = 0; j < Env::kActDim; ++j)
      EXPECT_LT(spec.action_low[j], spec.action_high[j]) << Env::kName;
  }
}

template <class Env>
void check_episodes(const Env& env) {
  const EnvSpec spec = task_spec(task_of<Env>());
  constexpr int kEnvs = 8;
  constexpr uint64_t kSeed = 21;
  auto envs = HostEnvBatch::of<Env>(kEnvs);
  const EnvBatch b = env_batch_view(envs);
  for (int i = 0; i < kEnvs; ++i)
    reset_env(env, b, i, kSeed, 0);
  // a reset depends only on (seed, env, step)
  auto again = HostEnvBatch::of<Env>(kEnvs);
  const EnvBatch b2 = env_batch_view(again);
  for (int i = kEnvs - 1; i >= 0; --i)
    reset_env(env, b2, i, kSeed, 0);
  EXPECT_EQ(envs.state, again.state) << Env::kName;
  EXPECT_NE(
      std::vector<float>(envs.obs.begin(), envs.obs.begin() + Env::kObsDim),
      std::vector<float>(envs.obs.begin() + Env::kObsDim, envs.obs.begin() + 2 * Env::kObsDim))
      << Env::kName << ": two envs reset to the same observation";

  Rng actions(kSeed, RngPurpose::kEval, 0, 0);
  std::vector<int> lengths(kEnvs, 0);
  std::vector<int> episodes(kEnvs, 0);
  const int steps = spec.max_episode_steps + 5;
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < kEnvs; ++i) {
      float a[Env::kActDim];
      for (int j = 0; j < Env::kActDim; ++j) {
        a[j] = Env::kNumActions > 0
                   ? static_cast<float>(static_cast<int>(actions.uniform() * Env::kNumActions))
                   : actions.uniform(spec.action_low[j], spec.action_high[j]);
      }
      step_env(env, b, i, a, kSeed, static_cast<uint64_t>(t));
      ASSERT_TRUE(std::isfinite(envs.reward[i])) << Env::kName << " step " << t;
      for (int k = 0; k < Env::kObsDim; ++k)
        ASSERT_TRUE(std::isfinite(envs.obs[i * Env::kObsDim + k])) << Env::kName << " step " << t;
      ++lengths[i];
      const bool done = envs.terminated[i] || envs.truncated[i];
      ASSERT_FALSE(envs.terminated[i] && envs.truncated[i]) << Env::kName;
      // truncation is the time limit, exactly
      EXPECT_EQ(envs.truncated[i] != 0, !envs.terminated[i] && lengths[i] == spec.max_episode_steps)
          << Env::kName << " env " << i << " step " << t;
      ASSERT_LE(lengths[i], spec.max_episode_steps) << Env::kName;
      if (done) {
        ++episodes[i];
        lengths[i] = 0;
        EXPECT_EQ(envs.episode_length[i], 0) << Env::kName;  // reset in place
      } else {
        EXPECT_EQ(envs.episode_length[i], lengths[i]) << Env::kName;
      }
    }
  }
  for (int i = 0; i < kEnvs; ++i) {
    EXPECT_GE(episodes[i], 1) << Env::kName << ": no episode ended within the time limit";
    EXPECT_EQ(envs.done_count[i], episodes[i]) << Env::kName;
    EXPECT_TRUE(std::isfinite(envs.done_return_sum[i])) << Env::kName;
  }
}

TEST(TaskContract, EveryListedTaskResolvesAndDescribesItself) {
  int count = 0;
  AllTasks::for_each([&](auto type) {
    check_names_and_spec<typename decltype(type)::type>();
    ++count;
  });
  EXPECT_EQ(count, AllTasks::kSize);
  EXPECT_EQ(static_cast<int>(all_tasks().size()), AllTasks::kSize);
  EXPECT_FALSE(Task::find("no-such-task").has_value());
}

TEST(TaskContract, EveryListedTaskRunsEpisodesThroughTheBatchedDriver) {
  for (const Task task : all_tasks()) {
    SCOPED_TRACE(std::string(task.name()));
    visit_env(task, [](auto env) { check_episodes(env); });
  }
}

}  // namespace
}  // namespace stampede
