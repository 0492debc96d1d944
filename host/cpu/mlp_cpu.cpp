#include "host/cpu/mlp_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "host/cpu/parallel.hpp"

namespace stampede {

namespace {

// rows of a batch below which a layer is not worth splitting across threads
constexpr int64_t kRowsPerThread = 16;

}  // namespace

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
    float* y = out.data();
    parallel_for(rows, kRowsPerThread, [&](int64_t r) {
      const float* xr = in + r * n_in;
      float* yr = y + r * n_out;
      for (int o = 0; o < n_out; ++o) {
        const float* wo = w + static_cast<int64_t>(o) * n_in;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int k = 0; k < n_in; ++k)
          acc += wo[k] * xr[k];
        acc += b[o];
        yr[o] = hidden ? std::tanh(acc) : acc;
      }
    });
    in = out.data();
  }
}

// Backward through one layer. The weight and bias gradients are split by output unit and the
// input gradient by row; both keep the row-by-row, unit-by-unit order of a single serial sweep
// (zero upstream gradients skipped, as there), so the sums do not depend on the thread count.
void mlp_backward_batch(const float* params, const MlpShape& shape, const float* x, int rows,
                        const MlpActivations& acts, std::vector<float>* d_out, float* grad) {
  std::vector<float> d_in;
  for (int l = shape.num_hidden; l >= 0; --l) {
    const int n_in = shape.layer_in(l), n_out = shape.layer_out(l);
    const float* w = params + shape.weight_offset(l);
    float* gw = grad + shape.weight_offset(l);
    float* gb = grad + shape.bias_offset(l);
    const float* in = l == 0 ? x : acts.layers[l - 1].data();
    const float* d = d_out->data();

    // one contiguous block of output units per thread, so each thread reads the inputs once
    const int tasks = rows >= 2 * kRowsPerThread ? std::min(n_out, cpu_threads()) : 1;
    const int units_per_task = (n_out + tasks - 1) / tasks;
    parallel_for(tasks, 1, [&](int64_t task) {
      const int o_begin = static_cast<int>(task) * units_per_task;
      const int o_end = std::min(n_out, o_begin + units_per_task);
      for (int r = 0; r < rows; ++r) {
        const float* xr = in + static_cast<int64_t>(r) * n_in;
        const float* dr = d + static_cast<int64_t>(r) * n_out;
        for (int o = o_begin; o < o_end; ++o) {
          const float g = dr[o];
          if (g == 0.0f) continue;
          float* gwo = gw + static_cast<int64_t>(o) * n_in;
#pragma omp simd
          for (int k = 0; k < n_in; ++k)
            gwo[k] += g * xr[k];
          gb[o] += g;
        }
      }
    });
    if (l == 0) break;

    // through the weights, then the tanh of the layer below: d pre = d act * (1 - act^2)
    d_in.assign(static_cast<size_t>(rows) * n_in, 0.0f);
    const float* a = acts.layers[l - 1].data();
    parallel_for(rows, kRowsPerThread, [&](int64_t r) {
      const float* dr = d + r * n_out;
      float* dir = d_in.data() + r * n_in;
      for (int o = 0; o < n_out; ++o) {
        const float g = dr[o];
        if (g == 0.0f) continue;
        const float* wo = w + static_cast<int64_t>(o) * n_in;
#pragma omp simd
        for (int k = 0; k < n_in; ++k)
          dir[k] += g * wo[k];
      }
      const float* ar = a + r * n_in;
      for (int k = 0; k < n_in; ++k)
        dir[k] *= 1.0f - ar[k] * ar[k];
    });
    d_out->swap(d_in);
  }
}

}  // namespace stampede
