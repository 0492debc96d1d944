// Evaluates a trained policy from a checkpoint on the CPU: N episodes, deterministic actions
// (Gaussian mean, categorical argmax) unless stochastic, observations normalised with the
// statistics frozen in the checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/checkpoint.hpp"

namespace stampede {

// one episode of a MuJoCo task as a renderer replays it: the state each action was taken in
struct EpisodeTrace {
  std::vector<float> qpos;    // [length, nq]: qpos before each step (the first: the reset)
  std::vector<float> reward;  // [length]: the reward of each step
};

struct EvalResult {
  std::vector<float> returns;
  std::vector<int> lengths;
  double mean = 0.0, std = 0.0;
  // with `record` (MuJoCo tasks only): one trace per episode, the model's nq and the step's dt
  std::vector<EpisodeTrace> traces;
  int nq = 0;
  double dt = 0.0;
};

EvalResult evaluate_policy(const Checkpoint& checkpoint, int episodes, bool stochastic,
                           uint64_t seed, bool record = false);

// the MJCF text the checkpoint's run stepped (its --model, or the task's embedded asset); empty
// for the classic-control tasks
std::string policy_model_xml(const Checkpoint& checkpoint);

}  // namespace stampede
