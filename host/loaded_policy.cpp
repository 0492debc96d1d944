#include "host/loaded_policy.hpp"

#include <filesystem>

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

std::string checkpoint_file(const std::string& target) {
  std::error_code ignored;  // a path the OS refuses is reported by the loader
  return std::filesystem::is_directory(target, ignored) ? checkpoint_path_in(target) : target;
}
}  // namespace

LoadedPolicy::LoadedPolicy(const std::string& run_dir_or_checkpoint)
    : checkpoint_(load_checkpoint(checkpoint_file(run_dir_or_checkpoint))),
      spec_(task_spec(checkpoint_.config)) {
  if (spec_.obs_dim > kMaxObsDim) throw UsageError("observation too wide for load_policy");
}

void LoadedPolicy::act(const float* obs, int64_t batch, float* actions,
                       const uint64_t* seed) const {
  const TrainConfig& config = checkpoint_.config;
  const PolicyLayout layout = make_policy_layout(config);
  const ObsNormalizer normalizer{config.norm_obs, config.obs_clip,
                                 checkpoint_.state.obs_mean.data(),
                                 checkpoint_.state.obs_var.data()};
  const float* params = checkpoint_.state.params.data();
  parallel_for(batch, kRowsPerTask, [&](int64_t row) {
    float x[kMaxObsDim], dist[kMaxHeadDim], action[kMaxHeadDim], scratch[2 * kMaxLayerWidth];
    normalizer.apply(obs + row * spec_.obs_dim, spec_.obs_dim, x);
    Rng rng(seed ? *seed : 0, RngPurpose::kEval, static_cast<uint32_t>(row), 0);
    policy_action(layout, params, x, seed ? &rng : nullptr, spec_.action_low.data(),
                  spec_.action_high.data(), dist, action, actions + row * spec_.act_dim, scratch);
  });
}

void LoadedPolicy::value(const float* obs, int64_t batch, float* values) const {
  const TrainConfig& config = checkpoint_.config;
  const PolicyLayout layout = make_policy_layout(config);
  const ObsNormalizer normalizer{config.norm_obs, config.obs_clip,
                                 checkpoint_.state.obs_mean.data(),
                                 checkpoint_.state.obs_var.data()};
  const float* params = checkpoint_.state.params.data();
  parallel_for(batch, kRowsPerTask, [&](int64_t row) {
    float x[kMaxObsDim], scratch[2 * kMaxLayerWidth];
    normalizer.apply(obs + row * spec_.obs_dim, spec_.obs_dim, x);
    values[row] = critic_value(layout, params, x, scratch);
  });
}

}  // namespace stampede
