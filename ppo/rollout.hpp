// One iteration's experience, time-major [T, N, ...] so that at each step t a warp of
// environments touches consecutive addresses. RolloutBuffer holds it on the host (the CPU backend,
// tests), the CUDA backend holds a RolloutStorage<DeviceBuffer>, and the act step, GAE, the update
// and the statistics read a RolloutView, whichever memory it points into.
#pragma once

#include <cstdint>
#include <tuple>

#include "core/arrays.hpp"
#include "core/hd.hpp"

namespace stampede {

struct RolloutShape {
  int steps = 0, num_envs = 0, obs_dim = 0, act_dim = 0, head_dim = 0;
  STAMPEDE_HD int64_t transitions() const { return static_cast<int64_t>(steps) * num_envs; }
};

template <template <class> class Array>
struct RolloutStorage {
  RolloutShape shape;
  Array<float> obs{};           // [T, N, obs_dim] normalised, as the policy saw them
  Array<float> actions{};       // [T, N, act_dim] sampled (unclipped) actions
  Array<float> logp{};          // [T, N]
  Array<float> values{};        // [T, N]
  Array<float> dist{};          // [T, N, head_dim] Gaussian mean or categorical log-probs
  Array<float> rewards{};       // [T, N] after reward scaling
  Array<uint8_t> terminated{};  // [T, N]
  Array<uint8_t> truncated{};   // [T, N]
  Array<float> trunc_values{};  // [T, N] V(final obs) where truncated
  Array<float> last_values{};   // [N] V(s_T)
  Array<float> advantages{};    // [T, N]
  Array<float> returns{};       // [T, N]

  STAMPEDE_HD int64_t size() const { return shape.transitions(); }

  // every array with its length: the one list of the fields (see core/arrays.hpp)
  template <class Self>
  static auto fields(Self& s) {
    const int64_t tn = s.shape.transitions(), n = s.shape.num_envs;
    return std::make_tuple(Sized{s.obs, tn * s.shape.obs_dim},
                           Sized{s.actions, tn * s.shape.act_dim}, Sized{s.logp, tn},
                           Sized{s.values, tn}, Sized{s.dist, tn * s.shape.head_dim},
                           Sized{s.rewards, tn}, Sized{s.terminated, tn}, Sized{s.truncated, tn},
                           Sized{s.trunc_values, tn}, Sized{s.last_values, n},
                           Sized{s.advantages, tn}, Sized{s.returns, tn});
  }

  void resize(const RolloutShape& new_shape) {
    shape = new_shape;
    resize_storage(*this);
  }
};

using RolloutBuffer = RolloutStorage<HostArray>;
using RolloutView = RolloutStorage<Ptr>;

template <class S>
RolloutView rollout_view(S& storage) {
  return view_of<RolloutView>(storage);
}

}  // namespace stampede
