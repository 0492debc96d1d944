// The act kernel and the learner kernels against their CPU twins: one fused act step against the
// same HD calls made on the host; one minibatch gradient of the fused and the cuBLAS paths against
// minibatch_loss_grad for every objective and both action heads; a whole update (K epochs, Adam,
// mean KL, adaptive beta, explained variance) against ppo_update_cpu.
#include <gtest/gtest.h>

#include "envs/tasks.hpp"
#include "gpu_test_common.hpp"
#include "host/bench.hpp"
#include "ppo/distributions.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {
namespace {

using testing::GpuTest;
using testing::rel_error;
using testing::small_config;

class UpdateTest : public GpuTest {};

TEST_F(UpdateTest, ActStepMatchesCpuTwin) {
  for (const char* name : {"cartpole", "pendulum"}) {
    TrainConfig c = small_config(name, 2000, 4);
    CudaBackend b(c);
    const TrainState s = initial_train_state(c);
    b.begin_iteration(IterationControl{0, c.learning_rate});
    b.act_step(0);
    const RolloutBuffer r = b.download_rollout();
    const PolicyLayout L = make_policy_layout(c);
    const EnvSpec spec = task_spec(Task(name));
    std::vector<float> obs, act, logp, val;
    for (int i = 0; i < c.num_envs; ++i) {
      float x[kMaxLayerWidth], h[kMaxHeadDim], v, scratch[2 * kMaxLayerWidth];
      for (int d = 0; d < L.obs_dim; ++d) {
        x[d] = normalize_obs(s.env_obs[i * L.obs_dim + d], float(s.obs_mean[d]),
                             float(s.obs_var[d]), c.obs_clip);
        obs.push_back(x[d]);
      }
      mlp_forward_row(s.params.data(), L.actor, x, h, scratch);
      Rng rng(c.seed, RngPurpose::kAction, i, 0);
      if (L.discrete()) {
        float lp[kMaxHeadDim];
        log_softmax(h, L.head_dim(), lp);
        const int a = categorical_sample(lp, L.head_dim(), rng.uniform());
        act.push_back(float(a));
        logp.push_back(lp[a]);
      } else {
        const float* ls = s.params.data() + L.log_std_offset();
        float a[kMaxHeadDim];
        for (int j = 0; j < L.act_dim; ++j)
          a[j] = h[j] + std::exp(ls[j]) * rng.normal();
        act.insert(act.end(), a, a + L.act_dim);
        logp.push_back(gaussian_log_prob(h, ls, a, L.act_dim));
      }
      mlp_forward_row(s.params.data() + L.critic_offset(), L.critic, x, &v, scratch);
      val.push_back(v);
    }
    (void)spec;
    auto slice = [&](const std::vector<float>& v, size_t width) {
      return std::vector<float>(v.begin(), v.begin() + c.num_envs * width);
    };
    EXPECT_LE(rel_error(slice(r.obs, L.obs_dim), obs), 1e-5) << name;
    EXPECT_EQ(slice(r.actions, L.act_dim).size(), act.size());
    EXPECT_LE(rel_error(slice(r.actions, L.act_dim), act), 1e-5) << name;
    EXPECT_LE(rel_error(slice(r.logp, 1), logp), 1e-5) << name;
    EXPECT_LE(rel_error(slice(r.values, 1), val), 1e-5) << name;
  }
}

// one epoch, one minibatch covering the batch of `c`, from perturbed initial parameters (so
// every term is live): the gradient of the GPU path's update vs minibatch_loss_grad on the CPU
double minibatch_grad_error(TrainConfig c, UpdatePath path, uint64_t seed) {
  c.epochs = 1;
  c.minibatch_size = c.num_envs * c.num_steps;
  CudaBackendOptions o;
  o.path = path;
  CudaBackend b(c, o);
  const PolicyLayout L = make_policy_layout(c);
  TrainState s = initial_train_state(c);
  Rng rng(seed, RngPurpose::kEval, 0, 0);
  for (float& p : s.params)
    p += 0.05f * rng.normal();
  s.beta = 0.7f;
  b.load_state(s);
  const RolloutBuffer r = random_update_rollout(L, c.num_steps, c.num_envs, seed + 1);
  b.upload_rollout(r);
  b.begin_iteration(IterationControl{3, 1e-4f});
  b.update();
  const std::vector<float> gpu = b.download_grad();

  std::vector<int32_t> perm;
  shuffle_indices(c.seed, 3, r.size(), &perm);
  EXPECT_EQ(b.download_perm(), perm);
  std::vector<float> cpu(L.num_params(), 0.0f);
  std::vector<float> old_log_std(std::max(1, L.act_dim));
  if (!L.discrete()) {
    for (int j = 0; j < L.act_dim; ++j)
      old_log_std[j] = s.params[L.log_std_offset() + j];
  }
  minibatch_loss_grad(c, L, r, perm.data(), c.minibatch_size, s.params.data(), old_log_std.data(),
                      s.beta, cpu.data());
  return rel_error(gpu, cpu);
}

void check_minibatch_grad(const std::string& env, const std::string& objective, UpdatePath path,
                          int width) {
  TrainConfig c = small_config(env, 256, 8);
  c.objective = objective;
  c.actor_hidden = {width, width};
  c.critic_hidden = {width, width};
  EXPECT_LE(minibatch_grad_error(c, path, 21), 1e-4)
      << env << " " << objective << " width " << width
      << (path == UpdatePath::kFused ? " fused" : " cublas");
}

TEST_F(UpdateTest, FusedMinibatchGradientMatchesCpu) {
  for (const char* env : {"cartpole", "pendulum"}) {
    for (const char* obj : {"clip", "kl_adaptive", "kl_fixed", "none"}) {
      check_minibatch_grad(env, obj, UpdatePath::kFused, 64);
    }
  }
  check_minibatch_grad("cartpole", "clip", UpdatePath::kFused, 128);
}

// the fused path on shapes the register tiles must pad: widths that are not multiples of 4,
// 1 and 4 hidden layers, 128 wide, a continuous head of several actions, a minibatch that ends
// in a partial tile
void check_fused_grad_shape(const std::string& env, const std::string& objective,
                            const std::vector<int>& actor_hidden,
                            const std::vector<int>& critic_hidden, int n, int t) {
  TrainConfig c = small_config(env, n, t);
  c.objective = objective;
  c.actor_hidden = actor_hidden;
  c.critic_hidden = critic_hidden;
  c.ent_coef = 0.01f;   // the entropy gradient is live
  c.value_clip = 0.2f;  // and the clipped value loss
  EXPECT_LE(minibatch_grad_error(c, UpdatePath::kFused, 23), 1e-4)
      << env << " " << objective << " rows " << n * t;
}

TEST_F(UpdateTest, FusedMinibatchGradientMatchesCpuOnOtherShapes) {
  check_fused_grad_shape("pendulum", "clip", {128, 128}, {128, 128}, 256, 8);
  check_fused_grad_shape("pendulum", "kl_adaptive", {5}, {3, 7}, 250, 8);
  check_fused_grad_shape("reacher", "clip", {37, 100, 20}, {128}, 125, 8);
  check_fused_grad_shape("acrobot", "kl_fixed", {64, 64, 64, 64}, {16, 16}, 200, 5);
  check_fused_grad_shape("cartpole", "clip", {128, 128}, {64, 64}, 333, 3);
}

// same inputs, same launch shape: the fused gradient is bit-identical from run to run
TEST_F(UpdateTest, FusedGradientIsBitIdentical) {
  TrainConfig c = small_config("pendulum", 256, 8);
  c.epochs = 1;
  c.minibatch_size = c.num_envs * c.num_steps;
  CudaBackendOptions o;
  o.path = UpdatePath::kFused;
  CudaBackend b(c, o);
  const PolicyLayout L = make_policy_layout(c);
  const TrainState s = initial_train_state(c);
  const RolloutBuffer r = random_update_rollout(L, c.num_steps, c.num_envs, 8);
  std::vector<float> grads[2];
  for (std::vector<float>& g : grads) {
    b.load_state(s);
    b.upload_rollout(r);
    b.begin_iteration(IterationControl{1, 1e-4f});
    b.update();
    g = b.download_grad();
  }
  EXPECT_EQ(grads[0], grads[1]);
}

TEST_F(UpdateTest, CublasMinibatchGradientMatchesCpu) {
  for (const char* env : {"cartpole", "pendulum"}) {
    for (const char* obj : {"clip", "kl_adaptive", "kl_fixed", "none"}) {
      check_minibatch_grad(env, obj, UpdatePath::kCublas, 64);
    }
  }
  check_minibatch_grad("pendulum", "clip", UpdatePath::kCublas, 256);
}

// K epochs x minibatches, Adam, mean KL, beta and explained variance against ppo_update_cpu
TEST_F(UpdateTest, WholeUpdateMatchesPpoUpdateCpu) {
  for (UpdatePath path : {UpdatePath::kFused, UpdatePath::kCublas}) {
    for (const char* env : {"cartpole", "pendulum"}) {
      TrainConfig c = small_config(env, 128, 8);
      c.objective = "kl_adaptive";
      CudaBackendOptions o;
      o.path = path;
      CudaBackend b(c, o);
      const PolicyLayout L = make_policy_layout(c);
      const TrainState s = initial_train_state(c);
      const RolloutBuffer r = random_update_rollout(L, c.num_steps, c.num_envs, 9);
      b.upload_rollout(r);
      b.begin_iteration(IterationControl{2, 2e-4f});
      b.update();
      b.finish_iteration();
      const IterationStats gs = b.read_stats();
      const TrainState after = b.save_state();

      LearnerState learner{s.params, s.adam_m, s.adam_v, s.adam_step, s.beta};
      const IterationStats cs = ppo_update_cpu(c, L, r, 2, 2e-4f, &learner);
      EXPECT_LE(rel_error(after.params, learner.params), 1e-4) << env;
      EXPECT_NEAR(gs.policy_loss, cs.policy_loss, 1e-4 * (1 + std::fabs(cs.policy_loss))) << env;
      EXPECT_NEAR(gs.value_loss, cs.value_loss, 1e-4 * (1 + std::fabs(cs.value_loss))) << env;
      EXPECT_NEAR(gs.entropy, cs.entropy, 1e-5 * (1 + std::fabs(cs.entropy))) << env;
      EXPECT_NEAR(gs.kl, cs.kl, 1e-4 * std::fabs(cs.kl) + 1e-7) << env;
      EXPECT_NEAR(gs.clip_frac, cs.clip_frac, 1e-3) << env;
      EXPECT_NEAR(gs.grad_norm, cs.grad_norm, 1e-4 * cs.grad_norm) << env;
      EXPECT_NEAR(gs.explained_var, cs.explained_var, 1e-5) << env;
      EXPECT_EQ(gs.beta, cs.beta) << env;
      EXPECT_EQ(gs.nonfinite, 0);
    }
  }
}

}  // namespace
}  // namespace stampede
