#include "envs/mujoco/task_models.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "envs/mjcf/loader.hpp"
#include "envs/mujoco/embedded_assets.hpp"

namespace stampede {

const Model& embedded_task_model(std::string_view asset) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Model>, std::less<>> models;
  std::lock_guard<std::mutex> lock(mutex);
  const auto found = models.find(asset);
  if (found != models.end()) return *found->second;
  const char* xml = embedded_asset(asset);
  if (!xml) throw TaskModelError("no embedded asset '" + std::string(asset) + "'");
  auto model = std::make_unique<Model>(load_mjcf_string(xml, nullptr, std::string(asset) + ".xml"));
  return *models.emplace(std::string(asset), std::move(model)).first->second;
}

}  // namespace stampede
