// Evaluates a trained policy from a checkpoint on the CPU: N episodes, deterministic actions
// (Gaussian mean, categorical argmax) unless stochastic, observations normalised with the
// statistics frozen in the checkpoint.
#pragma once

#include <cstdint>
#include <vector>

#include "host/checkpoint.hpp"

namespace stampede {

struct EvalResult {
  std::vector<float> returns;
  std::vector<int> lengths;
  double mean = 0.0, std = 0.0;
};

EvalResult evaluate_policy(const Checkpoint& checkpoint, int episodes, bool stochastic,
                           uint64_t seed);

}  // namespace stampede
