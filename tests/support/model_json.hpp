// Host-only reader of the JSON model export written by scripts/gen_physics_goldens.py (the
// arrays of a model compiled by the `mujoco` package, under model.hpp's field names). Lets the
// dynamics be tested against MuJoCo independently of our MJCF compiler.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "envs/physics/data.hpp"
#include "envs/physics/model.hpp"

namespace stampede {

// throws std::runtime_error when a field is missing or a count exceeds a capacity
Model model_from_json(const nlohmann::json& j);

// reads a golden file and returns its "model" object
Model load_model_json(const std::string& path);

// sets the state part of d (time, qpos, qvel, ctrl, qacc_warmstart) from a golden state object
void state_from_json(const nlohmann::json& j, const Model& m, Data& d);

}  // namespace stampede
