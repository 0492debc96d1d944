#include "host/loaded_policy.hpp"

#include "core/errors.hpp"
#include "core/rng.hpp"
#include "host/cpu/parallel.hpp"
#include "host/task_model.hpp"
#include "host/trainer.hpp"
#include "ppo/act.hpp"
#include "ppo/policy_layout.hpp"
#include "ppo/running_stats.hpp"

namespace stampede {

namespace {
constexpr int64_t kRowsPerTask = 64;
constexpr int kMaxObsDim = 256;  // above every task's observation (checked on load)
}  // namespace

LoadedPolicy::LoadedPolicy(const std::string& run_dir_or_checkpoint)
    : checkpoint_(load_checkpoint(checkpoint_file_of(run_dir_or_checkpoint))),
      spec_(task_spec(checkpoint_.config)),
      layout_(make_policy_layout(checkpoint_.config)),
      normalizer_(frozen_normalizer(checkpoint_)) {
  if (spec_.obs_dim > kMaxObsDim) throw UsageError("observation too wide for load_policy");
}

void LoadedPolicy::act(const float* obs, int64_t batch, float* actions,
                       const uint64_t* seed) const {
  const float* params = checkpoint_.state.params.data();
  parallel_for(batch, kRowsPerTask, [&](int64_t row) {
    float x[kMaxObsDim], dist[kMaxHeadDim], action[kMaxHeadDim], scratch[2 * kMaxLayerWidth];
    normalizer_.apply(obs + row * spec_.obs_dim, spec_.obs_dim, x);
    Rng rng(seed ? *seed : 0, RngPurpose::kEval, static_cast<uint32_t>(row), 0);
    policy_action(layout_, params, x, seed ? &rng : nullptr, spec_.action_low.data(),
                  spec_.action_high.data(), dist, action, actions + row * spec_.act_dim, scratch);
  });
}

void LoadedPolicy::value(const float* obs, int64_t batch, float* values) const {
  const float* params = checkpoint_.state.params.data();
  parallel_for(batch, kRowsPerTask, [&](int64_t row) {
    float x[kMaxObsDim], scratch[2 * kMaxLayerWidth];
    normalizer_.apply(obs + row * spec_.obs_dim, spec_.obs_dim, x);
    values[row] = critic_value(layout_, params, x, scratch);
  });
}

}  // namespace stampede
