// A trained policy loaded from a run directory or checkpoint, acting on batches of raw
// observations outside the trainer (the Python package's load_policy): the checkpoint's
// observation normalisation, then the deterministic action (Gaussian mean clipped to the action
// bounds, or the arg-max) as `stampede eval` and the exported ONNX graph compute it, or one sampled
// from the policy's distribution.
#pragma once

#include <cstdint>
#include <string>

#include "envs/task.hpp"
#include "host/checkpoint.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

class LoadedPolicy {
 public:
  // a run directory (its checkpoint.bin) or a checkpoint file; UsageError if it cannot be loaded
  explicit LoadedPolicy(const std::string& run_dir_or_checkpoint);
  LoadedPolicy(const LoadedPolicy&) = delete;  // normalizer_ points into checkpoint_
  LoadedPolicy& operator=(const LoadedPolicy&) = delete;

  const EnvSpec& spec() const { return spec_; }
  const Checkpoint& checkpoint() const { return checkpoint_; }

  // actions[batch * act_dim] for obs[batch * obs_dim] (discrete: the choice's index); with
  // `seed`, sampled (the draws keyed by seed and row), else deterministic
  void act(const float* obs, int64_t batch, float* actions, const uint64_t* seed = nullptr) const;
  // the critic's value of each observation
  void value(const float* obs, int64_t batch, float* values) const;

 private:
  Checkpoint checkpoint_;
  EnvSpec spec_;
  PolicyLayout layout_;
  ObsNormalizer normalizer_;
};

}  // namespace stampede
