// Shared-memory layout of one block of the fused PPO update (kernels/ppo_update.cu), for one
// network. Offsets are in floats and multiples of 4 (16-byte quads); every matrix is
// [rows][stride] with stride = quad_stride(width) and its padding zeroed, as
// kernels/ppo_update_tiles.cuh needs.
#pragma once

#include "kernels/ppo_update.hpp"
#include "kernels/ppo_update_tiles.cuh"
#include "ppo/policy_layout.hpp"

namespace stampede {

constexpr int kFusedMaxLayers = kMaxHiddenLayers + 1;
// one row slot's loss-term sums, in floats of shared memory
constexpr int kLossTermsFloats = sizeof(LossTerms) / sizeof(float);

struct FusedSmem {
  int terms;  // [rows] LossTerms: loss terms summed per row slot over the tiles
  int w[kFusedMaxLayers], ws[kFusedMaxLayers], b[kFusedMaxLayers];  // W_l [pad4(out)][ws], b_l
  int params;      // floats from w[0] to the end of the last bias
  int grads;       // the gradient mirror of the parameters, same layout
  int x[2], xs;    // network inputs [rows][xs] of this tile and of the next one, being staged
  int rec[2], rw;  // per-row loss inputs [rows][rw] of the same two tiles (loss_record_field)
  int act[kFusedMaxLayers], as[kFusedMaxLayers];  // layer outputs [rows][as]
  int hs;       // stride of every hidden layer's outputs and deltas
  int d_out;    // delta of the output layer [rows][as[out layer]]
  int spare;    // delta of the last hidden layer [rows][hs]
  int log_std;  // continuous head: log-std and the rollout's log-std [2][head]
  int ls_sum;   // d loss / d log-std summed per row slot over the tiles [rows][head]
  int ls_row;   // d loss / d log-std of one row [rows][head]
  int total;
};

// what thread 0 computes once per block: the layout and the block's network
struct FusedHeader {
  FusedSmem f;
  MlpShape shape;
};
constexpr int kHeaderFloats = (sizeof(FusedHeader) / sizeof(float) + 3) & ~3;

// per-row loss inputs: actor [advantage, logp, action[act_dim], dist[head]], critic [value, return]
STAMPEDE_HD int loss_record_width(const PolicyLayout& L, bool actor) {
  return actor ? 2 + L.act_dim + L.head_dim() : 2;
}

// fills *out (the kernel's thread 0 writes the header in shared memory directly; a struct with
// arrays indexed by layer would otherwise be built in local memory); s is L.actor or L.critic
STAMPEDE_HD void fill_fused_smem(const PolicyLayout& L, const MlpShape& s, bool actor, int rows,
                                 FusedSmem* out) {
  const int head = L.head_dim(), out_layer = s.num_hidden;
  *out = FusedSmem{};
  FusedSmem& f = *out;
  int off = kHeaderFloats;
  auto take = [&off](int floats) {
    const int at = off;
    off += pad4(floats);
    return at;
  };
  f.terms = take(rows * kLossTermsFloats);
  for (int l = 0; l < s.num_layers(); ++l) {
    f.ws[l] = quad_stride(s.layer_in(l));
    f.w[l] = take(pad4(s.layer_out(l)) * f.ws[l]);
    f.b[l] = take(pad4(s.layer_out(l)));
  }
  f.params = off - f.w[0];
  f.grads = take(f.params);
  f.xs = quad_stride(s.in);
  f.x[0] = take(rows * f.xs);
  f.x[1] = take(rows * f.xs);
  f.rw = loss_record_width(L, actor);
  f.rec[0] = take(rows * f.rw);
  f.rec[1] = take(rows * f.rw);
  int widest = 0;
  for (int l = 0; l < out_layer; ++l)
    widest = s.hidden[l] > widest ? s.hidden[l] : widest;
  f.hs = quad_stride(widest);
  for (int l = 0; l < out_layer; ++l) {
    f.as[l] = f.hs;
    f.act[l] = take(rows * f.hs);
  }
  f.as[out_layer] = quad_stride(s.out);
  f.act[out_layer] = take(rows * f.as[out_layer]);
  f.d_out = take(rows * f.as[out_layer]);
  f.spare = take(rows * f.hs);
  if (actor && !L.discrete()) {
    f.log_std = take(2 * head);
    f.ls_sum = take(rows * head);
    f.ls_row = take(rows * head);
  }
  f.total = off;
}

STAMPEDE_HD FusedSmem make_fused_smem(const PolicyLayout& L, bool actor, int rows) {
  FusedSmem f;
  fill_fused_smem(L, actor ? L.actor : L.critic, actor, rows, &f);
  return f;
}

}  // namespace stampede
