#include "host/config.hpp"

#include <cmath>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envs/tasks.hpp"
#include "host/cli_values.hpp"
#include "ppo/policy_layout.hpp"

namespace stampede {

namespace {

template <class T>
std::string str(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

void require(bool ok, const std::string& what) {
  if (!ok) throw UsageError(what);
}

void require_range(double value, double low, double high, const char* name,
                   const char* range_text) {
  require(
      std::isfinite(value) && value >= low && value <= high,
      std::string(name) + " = " + str(value) + " is out of range (expected " + range_text + ")");
}

void require_widths(const std::vector<int>& widths, const char* name) {
  require(!widths.empty() && widths.size() <= static_cast<size_t>(kMaxHiddenLayers),
          std::string(name) + " needs 1 to " + str(kMaxHiddenLayers) + " hidden layers, got " +
              str(widths.size()));
  for (int w : widths) {
    require(w >= 1 && w <= kMaxLayerWidth, std::string(name) + " width " + str(w) +
                                               " is out of range (expected 1.." +
                                               str(kMaxLayerWidth) + ")");
  }
}

}  // namespace

Objective TrainConfig::objective_kind() const {
  if (objective == "clip") return Objective::kClip;
  if (objective == "kl_adaptive") return Objective::kKlAdaptive;
  if (objective == "kl_fixed") return Objective::kKlFixed;
  if (objective == "none") return Objective::kNone;
  throw UsageError("unknown objective '" + objective +
                   "' (expected clip, kl_adaptive, kl_fixed or none)");
}

void validate(const TrainConfig& c) {
  require(c.device == "cpu" || c.device == "cuda" || c.device == "auto",
          "unknown device '" + c.device + "' (expected cpu, cuda or auto)");
  c.objective_kind();
  require(c.model.empty() || c.env.is_mujoco(),
          "--model applies to MuJoCo tasks; '" + std::string(c.env.name()) + "' is not one");
  require_range(c.num_envs, 1, 1 << 24, "num_envs", "1..16777216");
  require_range(c.num_steps, 1, 1 << 16, "num_steps", "1..65536");
  require_range(c.epochs, 1, 1000, "epochs", "1..1000");
  require_range(c.minibatch_size, 1, 1 << 26, "minibatch_size", "1..67108864");
  require(c.minibatch_size <= c.batch_size(),
          "minibatch_size = " + str(c.minibatch_size) +
              " exceeds the batch num_envs * num_steps = " + str(c.batch_size()));
  require(c.total_steps >= c.batch_size(),
          "total_steps = " + str(c.total_steps) +
              " is less than one iteration (num_envs * num_steps = " + str(c.batch_size()) + ")");
  require_range(c.learning_rate, 1e-8, 1.0, "learning_rate", "1e-8..1");
  require_range(c.adam_eps, 1e-12, 1.0, "adam_eps", "1e-12..1");
  require_range(c.max_grad_norm, -1.0, 1e6, "max_grad_norm", "<= 0 to disable, or up to 1e6");
  require_range(c.gamma, 0.0, 1.0, "gamma", "0..1");
  require_range(c.gae_lambda, 0.0, 1.0, "gae_lambda", "0..1");
  require_range(c.clip_eps, 1e-6, 10.0, "clip_eps", "1e-6..10");
  require_range(c.kl_target, 1e-8, 10.0, "kl_target", "1e-8..10");
  require_range(c.kl_beta, 0.0, 1e6, "kl_beta", "0..1e6");
  require_range(c.vf_coef, 0.0, 1e6, "vf_coef", "0..1e6");
  require_range(c.ent_coef, -1e3, 1e3, "ent_coef", "-1e3..1e3");
  require_range(c.value_clip, -1.0, 1e6, "value_clip", "<= 0 to disable, or up to 1e6");
  require_range(c.obs_clip, 1e-3, 1e6, "obs_clip", "1e-3..1e6");
  require_range(c.reward_clip, 1e-3, 1e6, "reward_clip", "1e-3..1e6");
  require_range(c.init_log_std, -20.0, 5.0, "init_log_std", "-20..5");
  require_range(c.checkpoint_every, 1, 1e9, "checkpoint_every", ">= 1");
  require_widths(c.actor_hidden, "actor_hidden");
  require_widths(c.critic_hidden, "critic_hidden");
  int64_t profile_begin = 0, profile_end = 0;  // checked on every backend, used by CUDA's
  parse_profile_iters(c.profile_iters, &profile_begin, &profile_end);
  const int head = visit_task(c.env, [](auto type) {
    using Env = typename decltype(type)::type;
    return Env::kNumActions > 0 ? Env::kNumActions : Env::kActDim;
  });
  require(head <= kMaxHeadDim, "env '" + std::string(c.env.name()) +
                                   "' has more action dimensions than the policy head supports");
}

// "A:B" -> [A, B], 1-based iteration numbers as the log prints them
void parse_profile_iters(const std::string& text, int64_t* begin, int64_t* end) {
  if (text.empty()) return;
  // two decimal numbers around one colon: nothing else, nothing clamped
  const auto number = [](std::string_view part, int64_t* value) {
    return parse_decimal(part, value) == DecimalParse::kOk;
  };
  const size_t colon = text.find(':');
  const std::string_view all(text);
  const bool ok = colon != std::string::npos && number(all.substr(0, colon), begin) &&
                  number(all.substr(colon + 1), end);
  if (!ok || *begin < 1 || *end < *begin) {
    throw UsageError("--profile-iters '" + text +
                     "' is malformed (expected A:B with 1 <= A <= B, iterations as logged)");
  }
}

LossCoeffs loss_coeffs(const TrainConfig& c, float beta, int rows) {
  LossCoeffs k;
  k.objective = c.objective_kind();
  k.clip_eps = c.clip_eps;
  k.beta = beta;
  k.value_clip = c.value_clip;
  k.vf_coef = c.vf_coef;
  k.ent_coef = c.ent_coef;
  k.weight = 1.0f / static_cast<float>(rows);
  return k;
}

nlohmann::json to_json(const TrainConfig& c) {
  return nlohmann::json{
      {"env", std::string(c.env.name())},
      {"num_envs", c.num_envs},
      {"total_steps", c.total_steps},
      {"seed", c.seed},
      {"device", c.device},
      {"model", c.model},
      {"model_xml", c.model_xml},
      {"num_steps", c.num_steps},
      {"epochs", c.epochs},
      {"minibatch_size", c.minibatch_size},
      {"learning_rate", c.learning_rate},
      {"lr_decay", c.lr_decay},
      {"adam_eps", c.adam_eps},
      {"max_grad_norm", c.max_grad_norm},
      {"gamma", c.gamma},
      {"gae_lambda", c.gae_lambda},
      {"norm_adv", c.norm_adv},
      {"objective", c.objective},
      {"clip_eps", c.clip_eps},
      {"kl_target", c.kl_target},
      {"kl_beta", c.kl_beta},
      {"vf_coef", c.vf_coef},
      {"ent_coef", c.ent_coef},
      {"value_clip", c.value_clip},
      {"norm_obs", c.norm_obs},
      {"obs_clip", c.obs_clip},
      {"norm_reward", c.norm_reward},
      {"reward_clip", c.reward_clip},
      {"actor_hidden", c.actor_hidden},
      {"critic_hidden", c.critic_hidden},
      {"init_log_std", c.init_log_std},
      {"run_dir", c.run_dir},
      {"checkpoint_every", c.checkpoint_every},
      {"profile_iters", c.profile_iters},
  };
}

TrainConfig config_from_json(const nlohmann::json& j) {
  TrainConfig c;
  try {
    c.env = Task(j.at("env").get<std::string>());
    j.at("num_envs").get_to(c.num_envs);
    j.at("total_steps").get_to(c.total_steps);
    j.at("seed").get_to(c.seed);
    j.at("device").get_to(c.device);
    c.model = j.value("model", std::string());  // absent from checkpoints before --model
    c.model_xml = j.value("model_xml", std::string());
    j.at("num_steps").get_to(c.num_steps);
    j.at("epochs").get_to(c.epochs);
    j.at("minibatch_size").get_to(c.minibatch_size);
    j.at("learning_rate").get_to(c.learning_rate);
    j.at("lr_decay").get_to(c.lr_decay);
    j.at("adam_eps").get_to(c.adam_eps);
    j.at("max_grad_norm").get_to(c.max_grad_norm);
    j.at("gamma").get_to(c.gamma);
    j.at("gae_lambda").get_to(c.gae_lambda);
    j.at("norm_adv").get_to(c.norm_adv);
    j.at("objective").get_to(c.objective);
    j.at("clip_eps").get_to(c.clip_eps);
    j.at("kl_target").get_to(c.kl_target);
    j.at("kl_beta").get_to(c.kl_beta);
    j.at("vf_coef").get_to(c.vf_coef);
    j.at("ent_coef").get_to(c.ent_coef);
    j.at("value_clip").get_to(c.value_clip);
    j.at("norm_obs").get_to(c.norm_obs);
    j.at("obs_clip").get_to(c.obs_clip);
    j.at("norm_reward").get_to(c.norm_reward);
    j.at("reward_clip").get_to(c.reward_clip);
    j.at("actor_hidden").get_to(c.actor_hidden);
    j.at("critic_hidden").get_to(c.critic_hidden);
    j.at("init_log_std").get_to(c.init_log_std);
    j.at("run_dir").get_to(c.run_dir);
    j.at("checkpoint_every").get_to(c.checkpoint_every);
    j.at("profile_iters").get_to(c.profile_iters);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(std::string("checkpoint config is incomplete or malformed: ") + e.what());
  }
  validate(c);
  return c;
}

}  // namespace stampede
