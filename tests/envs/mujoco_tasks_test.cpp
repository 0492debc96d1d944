// The MuJoCo tasks as the trainer sees them: registered with Gymnasium's spaces, bound to their
// embedded models, refusing models they cannot drive, and counting diverged states they reset.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "envs/core/env_batch.hpp"
#include "envs/mjcf/loader.hpp"
#include "envs/tasks.hpp"

namespace stampede {
namespace {

TEST(MujocoTasks, RegisteredWithGymnasiumSpaces) {
  struct Expected {
    const char* name;
    const char* gym_id;
    int obs, act;
    float high;
    int steps;
  };
  for (const Expected& e :
       {Expected{"inverted_pendulum", "InvertedPendulum-v5", 4, 1, 3.0f, 1000},
        Expected{"inverted_double_pendulum", "InvertedDoublePendulum-v5", 9, 1, 1.0f, 1000},
        Expected{"reacher", "Reacher-v5", 10, 2, 1.0f, 50},
        Expected{"swimmer", "Swimmer-v5", 8, 2, 1.0f, 1000}}) {
    const std::optional<Task> task = Task::find(e.gym_id);
    ASSERT_TRUE(task.has_value()) << e.gym_id;
    const EnvSpec s = task_spec(*task);
    const EnvSpec* spec = &s;
    EXPECT_EQ(spec->task.name(), e.name);
    EXPECT_EQ(spec->obs_dim, e.obs);
    EXPECT_EQ(spec->act_dim, e.act);
    EXPECT_FALSE(spec->discrete());
    EXPECT_EQ(spec->max_episode_steps, e.steps);
    for (int j = 0; j < e.act; ++j) {
      EXPECT_FLOAT_EQ(spec->action_low[j], -e.high);
      EXPECT_FLOAT_EQ(spec->action_high[j], e.high);
    }
  }
}

TEST(MujocoTasks, EmbeddedModelIsCompiledOnce) {
  const Model& a = embedded_task_model("swimmer");
  const Model& b = embedded_task_model("swimmer");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.nq, 5);
  EXPECT_EQ(make_task<Swimmer>().model, &a);
  EXPECT_THROW(embedded_task_model("hopperz"), TaskModelError);
}

TEST(MujocoTasks, ModelsThatCannotDriveTheTaskAreRejected) {
  // a pendulum model is not a swimmer
  EXPECT_THROW(bind_task<Swimmer>(embedded_task_model("inverted_pendulum"), "inverted_pendulum"),
               TaskModelError);
  // a model without actuators cannot be driven at all
  const Model no_motors = load_mjcf_string(R"(
    <mujoco><worldbody><body><joint name="slider" type="slide" axis="1 0 0"/>
      <geom type="capsule" size="0.05" fromto="0 0 0 0 0 0.6"/>
      <body><joint name="hinge" type="hinge" axis="0 1 0"/>
        <geom type="capsule" size="0.05" fromto="0 0 0 0 0 0.6"/></body>
    </body></worldbody></mujoco>)");
  try {
    bind_task<InvertedPendulum>(no_motors, "no_motors.xml");
    FAIL() << "expected TaskModelError";
  } catch (const TaskModelError& e) {
    EXPECT_NE(std::string(e.what()).find("no actuators"), std::string::npos) << e.what();
  }
}

TEST(MujocoTasks, DivergedStatesAreResetAndCounted) {
  const InvertedPendulum env = make_task<InvertedPendulum>();
  const int n = 2;
  auto envs = HostEnvBatch::of<InvertedPendulum>(n);
  const EnvBatch b = env_batch_view(envs);
  for (int i = 0; i < n; ++i)
    reset_env(env, b, i, 3, 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float actions[2] = {nan, 0.5f};  // env 0 diverges, env 1 is a normal step
  for (int i = 0; i < n; ++i)
    step_env(env, b, i, &actions[i], 3, 0);
  EXPECT_GT(envs.bad_state_resets[0], 0);
  EXPECT_EQ(envs.bad_state_resets[1], 0);
  for (float x : envs.state)
    EXPECT_TRUE(std::isfinite(x));  // reset, not left NaN
}

}  // namespace
}  // namespace stampede
