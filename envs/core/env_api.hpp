// The contract every environment satisfies, so one batched driver (CPU loop or CUDA thread per
// environment) can step any of them. An environment is a small struct of constants and
// parameters passed by value; its member functions are STAMPEDE_HD, use no heap, no virtual calls
// and no STL, and operate on a flat float state of kStateDim entries:
//
//   static constexpr int kStateDim, kObsDim, kActDim, kNumActions (0 = continuous);
//   int max_episode_steps() const;                  // Gymnasium TimeLimit (truncation)
//   void reset(float* state, Rng& rng) const;       // Gymnasium's reset distribution
//   StepOutcome step(float* state, const float* action, Rng& rng) const;
//   void observe(const float* state, float* obs) const;
//
// Discrete actions arrive as the action index stored in a float (exact for small integers).
// Continuous actions arrive unclipped, as Gymnasium passes them to the environment; each
// environment applies its own clipping where Gymnasium does.
#pragma once

#include <cstdint>

#include "core/hd.hpp"
#include "core/rng.hpp"

namespace stampede {

struct StepOutcome {
  float reward;
  bool terminated;
  // physics tasks: states that diverged (NaN, |x| > 1e10) and were reset in this step, as
  // MuJoCo's mj_step auto-resets them; counted so training can report them
  int32_t bad_state_resets = 0;
};

// a task that runs on the physics engine: it steps the compiled MJCF model it points at
template <class Env>
concept PhysicsTask = requires(const Env& env) {
  env.model;
};

}  // namespace stampede
