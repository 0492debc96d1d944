#include "host/physics_batch.hpp"

#include "core/errors.hpp"
#include "envs/physics/forward.hpp"
#include "host/cpu/parallel.hpp"
#include "host/durable_file.hpp"

namespace stampede {

namespace {
constexpr int kMaxBatch = 1 << 20;
constexpr uint64_t kMaxModelBytes = uint64_t{64} << 20;
}  // namespace

std::shared_ptr<const PhysicsModel> PhysicsModel::load(const std::string& xml_or_path) {
  auto loaded = std::make_shared<PhysicsModel>();
  const size_t first = xml_or_path.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && xml_or_path[first] == '<') {
    loaded->model = load_mjcf_string(xml_or_path, &loaded->names);
  } else {
    const std::string xml = read_regular_file(xml_or_path, "model file", kMaxModelBytes);
    loaded->model = load_mjcf_string(xml, &loaded->names, xml_or_path);
  }
  if (!Data::fits(loaded->model)) {
    throw UsageError(
        "the model exceeds the engine's capacities (bodies, joints, dofs, "
        "contacts; see docs/mjcf_subset.md)");
  }
  return loaded;
}

PhysicsBatch::PhysicsBatch(std::shared_ptr<const PhysicsModel> model, int batch)
    : model_(std::move(model)) {
  if (batch < 1 || batch > kMaxBatch) {
    throw UsageError("batch = " + std::to_string(batch) + " is out of range (1.." +
                     std::to_string(kMaxBatch) + ")");
  }
  data_.resize(static_cast<size_t>(batch));
  resets_.assign(static_cast<size_t>(batch), 0);
  reset();
}

void PhysicsBatch::reset() {
  const Model& m = model();
  parallel_for(size(), 16, [&](int64_t i) {
    reset_data(m, data_[i]);
    stampede::forward(m, data_[i]);
  });
  std::fill(resets_.begin(), resets_.end(), 0);
}

void PhysicsBatch::forward() {
  const Model& m = model();
  parallel_for(size(), 16, [&](int64_t i) { stampede::forward(m, data_[i]); });
}

void PhysicsBatch::step(int nstep) {
  if (nstep < 0) throw UsageError("nstep = " + std::to_string(nstep) + " is negative");
  const Model& m = model();
  parallel_for(size(), 16, [&](int64_t i) {
    Data& d = data_[i];
    for (int k = 0; k < nstep; ++k)
      resets_[i] += step_or_reset(m, d) ? 1 : 0;
  });
}

}  // namespace stampede
