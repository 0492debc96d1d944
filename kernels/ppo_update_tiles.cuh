/*
Register-tiled products of the fused PPO update (kernels/ppo_update.cu), fp32, over row-major
matrices in shared memory. For one dense layer y = W x + b over a tile of rows:
  forward   Y[r][o]  = act(sum_k X[r][k] W[o][k] + b[o])
  backprop  P[r][k]  = (sum_o D[r][o] W[o][k]) (1 - X[r][k]^2)   (tanh derivative of the input)
  weights   G[o][k] += sum_r D[r][o] X[r][k],   g[o] += sum_r D[r][o]
A thread owns a 4 x 4 micro-tile of the result: per step of the reduction it loads two quads
(16-byte loads) per 16 FMAs, a quarter of a load per FMA, where a loop reading one float of
each operand per FMA is bound by shared-memory bandwidth at 1/8 of the FMA rate.
Every matrix has rows padded with zeros to a multiple of 4 floats and a row stride whose quarter
is odd (quad_stride), so the quads of 8 consecutive rows start in 8 different 4-bank groups and
a warp's quad load takes only the minimum number of shared-memory wavefronts.
Small products (a 2-wide head, a 4-wide input) have fewer micro-tiles than threads; their
reduction is then split over `slices` adjacent lanes and slice_reduce sums the partial tiles
with a fixed shuffle tree. Every sum's order is fixed by the shapes, never by timing.
*/
#pragma once

#include "core/hd.hpp"

