// Whole-backend checks: CPU/GPU rollout parity on the classic tasks, bit-identical repeat runs
// (graph replay and eager launches included), the device-memory fit check, and CartPole trained
// to >= 475 on the GPU through stampede::train.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "envs/mjcf/loader.hpp"
#include "gpu_test_common.hpp"
#include "host/checkpoint.hpp"
#include "host/eval.hpp"
#include "host/trainer.hpp"
#include "kernels/act.hpp"

namespace stampede {
namespace {

using testing::GpuTest;
using testing::rel_error;
using testing::small_config;

class BackendTest : public GpuTest {};

bool same_bits(const TrainState& a, const TrainState& b) {
  return a.params == b.params && a.adam_m == b.adam_m && a.adam_v == b.adam_v &&
         a.obs_mean == b.obs_mean && a.obs_var == b.obs_var && a.env_state == b.env_state &&
         a.env_obs == b.env_obs && a.episode_length == b.episode_length &&
         a.episode_return == b.episode_return && a.ret_acc == b.ret_acc && a.beta == b.beta;
}

// Same seed -> same trajectories, within fp32 rounding (README, "CPU and GPU results"). One
// iteration: the rollout runs under identical parameters, so sampled actions agree unless a
// uniform draw lands within float rounding of a CDF boundary (vanishingly rare at this size);
// states then differ only by libm ULPs and the device's fused multiply-adds, a few 1e-7 per step
// that chaotic dynamics such as Acrobot's grow to <= 1e-4 after 32 steps. The observation
// statistics average those states, so they carry the same bound; the update after it is
// compared at 1e-4 as well.
TEST_F(BackendTest, RolloutParityWithCpuOnClassicTasks) {
  for (const char* env : {"cartpole", "acrobot", "pendulum", "mountain_car_continuous"}) {
    TrainConfig c = small_config(env, 64, 32);
    c.norm_reward = std::string(env) == "pendulum";  // exercise reward scaling too
    std::unique_ptr<Backend> cpu = make_cpu_backend(c);
    CudaBackend gpu(c);
    const IterationStats cs = cpu->run_iteration(IterationControl{0, c.learning_rate});
    const IterationStats gs = gpu.run_iteration(IterationControl{0, c.learning_rate});
    const TrainState a = cpu->save_state(), b = gpu.save_state();
    EXPECT_EQ(b.episode_length, a.episode_length) << env;
    EXPECT_LE(rel_error(b.env_state, a.env_state), 1e-4) << env;
    EXPECT_LE(rel_error(b.obs_mean, a.obs_mean), 1e-4) << env;
    EXPECT_LE(rel_error(b.obs_var, a.obs_var), 1e-4) << env;
    EXPECT_NEAR(b.ret_var, a.ret_var, 1e-4 * a.ret_var) << env;
    EXPECT_LE(rel_error(b.params, a.params), 1e-4) << env;
    EXPECT_EQ(gs.episodes, cs.episodes) << env;
    EXPECT_NEAR(gs.episode_return_sum, cs.episode_return_sum,
                1e-4 * (1 + std::fabs(cs.episode_return_sum)));
    EXPECT_NEAR(gs.explained_var, cs.explained_var, 1e-4) << env;
    EXPECT_EQ(b.global_step, a.global_step);
    EXPECT_EQ(b.adam_step, a.adam_step);
  }
}

// a MuJoCo task's embedded MJCF asset, as text a test edits into a user's model
std::string task_asset(const std::string& name) {
  std::ifstream in(std::string(STAMPEDE_SOURCE_DIR) + "/envs/mujoco/assets/" + name + ".xml");
  std::ostringstream xml;
  xml << in.rdbuf();
  return xml.str();
}

// `c` with the user's model `xml` (train --model): one iteration on the CPU backend and one on
// the device; their states after it (CPU first)
std::pair<TrainState, TrainState> one_iteration_on_both(TrainConfig c, const std::string& xml) {
  c.model = "user_model.xml";
  c.model_xml = xml;
  std::unique_ptr<Backend> cpu = make_cpu_backend(c);
  CudaBackend gpu(c);
  cpu->run_iteration(IterationControl{0, c.learning_rate});
  gpu.run_iteration(IterationControl{0, c.learning_rate});
  return {cpu->save_state(), gpu.save_state()};
}

// `train --model`: the device steps the user's model (uploaded from the config's text), so the
// GPU follows the CPU on it and departs from the embedded model's run
TEST_F(BackendTest, UserModelRolloutMatchesCpu) {
  const std::string original = task_asset("swimmer");
  std::string weak = original;
  for (size_t at = weak.find("gear=\"150.0\""); at != std::string::npos;
       at = weak.find("gear=\"150.0\"", at))
    weak.replace(at, 12, "gear=\"90.00\"");
  ASSERT_NE(weak, original);

  const TrainConfig c = small_config("swimmer", 16, 8);
  const auto [a, b] = one_iteration_on_both(c, weak);
  EXPECT_LE(rel_error(b.env_state, a.env_state), 1e-4);

  CudaBackend gpu_embedded(c);
  gpu_embedded.run_iteration(IterationControl{0, c.learning_rate});
  EXPECT_GT(rel_error(gpu_embedded.save_state().env_state, b.env_state), 1e-3);
}

// Capsule-box contacts on the device: Hopper on a box floor (a slab whose top is where the
// plane was), so every contact of the episode is capsule-box, and the GPU follows the CPU
// through the shared collider
TEST_F(BackendTest, CapsuleOnBoxRolloutMatchesCpu) {
  std::string slab = task_asset("hopper");
  const std::string plane = "type=\"plane\" pos=\"0 0 0\" size=\"20 20 0.125\"";
  const size_t at = slab.find(plane);
  ASSERT_NE(at, std::string::npos);
  slab.replace(at, plane.size(), "type=\"box\" pos=\"0 0 -0.125\" size=\"20 20 0.125\"");
  const Model model = load_mjcf_string(slab);
  int capsule_box = 0;
  for (int p = 0; p < model.npair; ++p) {
    capsule_box += model.geom_type[model.pair_geom1[p]] == kGeomCapsule &&
                   model.geom_type[model.pair_geom2[p]] == kGeomBox;
  }
  EXPECT_EQ(capsule_box, 4);  // torso, thigh, leg and foot against the floor

  const TrainConfig c = small_config("hopper", 16, 8);
  const auto [a, b] = one_iteration_on_both(c, slab);
  // contact dynamics amplify rounding: the tolerance of the mid-episode MuJoCo-task check
  EXPECT_LE(rel_error(b.env_state, a.env_state), 2e-3);
  EXPECT_GT(rel_error(a.env_state, initial_train_state(c).env_state), 1e-3);  // it moved
}

// On the CPU emulation of CUDA a smaller batch: the fiber-per-thread emulation runs its kernels
// thousands of times slower, and 128 envs x 16 steps still splits every kernel into many blocks
#if defined(STAMPEDE_CUDA_EMULATION)
constexpr int kBitIdenticalEnvs = 128, kBitIdenticalSteps = 16;
#else
constexpr int kBitIdenticalEnvs = 512, kBitIdenticalSteps = 32;
#endif

TEST_F(BackendTest, TwoRunsOfOneSeedAreBitIdentical) {
  for (UpdatePath path : {UpdatePath::kFused, UpdatePath::kCublas}) {
    TrainConfig c = small_config("cartpole", kBitIdenticalEnvs, kBitIdenticalSteps);
    CudaBackendOptions graph, eager;
    graph.path = eager.path = path;
    eager.use_graph = false;
    CudaBackend a(c, graph), b(c, graph), e(c, eager);
    for (int it = 0; it < 4; ++it) {  // iterations 2.. replay the captured graph
      const IterationControl ctl{it, c.learning_rate * (1.0f - it / 8.0f)};
      const IterationStats sa = a.run_iteration(ctl), sb = b.run_iteration(ctl),
                           se = e.run_iteration(ctl);
      EXPECT_EQ(std::memcmp(&sa, &sb, sizeof(sa)), 0) << "iteration " << it;
      EXPECT_EQ(std::memcmp(&sa, &se, sizeof(sa)), 0) << "graph vs eager, iteration " << it;
    }
    EXPECT_TRUE(same_bits(a.save_state(), b.save_state()));
    EXPECT_TRUE(same_bits(a.save_state(), e.save_state()));
  }
}

TEST_F(BackendTest, SaveLoadRoundTripContinuesIdentically) {
  TrainConfig c = small_config("pendulum", 128, 16);
  CudaBackend a(c), b(c);
  a.run_iteration(IterationControl{0, c.learning_rate});
  b.load_state(a.save_state());
  const IterationStats sa = a.run_iteration(IterationControl{1, c.learning_rate});
  const IterationStats sb = b.run_iteration(IterationControl{1, c.learning_rate});
  EXPECT_EQ(std::memcmp(&sa, &sb, sizeof(sa)), 0);
  EXPECT_TRUE(same_bits(a.save_state(), b.save_state()));
}

// The update kernels' shared-memory limit is an attribute of the kernel, shared by every
// backend of the process: building a backend with a small network after one with a wide network
// must not narrow it for the wide one (sweeps and tests hold several backends at once).
TEST_F(BackendTest, TwoBackendsOfDifferentShapesRunSideBySide) {
  TrainConfig wide = small_config("cartpole", 64, 16);
  wide.actor_hidden = wide.critic_hidden = {128, 128};  // a fused block needs > 48 KB
  TrainConfig narrow = small_config("pendulum", 16, 4);
  narrow.actor_hidden = narrow.critic_hidden = {8};
  narrow.minibatch_size = 16;  // a 64-byte advantage cache
  const IterationControl ctl{0, wide.learning_rate};
  CudaBackend reference(wide);
  const IterationStats expected = reference.run_iteration(ctl);

  CudaBackend a(wide);
  CudaBackend b(narrow);
  IterationStats got;
  ASSERT_NO_THROW(got = a.run_iteration(ctl));
  EXPECT_EQ(std::memcmp(&got, &expected, sizeof(got)), 0);
  EXPECT_TRUE(same_bits(a.save_state(), reference.save_state()));
  EXPECT_NO_THROW(b.run_iteration(IterationControl{0, narrow.learning_rate}));
}

// A MuJoCo task's model reaches the device on the backend's own stream, so the first env step
// (nothing synchronises the host in between) reads the uploaded model, not the memory before it
TEST_F(BackendTest, FirstMujocoStepAfterConstructionSeesTheModel) {
  TrainConfig c = small_config("inverted_double_pendulum", 16, 8);
  std::unique_ptr<Backend> cpu = make_cpu_backend(c);
  CudaBackend gpu(c);
  cpu->run_iteration(IterationControl{0, c.learning_rate});
  gpu.run_iteration(IterationControl{0, c.learning_rate});
  const TrainState a = cpu->save_state(), b = gpu.save_state();
  EXPECT_EQ(b.episode_length, a.episode_length);
  EXPECT_LE(rel_error(b.env_state, a.env_state), 1e-4);
}

// begin_iteration rewrites the pinned buffer its counters are copied from; the copy reads it
// when it runs, so iterations enqueued back to back (no host synchronisation in between) must
// each see their own iteration, step and learning rate
TEST_F(BackendTest, IterationsQueuedBackToBackKeepTheirOwnCounters) {
  TrainConfig c = small_config("pendulum", 32, 8);
  const IterationControl first{0, 3e-3f}, second{1, 1e-3f};
  CudaBackend queued(c), stepped(c);
  for (const IterationControl& ctl : {first, second}) {
    queued.begin_iteration(ctl);
    queued.rollout();
    queued.advantages();
    queued.update();
    queued.finish_iteration();
    queued.end_iteration();
  }
  const IterationStats q = queued.read_stats();
  stepped.run_iteration(first);
  const IterationStats s = stepped.run_iteration(second);
  EXPECT_EQ(std::memcmp(&q, &s, sizeof(q)), 0);
  EXPECT_TRUE(same_bits(queued.save_state(), stepped.save_state()));
}

// The act kernel's per-thread scratch is local memory, which the driver reserves for every
// thread the device can hold at once (about 12 KB each for 1024-wide networks: gigabytes on a
// large GPU); the fit check counts it
TEST_F(BackendTest, MemoryEstimateCountsTheActKernelsLocalMemory) {
  TrainConfig wide = small_config("cartpole", 64, 16);
  wide.actor_hidden = wide.critic_hidden = {1024, 1024};
  const size_t local = act_local_bytes_per_thread(make_policy_layout(wide));
  if (local == 0) GTEST_SKIP() << "the device reports no local memory (the CPU emulation)";
  EXPECT_GE(local, size_t{8} << 10);
  int sms = 0, threads = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  CUDA_CHECK(cudaDeviceGetAttribute(&threads, cudaDevAttrMaxThreadsPerMultiProcessor, 0));
  EXPECT_GE(estimate_device_bytes(wide), local * sms * threads);
}

TEST_F(BackendTest, TooManyEnvsIsAUsageErrorNamingMemory) {
  TrainConfig c = small_config("cartpole", 4000000, 500);
  c.minibatch_size = 1 << 20;
  try {
    CudaBackend b(c);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("GiB of device memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("4000000 envs"), std::string::npos) << e.what();
  }
}

// Without a usable device a directly constructed backend is a UsageError (exit code 2 from the
// command line), not a raw CUDA error from whichever CUDA call came first. A fresh process
// (threadsafe death test) with CUDA_VISIBLE_DEVICES empty has no device, GPU or not.
TEST(BackendWithoutDevice, ConstructionIsAUsageError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("CUDA_VISIBLE_DEVICES", "", 1);
        try {
          CudaBackend b(small_config("cartpole", 8, 8));
        } catch (const UsageError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::exit(std::string(e.what()).find("--device cuda was asked for") == 0 ? 0 : 3);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "not a UsageError: %s\n", e.what());
          std::exit(1);
        }
        std::exit(2);
      },
      ::testing::ExitedWithCode(0), "--device cuda was asked for");
}

TEST_F(BackendTest, CartPoleTrainsTo475OnGpu) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("stampede-gpu-cartpole-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  TrainConfig c;  // configs/cartpole.toml
  c.env = Task("cartpole");
  c.device = "cuda";
  c.num_envs = 8;
  c.total_steps = 500000;
  c.num_steps = 128;
  c.epochs = 4;
  c.minibatch_size = 256;
  c.learning_rate = 2.5e-4f;
  c.run_dir = (dir / "run").string();
  TrainOptions o;
  o.quiet = true;
  o.make_backend = [](const TrainConfig& config) -> std::unique_ptr<Backend> {
    return std::make_unique<CudaBackend>(config);
  };
  std::ostringstream log;
  const TrainResult r = train(c, o, log);
  std::printf("trained on %s in %.2f s (%.0f steps/s)\n", r.device.c_str(), r.wall_seconds,
              r.steps_per_second);
  const Checkpoint ck = load_checkpoint(r.checkpoint_path);
  const EvalResult eval = evaluate_policy(ck, 50, false, 2024);
  std::printf("evaluation mean return %.2f +/- %.2f over 50 episodes\n", eval.mean, eval.std);
  EXPECT_GE(eval.mean, 475.0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stampede
