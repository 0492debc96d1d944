#include "host/task_model.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "envs/mjcf/loader.hpp"
#include "host/durable_file.hpp"

namespace stampede {

namespace {

// compiles `xml` and checks it against the task; MjcfError or TaskModelError (UsageErrors) naming
// `source`
std::unique_ptr<Model> compile_task_model(const std::string& xml, Task task,
                                          const std::string& source) {
  auto model = std::make_unique<Model>(load_mjcf_string(xml, nullptr, source));
  check_task_model(task, *model, source);
  return model;
}

}  // namespace

void load_task_model(TrainConfig* config) {
  if (config->model.empty()) return;
  config->model_xml = read_regular_file(config->model, "model file", uint64_t{64} << 20);
  compile_task_model(config->model_xml, config->env, config->model);
}

const Model* task_model(const TrainConfig& config) {
  if (config.model_xml.empty()) return nullptr;
  // keyed by text and task, so a process that trains or evaluates several runs keeps each apart;
  // the models live as long as the process, as the CUDA backend's device copies do
  static std::mutex mutex;
  static std::map<std::pair<int, std::string>, std::unique_ptr<Model>> compiled;
  std::lock_guard<std::mutex> lock(mutex);
  const std::pair<int, std::string> key(config.env.index(), config.model_xml);
  auto found = compiled.find(key);
  if (found == compiled.end()) {
    found =
        compiled.emplace(key, compile_task_model(config.model_xml, config.env, config.model)).first;
  }
  return found->second.get();
}

EnvSpec task_spec(const TrainConfig& config) {
  return task_spec(config.env, task_model(config));
}

}  // namespace stampede
