// The physics engine on its own, outside any task: a compiled MJCF model and a batch of states
// that the caller sets (qpos, qvel, ctrl), steps and reads the derived quantities of, as MJX and
// MuJoCo Warp expose theirs. What the Python package's stampede.physics wraps; the states are
// the engine's fixed-capacity Data (envs/physics/data.hpp), stepped on the CPU backend's threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/mjcf/loader.hpp"
#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

struct PhysicsModel {
  Model model;
  MjcfNames names;
  // `xml_or_path`: MJCF text (it starts with '<') or the path of an MJCF file; UsageError naming
  // the problem for a file that cannot be read, parsed or simulated faithfully
  static std::shared_ptr<const PhysicsModel> load(const std::string& xml_or_path);
};

class PhysicsBatch {
 public:
  // `batch` states of `model`, reset (mj_resetData, then forward)
  PhysicsBatch(std::shared_ptr<const PhysicsModel> model, int batch);

  const Model& model() const { return model_->model; }
  int size() const { return static_cast<int>(data_.size()); }
  Data* data() { return data_.data(); }

  void reset();    // every state to qpos0, zero velocity, controls and warmstart; then forward
  void forward();  // mj_forward on every state: the derived quantities of the current state
  // `nstep` steps of every state. A state that turns bad (NaN, |x| > 1e10) is reset to qpos0
  // and stepped on, as mj_step does; the count of such resets per state accumulates here.
  void step(int nstep);
  const std::vector<int32_t>& bad_state_resets() const { return resets_; }

 private:
  std::shared_ptr<const PhysicsModel> model_;
  std::vector<Data> data_;
  std::vector<int32_t> resets_;
};

}  // namespace stampede
