// Structure-of-arrays storage (core/arrays.hpp) as the rollout and the environment batch use it:
// resizing sizes every field from the one field list, a view points into the storage, and
// pairing two storages visits the same fields in the same order.
#include <gtest/gtest.h>

#include "envs/core/env_batch.hpp"
#include "ppo/rollout.hpp"

namespace stampede {
namespace {

TEST(Arrays, ResizeSizesEveryRolloutField) {
  RolloutBuffer r;
  r.resize(RolloutShape{5, 3, 4, 2, 6});
  EXPECT_EQ(r.size(), 15);
  EXPECT_EQ(r.obs.size(), 60u);
  EXPECT_EQ(r.actions.size(), 30u);
  EXPECT_EQ(r.dist.size(), 90u);
  EXPECT_EQ(r.last_values.size(), 3u);
  for (size_t k = 0; k < r.returns.size(); ++k)
    EXPECT_EQ(r.returns[k], 0.0f);
  int fields = 0;
  for_each_field(RolloutBuffer::fields(r), [&](auto& f) {
    EXPECT_EQ(static_cast<int64_t>(f.array.size()), f.count);
    ++fields;
  });
  EXPECT_EQ(fields, 12);
}

TEST(Arrays, ViewsPointIntoTheirStorage) {
  RolloutBuffer r;
  r.resize(RolloutShape{2, 2, 1, 1, 1});
  const RolloutView v = rollout_view(r);
  EXPECT_EQ(v.shape.steps, 2);
  EXPECT_EQ(v.obs, r.obs.data());
  EXPECT_EQ(v.truncated, r.truncated.data());
  EXPECT_EQ(v.returns, r.returns.data());
  v.advantages[3] = 7.0f;
  EXPECT_EQ(r.advantages[3], 7.0f);
}

struct Tiny {
  static constexpr int kStateDim = 3, kObsDim = 2;
};

TEST(Arrays, EnvBatchStorageOfAnEnvironmentType) {
  auto envs = HostEnvBatch::of<Tiny>(4);
  EXPECT_EQ(envs.num_envs(), 4);
  EXPECT_EQ(envs.state.size(), 12u);
  EXPECT_EQ(envs.obs.size(), 8u);
  EXPECT_EQ(envs.bad_state_resets.size(), 4u);
  envs.done_count[2] = 5;
  envs.done_return_sum[1] = 2.0f;
  envs.episode_length[0] = 9;
  clear_episode_stats(envs);
  EXPECT_EQ(envs.done_count[2], 0);
  EXPECT_EQ(envs.done_return_sum[1], 0.0f);
  EXPECT_EQ(envs.episode_length[0], 9);  // the running episode is not an accumulator
  const EnvBatch b = env_batch_view(envs);
  EXPECT_EQ(b.num_envs(), 4);
  EXPECT_EQ(b.state, envs.state.data());
}

TEST(Arrays, PairedStoragesVisitTheSameFieldsInOrder) {
  RolloutBuffer a, b;
  a.resize(RolloutShape{3, 2, 2, 1, 2});
  b.resize(a.shape);
  for_each_field(RolloutBuffer::fields(a), [k = 0](auto& f) mutable {
    for (auto& x : f.array)
      x = static_cast<std::decay_t<decltype(x)>>(++k % 100);
  });
  for_each_pair(RolloutBuffer::fields(b), RolloutBuffer::fields(a),
                [](auto& to, auto& from) { to.array = from.array; });
  EXPECT_EQ(a.obs, b.obs);
  EXPECT_EQ(a.terminated, b.terminated);
  EXPECT_EQ(a.returns, b.returns);
}

}  // namespace
}  // namespace stampede
