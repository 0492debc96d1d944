#include "host/cpu/mlp_cpu.hpp"

#include <cmath>
#include <cstdint>

namespace stampede {

void mlp_forward_batch(const float* params, const MlpShape& shape, const float* x, int rows,
                       MlpActivations* acts) {
  acts->layers.resize(shape.num_layers());
  const float* in = x;
  for (int l = 0; l < shape.num_layers(); ++l) {
    const int n_in = shape.layer_in(l), n_out = shape.layer_out(l);
    const float* w = params + shape.weight_offset(l);
    const float* b = params + shape.bias_offset(l);
    const bool hidden = l < shape.num_hidden;
    std::vector<float>& out = acts->layers[l];
    out.resize(static_cast<size_t>(rows) * n_out);
    for (int r = 0; r < rows; ++r) {
      const float* xr = in + static_cast<int64_t>(r) * n_in;
      float* yr = out.data() + static_cast<int64_t>(r) * n_out;
      for (int o = 0; o < n_out; ++o) {
        const float* wo = w + static_cast<int64_t>(o) * n_in;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int k = 0; k < n_in; ++k) acc += wo[k] * xr[k];
        acc += b[o];
        yr[o] = hidden ? std::tanh(acc) : acc;
      }
    }
    in = out.data();
  }
}

void mlp_backward_batch(const float* params, const MlpShape& shape, const float* x, int rows,
                        const MlpActivations& acts, std::vector<float>* d_out, float* grad) {
  std::vector<float> d_in;
  for (int l = shape.num_hidden; l >= 0; --l) {
    const int n_in = shape.layer_in(l), n_out = shape.layer_out(l);
    const float* w = params + shape.weight_offset(l);
    float* gw = grad + shape.weight_offset(l);
    float* gb = grad + shape.bias_offset(l);
    const float* in = l == 0 ? x : acts.layers[l - 1].data();
    const bool need_d_in = l > 0;
    if (need_d_in) d_in.assign(static_cast<size_t>(rows) * n_in, 0.0f);
    for (int r = 0; r < rows; ++r) {
      const float* dr = d_out->data() + static_cast<int64_t>(r) * n_out;
      const float* xr = in + static_cast<int64_t>(r) * n_in;
      float* dir = need_d_in ? d_in.data() + static_cast<int64_t>(r) * n_in : nullptr;
      for (int o = 0; o < n_out; ++o) {
        const float d = dr[o];
        if (d == 0.0f) continue;
        float* gwo = gw + static_cast<int64_t>(o) * n_in;
        const float* wo = w + static_cast<int64_t>(o) * n_in;
#pragma omp simd
        for (int k = 0; k < n_in; ++k) gwo[k] += d * xr[k];
        gb[o] += d;
        if (need_d_in) {
#pragma omp simd
          for (int k = 0; k < n_in; ++k) dir[k] += d * wo[k];
        }
      }
    }
    if (!need_d_in) break;
    // through the tanh of the layer below: d pre = d act * (1 - act^2)
    const std::vector<float>& a = acts.layers[l - 1];
    for (size_t k = 0; k < d_in.size(); ++k) d_in[k] *= 1.0f - a[k] * a[k];
    d_out->swap(d_in);
  }
}

}  // namespace stampede
