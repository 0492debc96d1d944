#include "host/cli.hpp"

#include <csignal>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "envs/tasks.hpp"
#include "host/backend.hpp"
#include "host/bench.hpp"
#include "host/checkpoint.hpp"
#include "host/cli_values.hpp"
#include "host/cpu/parallel.hpp"
#include "host/durable_file.hpp"
#include "host/eval.hpp"
#include "host/export_onnx.hpp"
#include "host/export_safetensors.hpp"
#include "host/model_command.hpp"
#include "host/trainer.hpp"

namespace stampede {

namespace {

// every option gets a dashed name for the shell and an underscored alias, so TOML config keys
// (num_envs = 8) match the same option as --num-envs 8
std::string names(const std::string& dashed) {
  std::string underscored = dashed;
  for (char& ch : underscored)
    ch = ch == '-' ? '_' : ch;
  return "--" + dashed + (underscored == dashed ? "" : ",--" + underscored);
}

struct TrainFlags {
  TrainConfig config;
  std::string env = "cartpole";  // resolved into config.env once everything is parsed
  std::string resume;
  bool quiet = false;
  std::vector<CLI::Option*> hyperparameters;  // may not be combined with --resume
  CLI::Option* total_steps = nullptr;
  CLI::Option* device = nullptr;
  CLI::Option* config_file = nullptr;
  int threads = 0;  // CPU threads; not a hyperparameter: results do not depend on it
  CLI::Option* threads_option = nullptr;
  std::string config_path;
};

constexpr const char* kThreadsHelp =
    "CPU threads (0 = all hardware threads); results are bit-identical for any count";

void add_train_options(CLI::App* cmd, TrainFlags* f) {
  TrainConfig& c = f->config;
  auto hp = [&](CLI::Option* opt) {
    f->hyperparameters.push_back(opt);
    return opt;
  };
  f->config_file = cmd->add_option("--config", f->config_path,
                                   "TOML file with any of these options (keys as in configs/)");
  hp(cmd->add_option(names("env"), f->env, "task to train (see `stampede envs`)"));
  hp(cmd->add_option(names("num-envs"), c.num_envs, "parallel environments N"));
  f->total_steps = cmd->add_option(names("total-steps"), c.total_steps,
                                   "environment steps to train for, summed over envs");
  hp(cmd->add_option(names("seed"), c.seed, "random seed"));
  hp(cmd->add_option(names("model"), c.model,
                     "MJCF file to use instead of a MuJoCo task's own model (same joints and "
                     "actuators; see `stampede model FILE --env TASK`)"));
  f->device = cmd->add_option(names("device"), c.device, "cpu, cuda or auto");
  f->threads_option = cmd->add_option(names("threads"), f->threads, kThreadsHelp);
  hp(cmd->add_option(names("num-steps"), c.num_steps, "rollout length T per env per iteration"));
  hp(cmd->add_option(names("epochs"), c.epochs, "update epochs K per iteration"));
  hp(cmd->add_option(names("minibatch-size"), c.minibatch_size, "minibatch size M"));
  hp(cmd->add_option(names("learning-rate") + ",--lr", c.learning_rate, "Adam step size"));
  hp(cmd->add_flag(names("lr-decay") + ",!--no-lr-decay", c.lr_decay,
                   "linear learning-rate decay to 0"));
  hp(cmd->add_option(names("adam-eps"), c.adam_eps, "Adam epsilon"));
  hp(cmd->add_option(names("max-grad-norm"), c.max_grad_norm,
                     "global gradient-norm clip (<= 0 disables)"));
  hp(cmd->add_option(names("gamma"), c.gamma, "discount"));
  hp(cmd->add_option(names("gae-lambda"), c.gae_lambda, "GAE lambda"));
  hp(cmd->add_flag(names("norm-adv") + ",!--no-norm-adv", c.norm_adv,
                   "per-minibatch advantage normalisation"));
  hp(cmd->add_option(names("objective"), c.objective, "clip, kl_adaptive, kl_fixed or none"));
  hp(cmd->add_option(names("clip-eps"), c.clip_eps, "clip epsilon"));
  hp(cmd->add_option(names("kl-target"), c.kl_target, "d_targ of kl_adaptive"));
  hp(cmd->add_option(names("kl-beta"), c.kl_beta,
                     "initial (kl_adaptive) or fixed (kl_fixed) beta"));
  hp(cmd->add_option(names("vf-coef"), c.vf_coef, "value-loss coefficient c1"));
  hp(cmd->add_option(names("ent-coef"), c.ent_coef, "entropy-bonus coefficient c2"));
  hp(cmd->add_option(names("value-clip"), c.value_clip, "value-loss clip (<= 0 disables)"));
  hp(cmd->add_flag(names("norm-obs") + ",!--no-norm-obs", c.norm_obs,
                   "running observation normalisation"));
  hp(cmd->add_option(names("obs-clip"), c.obs_clip, "clip of normalised observations"));
  hp(cmd->add_flag(names("norm-reward") + ",!--no-norm-reward", c.norm_reward,
                   "return-based reward scaling"));
  hp(cmd->add_option(names("reward-clip"), c.reward_clip, "clip of scaled rewards"));
  hp(add_int_list(cmd, names("actor-hidden"), &c.actor_hidden, "actor hidden widths, e.g. 64,64"));
  hp(add_int_list(cmd, names("critic-hidden"), &c.critic_hidden, "critic hidden widths"));
  hp(cmd->add_option(names("init-log-std"), c.init_log_std, "initial log-std (continuous)"));
  hp(cmd->add_option(names("run-dir"), c.run_dir, "where the checkpoint and log go"));
  hp(cmd->add_option(names("checkpoint-every"), c.checkpoint_every,
                     "iterations between checkpoints"));
  hp(cmd->add_option(names("profile-iters"), c.profile_iters,
                     "A:B, bracket iterations A..B with cudaProfilerStart/Stop (CUDA)"));
  cmd->add_option("--resume", f->resume, "continue the run in RUN_DIR exactly");
  cmd->add_flag("--quiet,-q", f->quiet, "no status lines");
}

int run_train(const TrainFlags& f, std::ostream& out) {
  set_cpu_threads(f.threads);
  TrainOptions options;
  options.cpu_threads_given = f.threads_option->count() > 0;
  options.quiet = f.quiet;
  options.resume_dir = f.resume;
  ResumeOverrides overrides;
  if (!f.resume.empty()) {
    for (const CLI::Option* opt : f.hyperparameters) {
      if (opt->count() > 0) {
        throw UsageError(opt->get_name() +
                         " cannot be changed when resuming; a resumed run keeps its settings "
                         "(only --total-steps, --device and --threads may be given)");
      }
    }
    overrides.total_steps = f.total_steps->count() > 0;
    overrides.device = f.device->count() > 0;
  }
  TrainConfig config = f.config;
  config.env = Task(f.env);
  const TrainResult r = train(config, options, out, overrides);
  if (r.stop_signal != 0) {
    out << (r.stop_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)")
        << " after iteration " << r.iterations << " (" << r.env_steps
        << " steps); checkpoint and log saved in " << r.run_dir
        << "\ncontinue with: stampede train --resume " << r.run_dir << "\n";
    return 128 + r.stop_signal;
  }
  out << std::fixed << std::setprecision(1) << "done: " << r.env_steps << " steps in "
      << r.wall_seconds << " s (" << std::setprecision(0) << r.steps_per_second << " steps/s on "
      << r.device << "), final mean episode return " << std::setprecision(1) << r.mean_return
      << (r.bad_state_resets > 0
              ? "\nwarning: " + std::to_string(r.bad_state_resets) +
                    " diverged physics states were reset (NaN or |x| > 1e10), as MuJoCo does"
              : std::string())
      << "\npolicy checkpoint: " << r.checkpoint_path << "\nlog: " << r.log_path << "\n";
  return 0;
}

struct EvalFlags {
  std::string target;
  int episodes = 10;
  bool stochastic = false;
  uint64_t seed = 12345;
  int threads = 0;
  std::string trajectory;
};

CLI::App* add_eval_command(CLI::App& app, EvalFlags* f) {
  CLI::App* cmd = app.add_subcommand("eval", "run a trained policy for N episodes");
  cmd->add_option("checkpoint", f->target, "checkpoint file or run directory")->required();
  cmd->add_option("--episodes,-n", f->episodes, "episodes to run");
  cmd->add_flag("--stochastic", f->stochastic, "sample actions instead of the mean/argmax");
  cmd->add_option("--seed", f->seed, "seed of the evaluation episodes");
  cmd->add_option("--threads", f->threads, kThreadsHelp);
  cmd->add_option("--trajectory", f->trajectory,
                  "MuJoCo tasks: write each episode's qpos and rewards, the model and dt as JSON "
                  "(what scripts/record_video.py renders)");
  return cmd;
}

// eval --trajectory: the episodes as a renderer replays them on the run's own MJCF
nlohmann::json trajectory_json(const Checkpoint& ck, const EvalResult& r) {
  nlohmann::json episodes = nlohmann::json::array();
  for (size_t e = 0; e < r.traces.size(); ++e) {
    nlohmann::json qpos = nlohmann::json::array();
    const std::vector<float>& q = r.traces[e].qpos;
    for (size_t at = 0; at < q.size(); at += static_cast<size_t>(r.nq))
      qpos.push_back(std::vector<float>(q.begin() + at, q.begin() + at + r.nq));
    episodes.push_back({{"return", r.returns[e]},
                        {"length", r.lengths[e]},
                        {"qpos", qpos},
                        {"reward", r.traces[e].reward}});
  }
  return {{"env", std::string(ck.config.env.name())},
          {"gym_id", std::string(ck.config.env.gym_id())},
          {"checkpoint_iteration", ck.state.iteration},
          {"dt", r.dt},
          {"nq", r.nq},
          {"model_xml", policy_model_xml(ck)},
          {"task_model", ck.config.model_xml.empty()},  // the task's own model, not a --model
          {"episodes", episodes}};
}

int run_eval(const EvalFlags& f, std::ostream& out) {
  set_cpu_threads(f.threads);
  if (f.episodes < 1 || f.episodes > 1000000) {
    throw UsageError("--episodes = " + std::to_string(f.episodes) +
                     " is out of range (1..1000000)");
  }
  const std::string path = checkpoint_file_of(f.target);
  if (!f.trajectory.empty()) check_output_path(f.trajectory, "eval --trajectory");
  const Checkpoint ck = load_checkpoint(path);
  if (!f.trajectory.empty() && !ck.config.env.is_mujoco()) {
    throw UsageError("eval --trajectory records MuJoCo tasks; " +
                     std::string(ck.config.env.name()) + " is a classic-control task");
  }
  const EvalResult r = evaluate_policy(ck, f.episodes, f.stochastic, f.seed, !f.trajectory.empty());
  if (!f.trajectory.empty()) write_file_atomically(f.trajectory, trajectory_json(ck, r).dump());
  out << std::fixed << std::setprecision(2) << ck.config.env.name() << ": mean return " << r.mean
      << " +/- " << r.std << " over " << f.episodes << " episodes ("
      << (f.stochastic ? "stochastic" : "deterministic") << " policy, checkpoint iteration "
      << ck.state.iteration << ")\n";
  return 0;
}

struct ExportFlags {
  std::string target, format = "safetensors", out;
};

CLI::App* add_export_command(CLI::App& app, ExportFlags* f) {
  CLI::App* cmd = app.add_subcommand("export", "write a trained policy for use outside Stampede");
  cmd->add_option("checkpoint", f->target, "checkpoint file or run directory")->required();
  cmd->add_option("--format", f->format,
                  "safetensors (tensors and statistics) or onnx (a self-contained graph)");
  cmd->add_option("--out", f->out, "file to write (default: beside the checkpoint)");
  return cmd;
}

int run_export(const ExportFlags& f, std::ostream& out) {
  if (f.format != "safetensors" && f.format != "onnx") {
    throw UsageError("unknown export format '" + f.format + "' (supported: onnx, safetensors)");
  }
  if (f.format == "onnx" && !onnx_export_available()) {
    throw UsageError("this build has no ONNX support (install libonnx-dev and rebuild)");
  }
  const std::string path = checkpoint_file_of(f.target);
  const std::string target =
      !f.out.empty()
          ? f.out
          : (std::filesystem::path(path).parent_path() / ("policy." + f.format)).string();
  check_output_path(target, "export --out");
  const Checkpoint ck = load_checkpoint(path);
  if (f.format == "onnx") {
    export_onnx(ck, target);
  } else {
    export_safetensors(ck, target);
  }
  out << "wrote " << target << " (" << ck.config.env.name() << ", iteration " << ck.state.iteration
      << ")\n";
  return 0;
}

struct ModelFlags {
  std::string path, task;
};

CLI::App* add_model_command(CLI::App& app, ModelFlags* f) {
  CLI::App* cmd = app.add_subcommand(
      "model", "compile an MJCF file with stampede's loader and summarise it (no MuJoCo needed)");
  cmd->add_option("file", f->path, "MJCF file")->required();
  cmd->add_option("--env", f->task, "also check it can drive this MuJoCo task");
  return cmd;
}

struct BenchFlags {
  BenchOptions options;
  std::string env = "cartpole";  // resolved into options.env once parsed
};

CLI::App* add_bench_command(CLI::App& app, BenchFlags* f) {
  BenchOptions& b = f->options;
  CLI::App* cmd = app.add_subcommand(
      "bench", "env-only, env + inference and end-to-end training steps/s; PPO update cost");
  cmd->add_option("--env", f->env, "task to measure");
  cmd->add_option("--device", b.device, "cpu, cuda or auto");
  add_int_list(cmd, "--num-envs", &b.num_envs, "environment counts, e.g. 1024,65536");
  cmd->add_option("--env-steps", b.env_steps, "steps per timed repeat (env figures)");
  cmd->add_option("--num-steps", b.num_steps, "T of the training figure");
  cmd->add_option("--epochs", b.epochs, "K of the training figure");
  cmd->add_option("--minibatches", b.minibatches, "minibatches per epoch (training)");
  cmd->add_option("--train-iters", b.train_iters, "iterations per timed repeat");
  cmd->add_option("--warmup", b.warmup, "untimed repeats first");
  cmd->add_option("--repeats", b.repeats, "timed repeats; the median is reported");
  add_int_list(cmd, "--update-widths", &b.update_widths, "MLP widths of the update figure");
  cmd->add_option("--update-minibatch", b.update_minibatch, "rows per minibatch");
  cmd->add_flag("--skip-throughput", b.skip_throughput, "only the update figure");
  cmd->add_flag("--skip-update", b.skip_update, "only the throughput figures");
  cmd->add_option("--json", b.json_path, "also write the results as JSON here");
  cmd->add_option("--seed", b.seed, "random seed");
  cmd->add_option("--threads", b.threads,
                  "CPU threads of the cpu figures (0 = all hardware threads)");
  return cmd;
}

int run_bench_command(BenchFlags& f, std::ostream& out) {
  f.options.env = Task(f.env);
  return run_bench(f.options, out);
}

// CLI11 reports an unknown first word only as "a subcommand is required": name it instead
void reject_unknown_command(const CLI::App& app, int argc, const char* const* argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  std::string known;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == argv[1]) return;
    known += (known.empty() ? "" : ", ") + sub->get_name();
  }
  throw UsageError(std::string("unknown command '") + argv[1] + "' (expected " + known + ")");
}