namespace stampede {

constexpr int kFusedThreads = 256;

// unrolling where nvcc compiles; host compilers (the CPU emulation) see nothing to warn about
#define STAMPEDE_PRAGMA(text) _Pragma(#text)
#if defined(__CUDACC__)
#define STAMPEDE_UNROLL STAMPEDE_PRAGMA(unroll)
#define STAMPEDE_UNROLL_BY(n) STAMPEDE_PRAGMA(unroll n)
#else
#define STAMPEDE_UNROLL
#define STAMPEDE_UNROLL_BY(n)
#endif

STAMPEDE_HD int pad4(int n) {
  return (n + 3) & ~3;
}

// a row stride of at least n floats, a multiple of 4 with an odd quotient
STAMPEDE_HD int quad_stride(int n) {
  return (pad4(n) / 4) % 2 ? pad4(n) : pad4(n) + 4;
}

// four floats loaded and stored as one 16-byte access
struct alignas(16) Quad {
  float v[4];
};

// a row-major matrix in shared memory; stride % 4 == 0 and p 16-byte aligned
struct Mat {
  float* p;
  int stride;
  __device__ __forceinline__ float* row(int r) const { return p + r * stride; }
  __device__ __forceinline__ Quad quad(int r, int q) const {
    return *reinterpret_cast<const Quad*>(p + r * stride + 4 * q);
  }
  __device__ __forceinline__ void set_quad(int r, int q, const Quad& x) const {
    *reinterpret_cast<Quad*>(p + r * stride + 4 * q) = x;
  }
};

// log2 of the lanes per micro-tile: the most (<= 32) that keep tiles * lanes within the block
// and give every lane at least one step of the reduction
__device__ __forceinline__ int slice_shift(int tiles, int steps) {
  int shift = 0;
  while (shift < 5 && (tiles << (shift + 1)) <= kFusedThreads && (2 << shift) <= steps)
    ++shift;
  return shift;
}

// One step of slice_reduce: lanes that differ in bit kStep of the slice swap halves of the
// h values each still holds and add them; the upper lane keeps the upper half.
template <int N, int kStep>
__device__ __forceinline__ void halving_step(float (&v)[N], int shift, int slice, int* base,
                                             int* count) {
  constexpr int h = N >> (kStep + 1), off = 1 << kStep;
  if (off >= (1 << shift)) return;
  const bool upper = slice & off;
  STAMPEDE_UNROLL
  for (int q = 0; q < h; ++q) {
    const float send = upper ? v[q] : v[q + h];
    const float keep = upper ? v[q + h] : v[q];
    v[q] = keep + __shfl_xor_sync(0xffffffffu, send, off);
  }
  *base += upper ? h : 0;
  *count = h;
}

// Sums v over the 2^shift adjacent lanes of each group by recursive halving. Afterwards v[0,
// *count) holds the group's totals of entries [base, base + *count), base returned; each total
// is added up by one fixed tree, and lanes that hold the same totals hold the same bits.
template <int N>
__device__ __forceinline__ int slice_reduce(float (&v)[N], int shift, int slice, int* count) {
  static_assert(N == 4 || N == 16, "micro-tiles hold 4 or 16 entries");
  int base = 0;
  *count = N;
  halving_step<N, 0>(v, shift, slice, &base, count);
  halving_step<N, 1>(v, shift, slice, &base, count);
  if constexpr (N == 16) {
    halving_step<N, 2>(v, shift, slice, &base, count);
    halving_step<N, 3>(v, shift, slice, &base, count);
  }
  for (int off = N; off < (1 << shift); off *= 2)  // one value left: plain butterfly
    v[0] += __shfl_xor_sync(0xffffffffu, v[0], off);
  return base;
}

// Runs body(tile, slice, live) for every (micro-tile, slice) lane of a product, 2^shift lanes per
// tile. Every thread runs the same number of rounds (the shuffles need the whole warp); lanes
// past the end run tile 0 with live = false and must not store.
template <class Body>
__device__ __forceinline__ void for_each_lane(int tiles, int shift, Body body) {
  const int lanes = tiles << shift;
  const int rounds = (lanes + kFusedThreads - 1) / kFusedThreads;
  for (int round = 0; round < rounds; ++round) {
    const int g = round * kFusedThreads + static_cast<int>(threadIdx.x);
    const bool live = g < lanes;
    body(live ? g >> shift : 0, g & ((1 << shift) - 1), live);
  }
}

// Runs step(k) for k = slice, slice + 2^shift, ... < steps. With one lane per tile (the large
// products) the stride is the constant 1, so nvcc unrolls with constant address offsets.
template <class Step>
__device__ __forceinline__ void reduction_loop(int steps, int shift, int slice, Step step) {
  if (shift == 0) {
    STAMPEDE_UNROLL_BY(4)
    for (int k = 0; k < steps; ++k)
      step(k);
  } else {
    for (int k = slice; k < steps; k += 1 << shift)
      step(k);
  }
}

// a quad at float offset `at` of a row pointer
__device__ __forceinline__ Quad quad_at(const float* row, int at) {
  return *reinterpret_cast<const Quad*>(row + at);
}

// Stores the entries of a reduced micro-tile this lane owns: store(e, value), e = 4 * i + j.
// Lanes whose slice has bits above the tile's 16 entries hold duplicates and store nothing.
template <int N, class Store>
__device__ __forceinline__ void store_owned(const float (&v)[N], int base, int count, int slice,
                                            bool live, Store store) {
  if (!live || slice >= N) return;
  if (count == N) {  // one lane per tile: entries known at compile time
    STAMPEDE_UNROLL
    for (int q = 0; q < N; ++q)
      store(q, v[q]);
    return;
  }
  STAMPEDE_UNROLL
  for (int q = 0; q < N; ++q) {
    if (q < count) store(base + q, v[q]);
  }
}

// Y = act(X W^T + b) for rows [0, rows) and outputs [0, n_pad); the reduction runs over k_pad
__device__ void forward_layer(Mat x, Mat w, const float* b, int k_pad, int n_pad, int rows,
                              bool hidden, Mat y) {
  // thread rows tm + tiles_m i and outputs tn + tiles_n j: a warp's quads come from
  // consecutive rows of X and of W
  const int tiles_m = rows / 4, tiles_n = n_pad / 4, chunks = k_pad / 4;
  const int shift = slice_shift(tiles_m * tiles_n, chunks);
  for_each_lane(tiles_m * tiles_n, shift, [&](int tile, int slice, bool live) {
    const int tm = tile / tiles_n, tn = tile % tiles_n;
    const float *xr[4], *wr[4];
    STAMPEDE_UNROLL
    for (int i = 0; i < 4; ++i) {
      xr[i] = x.row(tm + tiles_m * i);
      wr[i] = w.row(tn + tiles_n * i);
    }
    float acc[16] = {};
    reduction_loop(chunks, shift, slice, [&](int c) {
      Quad a[4], bw[4];
      STAMPEDE_UNROLL
      for (int i = 0; i < 4; ++i) {
        a[i] = quad_at(xr[i], 4 * c);
        bw[i] = quad_at(wr[i], 4 * c);
      }
      STAMPEDE_UNROLL
      for (int q = 0; q < 4; ++q) {
        STAMPEDE_UNROLL
        for (int e = 0; e < 16; ++e)
          acc[e] = fmaf(a[e / 4].v[q], bw[e % 4].v[q], acc[e]);
      }
    });
    int count;
    const int base = slice_reduce(acc, shift, slice, &count);
    store_owned(acc, base, count, slice, live, [&](int e, float s) {
      const int r = tm + tiles_m * (e / 4), o = tn + tiles_n * (e % 4);
      const float z = s + b[o];
      y.row(r)[o] = hidden ? tanhf(z) : z;
    });
  });
}

// P = (D W) * (1 - X^2) for rows [0, rows) and inputs [0, k_pad); the reduction runs over n_pad
__device__ void backprop_layer(Mat d, Mat w, Mat x, int n_pad, int k_pad, int rows, Mat p) {
  // thread rows tm + tiles_m i and inputs 4 tn + j: one quad of W per output
  const int tiles_m = rows / 4, tiles_n = k_pad / 4, chunks = n_pad / 4;
  const int shift = slice_shift(tiles_m * tiles_n, chunks);
  for_each_lane(tiles_m * tiles_n, shift, [&](int tile, int slice, bool live) {
    const int tm = tile / tiles_n, tn = tile % tiles_n;
    const float* dr[4];
    STAMPEDE_UNROLL
    for (int i = 0; i < 4; ++i)
      dr[i] = d.row(tm + tiles_m * i);
    const float* wc = w.p + 4 * tn;
    float acc[16] = {};
    reduction_loop(chunks, shift, slice, [&](int c) {
      Quad a[4], bw[4];
      STAMPEDE_UNROLL
      for (int i = 0; i < 4; ++i) {
        a[i] = quad_at(dr[i], 4 * c);
        bw[i] = quad_at(wc, (4 * c + i) * w.stride);
      }
      STAMPEDE_UNROLL
      for (int q = 0; q < 4; ++q) {
        STAMPEDE_UNROLL
        for (int e = 0; e < 16; ++e)
          acc[e] = fmaf(a[e / 4].v[q], bw[q].v[e % 4], acc[e]);
      }
    });
    if (shift == 0) {  // the common case: whole quads of X in and of P out
      STAMPEDE_UNROLL
      for (int i = 0; i < 4; ++i) {
        const int r = tm + tiles_m * i;
        Quad out = x.quad(r, tn);
        STAMPEDE_UNROLL
        for (int j = 0; j < 4; ++j)
          out.v[j] = acc[4 * i + j] * (1.0f - out.v[j] * out.v[j]);
        if (live) p.set_quad(r, tn, out);
      }
      return;
    }
    int count;
    const int base = slice_reduce(acc, shift, slice, &count);
    store_owned(acc, base, count, slice, live, [&](int e, float s) {
      const int r = tm + tiles_m * (e / 4), k = 4 * tn + e % 4;
      const float a = x.row(r)[k];
      p.row(r)[k] = s * (1.0f - a * a);
    });
  });
}

// G += D^T X over rows [0, rows), for outputs [0, n_pad) and inputs [0, k_pad)
__device__ void weight_grad(Mat d, Mat x, int n_pad, int k_pad, int rows, Mat g) {
  // thread outputs 4 tm + i and inputs 4 tn + j: one quad of D and one of X per row
  const int tiles_m = n_pad / 4, tiles_n = k_pad / 4;
  const int shift = slice_shift(tiles_m * tiles_n, rows);
  for_each_lane(tiles_m * tiles_n, shift, [&](int tile, int slice, bool live) {
    const int tm = tile / tiles_n, tn = tile % tiles_n;
    const float *dc = d.p + 4 * tm, *xc = x.p + 4 * tn;
    float acc[16] = {};
    reduction_loop(rows, shift, slice, [&](int r) {
      const Quad a = quad_at(dc, r * d.stride), bx = quad_at(xc, r * x.stride);
      STAMPEDE_UNROLL
      for (int e = 0; e < 16; ++e)
        acc[e] = fmaf(a.v[e / 4], bx.v[e % 4], acc[e]);
    });
    if (shift == 0) {
      if (!live) return;
      STAMPEDE_UNROLL
      for (int i = 0; i < 4; ++i) {
        Quad s = g.quad(4 * tm + i, tn);
        STAMPEDE_UNROLL
        for (int j = 0; j < 4; ++j)
          s.v[j] += acc[4 * i + j];
        g.set_quad(4 * tm + i, tn, s);
      }
      return;
    }
    int count;
    const int base = slice_reduce(acc, shift, slice, &count);
    store_owned(acc, base, count, slice, live,
                [&](int e, float s) { g.row(4 * tm + e / 4)[4 * tn + e % 4] += s; });
  });
}

// gb[o] += sum over rows [0, rows) of D[r][o], for o in [0, n_pad)
__device__ void bias_grad(Mat d, int n_pad, int rows, float* gb) {
  const int tiles = n_pad / 4;
  const int shift = slice_shift(tiles, rows);
  for_each_lane(tiles, shift, [&](int tile, int slice, bool live) {
    float acc[4] = {};
    reduction_loop(rows, shift, slice, [&](int r) {
      const Quad a = d.quad(r, tile);
      STAMPEDE_UNROLL
      for (int i = 0; i < 4; ++i)
        acc[i] += a.v[i];
    });
    int count;
    const int base = slice_reduce(acc, shift, slice, &count);
    store_owned(acc, base, count, slice, live, [&](int e, float s) { gb[4 * tile + e] += s; });
  });
}

}  // namespace stampede
