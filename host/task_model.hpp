// A run's own MJCF model (`train --model FILE`): read once when the run starts, its text kept in
// the config and so in every checkpoint, compiled on demand by whoever steps the task.
#pragma once

#include "envs/physics/model.hpp"
#include "envs/task.hpp"
#include "host/config.hpp"

namespace stampede {

// reads config->model into config->model_xml and checks that it compiles and can drive the task;
// UsageError naming the file otherwise. Nothing to do without --model.
void load_task_model(TrainConfig* config);

// the compiled model of config.model_xml (compiled once per process and text), or nullptr when
// the run uses the task's embedded model
const Model* task_model(const TrainConfig& config);

// the task's spec with the model's action bounds
EnvSpec task_spec(const TrainConfig& config);

}  // namespace stampede
