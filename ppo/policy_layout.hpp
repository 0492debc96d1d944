// Where each tensor of the actor-critic lives in the one flat parameter buffer that Adam, the
// checkpoint and the GPU share:
//   [ actor MLP | log_std (continuous only) | critic MLP ]
// An MLP is a sequence of dense layers, tanh on the hidden ones, linear output; layer l stores
// W_l [out_l, in_l] row-major followed by b_l [out_l].
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "ppo/distributions.hpp"

namespace stampede {

constexpr int kMaxHiddenLayers = 4;
constexpr int kMaxLayerWidth = 1024;

struct MlpShape {
  int in = 0;
  int out = 0;
  int num_hidden = 0;
  int hidden[kMaxHiddenLayers] = {};

  STAMPEDE_HD int num_layers() const { return num_hidden + 1; }
  STAMPEDE_HD int layer_in(int l) const { return l == 0 ? in : hidden[l - 1]; }
  STAMPEDE_HD int layer_out(int l) const { return l == num_hidden ? out : hidden[l]; }
  STAMPEDE_HD int64_t layer_size(int l) const {
    return static_cast<int64_t>(layer_out(l)) * (layer_in(l) + 1);
  }
  // offset of W_l relative to the MLP's first parameter; b_l follows W_l
  STAMPEDE_HD int64_t weight_offset(int l) const {
    int64_t offset = 0;
    for (int k = 0; k < l; ++k)
      offset += layer_size(k);
    return offset;
  }
  STAMPEDE_HD int64_t bias_offset(int l) const {
    return weight_offset(l) + static_cast<int64_t>(layer_out(l)) * layer_in(l);
  }
  STAMPEDE_HD int64_t num_params() const { return weight_offset(num_layers()); }
  STAMPEDE_HD int max_width() const {
    int w = in > out ? in : out;
    for (int k = 0; k < num_hidden; ++k)
      w = hidden[k] > w ? hidden[k] : w;
    return w;
  }
};

struct PolicyLayout {
  MlpShape actor;   // obs -> mean (Gaussian) or logits (categorical)
  MlpShape critic;  // obs -> value
  int obs_dim = 0;
  int act_dim = 0;      // action components stored per step (1 for discrete)
  int num_actions = 0;  // categorical choices; 0 = Gaussian

  STAMPEDE_HD bool discrete() const { return num_actions > 0; }
  // width of the actor's output and of the per-step distribution parameters kept for the KL
  STAMPEDE_HD int head_dim() const { return discrete() ? num_actions : act_dim; }
  STAMPEDE_HD int64_t actor_offset() const { return 0; }
  STAMPEDE_HD int64_t log_std_offset() const { return actor.num_params(); }
  STAMPEDE_HD int64_t critic_offset() const {
    return actor.num_params() + (discrete() ? 0 : act_dim);
  }
  STAMPEDE_HD int64_t num_params() const { return critic_offset() + critic.num_params(); }
};

// forward pass of one row through an MLP; `scratch` holds 2 * max_width floats
STAMPEDE_HD void mlp_forward_row(const float* params, const MlpShape& shape, const float* x,
                                 float* y, float* scratch) {
  const int width = shape.max_width();
  float* bufs[2] = {scratch, scratch + width};
  const float* in = x;
  for (int l = 0; l < shape.num_layers(); ++l) {
    const int n_in = shape.layer_in(l), n_out = shape.layer_out(l);
    const float* w = params + shape.weight_offset(l);
    const float* b = params + shape.bias_offset(l);
    const bool last = l == shape.num_hidden;
    float* out = last ? y : bufs[l & 1];
    for (int o = 0; o < n_out; ++o) {
      float acc = b[o];
      const float* w_row = w + static_cast<int64_t>(o) * n_in;
      for (int k = 0; k < n_in; ++k)
        acc += w_row[k] * in[k];
      out[o] = last ? acc : tanhf(acc);
    }
    in = out;
  }
}

}  // namespace stampede
