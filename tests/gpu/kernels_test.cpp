// Each kernel against its CPU twin on fresh random inputs, outputs poisoned with NaN beforehand.
// Tolerance: relative error <= 1e-5 in fp32 (relative to the reference's scale; see rel_error)
// where the GPU runs the same HD function as the CPU and only libm ULPs and FMA contraction
// differ. Gradients are sums over a minibatch in a different order (tiles and blocks vs. samples
// in turn), so they are checked at 1e-4 of their scale.
#include <gtest/gtest.h>

#include "envs/core/env_batch.hpp"
#include "envs/tasks.hpp"
#include "gpu_test_common.hpp"
#include "host/cpu/update_cpu.hpp"
#include "kernels/adam.hpp"
#include "kernels/advantage.hpp"
#include "kernels/running_moments.hpp"
#include "kernels/shuffle.hpp"
#include "ppo/adam.hpp"
#include "ppo/running_stats.hpp"
#include "support/rollouts.hpp"

namespace stampede {
namespace {

using testing::GpuTest;
using testing::nan_vector;
using testing::rel_error;
using testing::small_config;

class KernelTest : public GpuTest {};

// `warmup` CPU steps under random actions first, so that the compared step starts mid-episode
// (the walkers on the floor, in contact, rather than in the air where they are reset)
template <class Env>
void check_env_step(const Env& env, const std::string& name, double tol = 1e-5, int warmup = 0) {
  const int n = warmup > 0 ? 512 : 4096;  // fewer when the CPU must step them first
  TrainConfig config = small_config(name, n);
  TrainState s = initial_train_state(config);
  Rng rng(99, RngPurpose::kEval, 0, 0);
  if (warmup > 0) {
    HostEnvBatch warm = env_batch_of<Env>(s);
    const EnvBatch wb = env_batch_view(warm);
    float a[Env::kActDim];
    for (int t = 0; t < warmup; ++t) {
      for (int i = 0; i < n; ++i) {
        for (float& x : a)
          x = rng.uniform(-1.f, 1.f);
        step_env(env, wb, i, a, 5, static_cast<uint64_t>(t));
      }
    }
    store_env_batch(warm, &s);
  }
  // random mid-episode lengths so some envs truncate
  for (int i = 0; i < n; ++i)
    s.episode_length[i] = static_cast<int>(rng.uniform() * env.max_episode_steps());
  std::vector<float> actions(static_cast<size_t>(n) * Env::kActDim);
  for (float& a : actions)
    a = Env::kNumActions ? float(int(rng.uniform() * Env::kNumActions)) : rng.uniform(-2.f, 2.f);

  // CPU twin
  HostEnvBatch cpu = env_batch_of<Env>(s);
  const EnvBatch b = env_batch_view(cpu);
  for (int i = 0; i < n; ++i)
    step_env(env, b, i, &actions[i * Env::kActDim], 5, 1234);

  // the device starts from the same batch, its outputs poisoned
  HostEnvBatch start = env_batch_of<Env>(s);
  std::fill(start.reward.begin(), start.reward.end(), std::nanf(""));
  std::fill(start.terminated.begin(), start.terminated.end(), 7);
  std::fill(start.truncated.begin(), start.truncated.end(), 7);
  cudaStream_t st = nullptr;
  DeviceEnvBatch dev;
  upload_storage(start, &dev, st);
  DeviceBuffer<float> d_act;
  DeviceBuffer<int64_t> d_step;
  d_act.upload(actions, st);
  d_step.upload(std::vector<int64_t>{1200}, st);
  EnvStepParams p;
  p.batch = env_batch_view(dev);
  p.actions = d_act.get();
  p.seed = 5;
  p.step_base = d_step.get();
  p.step_offset = 34;
  DeviceEnvStep(Task(name), nullptr, st).launch(p, st);
  HostEnvBatch got;
  download_storage(dev, &got, st);

  EXPECT_LE(rel_error(got.state, cpu.state), tol) << name;
  EXPECT_LE(rel_error(got.obs, cpu.obs), tol) << name;
  EXPECT_LE(rel_error(got.final_obs, cpu.final_obs), tol) << name;
  EXPECT_LE(rel_error(got.reward, cpu.reward), tol) << name;
  EXPECT_EQ(got.terminated, cpu.terminated) << name;
  EXPECT_EQ(got.truncated, cpu.truncated) << name;
  EXPECT_EQ(got.episode_length, cpu.episode_length) << name;
  EXPECT_EQ(got.done_count, cpu.done_count) << name;
  EXPECT_LE(rel_error(got.done_return_sum, cpu.done_return_sum), tol) << name;
}

TEST_F(KernelTest, EnvStepMatchesCpuForEveryClassicTask) {
  for (const Task task : all_tasks()) {
    if (task.is_mujoco()) continue;
    visit_env(task, [&](auto env) { check_env_step(env, std::string(task.name())); });
  }
}

// the MuJoCo tasks: frame_skip RK4 steps of the engine per env step, each with a Newton solve;
// fp32 on both sides, but the device contracts multiply-adds differently, hence 1e-4
TEST_F(KernelTest, EnvStepMatchesCpuForEveryMujocoTask) {
  for (const Task task : all_tasks()) {
    if (!task.is_mujoco()) continue;
    visit_env(task, [&](auto env) { check_env_step(env, std::string(task.name()), 1e-4); });
  }
}

// the same after 12 steps under random actions, when the walkers have landed (their random-action
// episodes last about 21 steps): contacts, friction rows and the solver's active set on both
// sides. Contact states amplify the device's different rounding (fused multiply-adds, libm):
// MuJoCo's own solver output moves by up to 1e-3 under a 1e-7 change of such a state (the
// physics goldens' solver_sensitivity), hence 2e-3 here
TEST_F(KernelTest, EnvStepMatchesCpuForEveryMujocoTaskMidEpisode) {
  for (const Task task : all_tasks()) {
    if (!task.is_mujoco()) continue;
    visit_env(task, [&](auto env) { check_env_step(env, std::string(task.name()), 2e-3, 12); });
  }
}

TEST_F(KernelTest, AdvantageMatchesGaeOneEnv) {
  RolloutBuffer r = testing::random_rollout(64, 1000, 3, 0.05f, 0.03f);
  RolloutBuffer cpu = r;
  compute_advantages_cpu(&cpu, 0.99f, 0.95f);

  cudaStream_t st = nullptr;
  std::fill(r.advantages.begin(), r.advantages.end(), std::nanf(""));
  std::fill(r.returns.begin(), r.returns.end(), std::nanf(""));
  DeviceRollout dev;
  upload_storage(r, &dev, st);
  AdvantageParams p;
  p.rollout = rollout_view(dev);
  p.gamma = 0.99f;
  p.lambda = 0.95f;
  launch_advantage(p, st);
  EXPECT_LE(rel_error(dev.advantages.download(st), cpu.advantages), 1e-5);
  EXPECT_LE(rel_error(dev.returns.download(st), cpu.returns), 1e-5);
}

TEST_F(KernelTest, ShuffleEqualsCpuPermutation) {
  for (int count : {1, 1000, 65536 + 17}) {
    std::vector<int32_t> cpu;
    shuffle_indices(11, 3 * 4 + 2, count, &cpu);
    cudaStream_t st = nullptr;
    DeviceBuffer<uint32_t> ki(count), ko(count);
    DeviceBuffer<int32_t> ii(count), perm(count);
    DeviceBuffer<uint8_t> temp(std::max<size_t>(1, shuffle_temp_bytes(count)));
    DeviceBuffer<DeviceControl> control;
    DeviceControl c;
    c.iteration = 3;
    control.upload(std::vector<DeviceControl>{c}, st);
    perm.upload(std::vector<int32_t>(count, -1), st);
    ShuffleParams p{count,    11,       4,          2,          control.get(), ki.get(),
                    ko.get(), ii.get(), perm.get(), temp.get(), temp.size()};
    launch_shuffle(p, st);
    EXPECT_EQ(perm.download(st), cpu) << count;
  }
}

TEST_F(KernelTest, RunningMomentsMatchCpuMerge) {
  const int rows = 100003, dim = 5;
  std::vector<float> x(static_cast<size_t>(rows) * dim);
  Rng rng(4, RngPurpose::kEval, 0, 0);
  for (size_t k = 0; k < x.size(); ++k)
    x[k] = 3.0f * rng.normal() + static_cast<float>(k % dim);
  std::vector<double> mean(dim, 0.5), var(dim, 2.0);
  double count = 17.0;
  cudaStream_t st = nullptr;
  DeviceBuffer<float> dx;
  DeviceBuffer<double> dmean, dvar, dcount, partials(static_cast<size_t>(kMomentChunks) * dim * 3);
  dx.upload(x, st);
  dmean.upload(mean, st);
  dvar.upload(var, st);
  dcount.upload(std::vector<double>{count}, st);
  for (int d = 0; d < dim; ++d) {  // CPU twin: two-pass batch moments, then merge
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < rows; ++i)
      sum += x[static_cast<size_t>(i) * dim + d];
    const double bm = sum / rows;
    for (int i = 0; i < rows; ++i)
      sq += (x[static_cast<size_t>(i) * dim + d] - bm) * (x[static_cast<size_t>(i) * dim + d] - bm);
    merge_moments(&mean[d], &var[d], count, bm, sq / rows, rows);
  }
  MomentsParams p{rows, dim, dx.get(), partials.get(), dmean.get(), dvar.get(), dcount.get()};
  launch_running_moments(p, st);
  EXPECT_LE(rel_error(dmean.download(st), mean), 1e-9);
  EXPECT_LE(rel_error(dvar.download(st), var), 1e-9);
  EXPECT_EQ(dcount.download(st)[0], count + rows);
}

TEST_F(KernelTest, AdamWithClippingMatchesCpu) {
  const int64_t n = 50000;
  Rng rng(8, RngPurpose::kEval, 0, 0);
  std::vector<float> param(n), m(n), v(n), g(n);
  for (int64_t k = 0; k < n; ++k) {
    param[k] = rng.normal();
    m[k] = 0.1f * rng.normal();
    v[k] = rng.uniform();
    g[k] = rng.normal();
  }
  cudaStream_t st = nullptr;
  DeviceBuffer<float> dp, dm, dv, dg;
  DeviceBuffer<double> sq(256);
  DeviceBuffer<LossTerms> terms;
  DeviceBuffer<DeviceControl> control;
  DeviceBuffer<DeviceLearner> learner;
  dp.upload(param, st);
  dm.upload(m, st);
  dv.upload(v, st);
  dg.upload(g, st);
  terms.upload(std::vector<LossTerms>(1), st);
  DeviceControl c;
  c.adam_step = 41;
  c.learning_rate = 1e-3f;
  control.upload(std::vector<DeviceControl>{c}, st);
  learner.upload(std::vector<DeviceLearner>{DeviceLearner{}}, st);
  int sq_count = 0;
  launch_grad_sumsq(dg.get(), n, sq.get(), &sq_count, st);
  AdamParams p;
  p.num_params = n;
  p.params = dp.get();
  p.adam_m = dm.get();
  p.adam_v = dv.get();
  p.grad = dg.get();
  p.sq_partials = sq.get();
  p.sq_count = sq_count;
  p.term_partials = terms.get();
  p.term_count = 1;
  p.control = control.get();
  p.step_offset = 2;
  p.max_grad_norm = 0.5f;
  p.learner = learner.get();
  launch_adam(p, st);

  double sumsq = 0.0;
  for (float x : g)
    sumsq += static_cast<double>(x) * x;
  const float norm = static_cast<float>(std::sqrt(sumsq));
  const AdamStep step = make_adam_step(1e-3f, 0.9f, 0.999f, 1e-5f, 43, clip_scale(norm, 0.5f));
  for (int64_t k = 0; k < n; ++k)
    adam_update(step, g[k], &param[k], &m[k], &v[k]);
  EXPECT_LE(rel_error(dp.download(st), param), 1e-5);
  EXPECT_LE(rel_error(dm.download(st), m), 1e-5);
  EXPECT_LE(rel_error(dv.download(st), v), 1e-5);
  EXPECT_NEAR(learner.download(st)[0].grad_norm_sum, norm, 1e-5 * norm);
}

}  // namespace
}  // namespace stampede
