// Everything a training run is configured by. Defaults follow CleanRL's ppo.py / the PPO paper;
// configs/<task>.toml holds the tuned values per task. The whole struct goes into every
// checkpoint, so a resumed run continues under exactly the settings it started with.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/errors.hpp"
#include "envs/task.hpp"
#include "ppo/ppo_loss.hpp"

namespace stampede {

struct TrainConfig {
  // task and scale
  Task env;                      // CartPole unless set
  int num_envs = 8;              // N
  int64_t total_steps = 500000;  // environment transitions, summed over envs
  uint64_t seed = 1;
  std::string device = "auto";  // cpu | cuda | auto
  // a MuJoCo task's MJCF model instead of its embedded one: the path as given, and the file's
  // text read at the start of the run (kept in checkpoints, so resume and eval need no file)
  std::string model;
  std::string model_xml;

  // rollout and optimisation
  int num_steps = 128;       // T, steps per env per iteration
  int epochs = 4;            // K
  int minibatch_size = 256;  // M
  float learning_rate = 2.5e-4f;
  bool lr_decay = true;  // linear decay to 0 over the run
  float adam_eps = 1e-5f;
  float max_grad_norm = 0.5f;  // global gradient-norm clipping; <= 0 disables

  // returns and advantages
  float gamma = 0.99f;
  float gae_lambda = 0.95f;
  bool norm_adv = true;  // per-minibatch advantage normalisation

  // objective
  std::string objective = "clip";  // clip | kl_adaptive | kl_fixed | none
  float clip_eps = 0.2f;
  float kl_target = 0.01f;  // d_targ for kl_adaptive
  float kl_beta = 1.0f;     // initial beta (kl_adaptive) or beta (kl_fixed)
  float vf_coef = 0.5f;     // c1
  float ent_coef = 0.01f;   // c2
  float value_clip = 0.2f;  // <= 0: unclipped value loss

  // normalisation
  bool norm_obs = true;
  float obs_clip = 10.0f;
  bool norm_reward = false;  // return-based reward scaling
  float reward_clip = 10.0f;

  // networks
  std::vector<int> actor_hidden = {64, 64};
  std::vector<int> critic_hidden = {64, 64};
  float init_log_std = 0.0f;

  // bookkeeping
  std::string run_dir;        // empty: runs/<env>-<timestamp>
  int checkpoint_every = 50;  // iterations between checkpoints (and one at the end)
  std::string profile_iters;  // "A:B": cudaProfilerStart before A, Stop after B (CUDA)

  int64_t batch_size() const { return static_cast<int64_t>(num_envs) * num_steps; }
  int64_t num_iterations() const { return total_steps / batch_size(); }
  Objective objective_kind() const;
};

// throws UsageError naming the first value out of range
void validate(const TrainConfig& config);

// the loss coefficients of a minibatch of `rows` samples under KL weight `beta`, for both
// backends' updates
// "A:B" -> [A, B] (1-based iterations, as the log prints them); nothing for ""; UsageError for
// anything else
void parse_profile_iters(const std::string& text, int64_t* begin, int64_t* end);

LossCoeffs loss_coeffs(const TrainConfig& config, float beta, int rows);

nlohmann::json to_json(const TrainConfig& config);
TrainConfig config_from_json(const nlohmann::json& j);

}  // namespace stampede
