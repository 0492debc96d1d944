// N environments of one task stepped together from outside the trainer: what the Python
// package's make_vec wraps (Gymnasium's VectorEnv API). The environments are the trainer's own
// (envs/core/env_batch.hpp: same step function, same random streams keyed by seed, environment
// and step), on the CPU backend's threads.
//
// Autoreset is Gymnasium's "same step" mode: an environment whose episode ends in step() is reset
// in that same call; obs then holds the new episode's first observation and final_obs the one
// that ended the episode. The buffers keep their addresses for the object's life and each step()
// overwrites them (the Python arrays share them).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "envs/task.hpp"

namespace stampede {

class VecEnv {
 public:
  // `model_path`: a user's MJCF for a MuJoCo task ("" for the task's own model); UsageError for
  // an unknown task, num_envs outside 1..2^24, or a model the task cannot run on
  VecEnv(Task task, int num_envs, const std::string& model_path = "");
  ~VecEnv();
  VecEnv(const VecEnv&) = delete;
  VecEnv& operator=(const VecEnv&) = delete;

  const EnvSpec& spec() const;
  int num_envs() const;

  // every environment to a fresh episode drawn from `seed`; the step count restarts at 0
  void reset(uint64_t seed);
  // one step of every environment under actions[N * act_dim] (discrete tasks: the choice's index
  // as a float). UsageError before anything changes if an action is not finite, a discrete
  // action is not one of the choices, or reset() was never called.
  void step(const float* actions);

  // [N, obs_dim] observations; [N, obs_dim] final observations (rows where done this step)
  float* obs();
  float* final_obs();
  float* reward();              // [N] reward of the last step
  uint8_t* terminated();        // [N] 0/1
  uint8_t* truncated();         // [N] 0/1
  float* ended_return();        // [N] return of the episode that ended this step (0 elsewhere)
  float* ended_length();        // [N] its length
  int32_t* bad_state_resets();  // [N] diverged physics states reset, summed since reset()
  uint64_t steps() const;       // step() calls since reset()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stampede