int run_envs(std::ostream& out) {
  out << std::left << std::setw(26) << "name" << std::setw(28) << "gymnasium id" << std::setw(10)
      << "obs" << std::setw(24) << "action"
      << "max steps\n";
  for (const Task task : all_tasks()) {
    const EnvSpec s = task_spec(task);
    std::string action;
    if (s.discrete()) {
      action = "Discrete(" + std::to_string(s.num_actions) + ")";
    } else {
      std::ostringstream box;
      box << "Box(" << s.action_low[0] << ", " << s.action_high[0] << ", (" << s.act_dim << ",))";
      action = box.str();
    }
    out << std::setw(26) << task.name() << std::setw(28) << task.gym_id() << std::setw(10)
        << ("Box(" + std::to_string(s.obs_dim) + ")") << std::setw(24) << action
        << s.max_episode_steps << "\n";
  }
  return 0;
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"stampede: thousands of environments and PPO on one GPU (or the CPU)"};
  app.require_subcommand(1);
  // the version, and which backends this process can use (and why not)
  app.set_version_flag("--version", [] {
    const std::string cuda = cuda_unavailable_reason();
    return std::string("stampede ") + STAMPEDE_VERSION +
           "\ncpu backend: available\ncuda backend: " +
           (cuda.empty() ? "available" : "unavailable: " + cuda);
  });

  TrainFlags train_flags;
  CLI::App* train_cmd = app.add_subcommand("train", "train a policy with PPO");
  add_train_options(train_cmd, &train_flags);
  EvalFlags eval_flags;
  CLI::App* eval_cmd = add_eval_command(app, &eval_flags);
  CLI::App* envs_cmd = app.add_subcommand("envs", "list tasks with their spaces");
  ModelFlags model_flags;
  CLI::App* model_cmd = add_model_command(app, &model_flags);
  BenchFlags bench_flags;
  CLI::App* bench_cmd = add_bench_command(app, &bench_flags);
  ExportFlags export_flags;
  CLI::App* export_cmd = add_export_command(app, &export_flags);
  // eval and bench read their own table of a config file ([eval], [bench])
  std::string eval_config_path, bench_config_path;
  CLI::Option* eval_config = eval_cmd->add_option(
      "--config", eval_config_path, "TOML file whose [eval] table sets any of these options");
  CLI::Option* bench_config = bench_cmd->add_option(
      "--config", bench_config_path, "TOML file whose [bench] table sets any of these options");
  for (CLI::App* cmd : {train_cmd, eval_cmd, bench_cmd, model_cmd, export_cmd})
    add_value_checks(cmd);

  try {
    reject_unknown_command(app, argc, argv);
    app.parse(argc, argv);
    if (train_cmd->parsed()) {
      if (train_flags.config_file->count() > 0) {
        apply_config_file(train_cmd, train_flags.config_path, true);
      }
      return run_train(train_flags, out);
    }
    if (eval_cmd->parsed()) {
      if (eval_config->count() > 0) apply_config_file(eval_cmd, eval_config_path, false);
      return run_eval(eval_flags, out);
    }
    if (envs_cmd->parsed()) return run_envs(out);
    if (bench_cmd->parsed()) {
      if (bench_config->count() > 0) apply_config_file(bench_cmd, bench_config_path, false);
      return run_bench_command(bench_flags, out);
    }
    if (model_cmd->parsed()) return run_model_command(model_flags.path, model_flags.task, out);
    if (export_cmd->parsed()) return run_export(export_flags, out);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "error: " << shorten_echoes(e.what()) << "\nRun with --help for usage.\n";
    return 2;
  } catch (const UsageError& e) {
    err << "error: " << shorten_echoes(e.what()) << "\n";
    return 2;
  } catch (const TrainingDiverged& e) {
    err << "error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}

}  // namespace stampede
