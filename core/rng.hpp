// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). A draw is a pure function of
// (seed, stream, counter), so the CPU backend and a CUDA thread produce the same numbers for the
// same environment and step without sharing any generator state.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.hpp"

namespace stampede {

// what a stream of draws is used for; part of the counter so that purposes never overlap
enum class RngPurpose : uint32_t {
  kReset = 1,
  kEnvStep = 2,
  kAction = 3,
  kShuffle = 4,
  kInit = 5,
  kEval = 6,
};

struct Philox4 {
  uint32_t v[4];
};

STAMPEDE_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

STAMPEDE_HD Philox4 philox4x32_10(Philox4 ctr, uint32_t key0, uint32_t key1) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo32(kMul0, ctr.v[0], &hi0);
    const uint32_t lo1 = mulhilo32(kMul1, ctr.v[2], &hi1);
    ctr = Philox4{{hi1 ^ ctr.v[1] ^ key0, lo1, hi0 ^ ctr.v[3] ^ key1, lo0}};
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  return ctr;
}

// A short-lived generator for one (seed, purpose, stream, step): e.g. one environment's reset at
// one global step. Draws come four at a time; the block index advances the counter.
class Rng {
 public:
  STAMPEDE_HD Rng(uint64_t seed, RngPurpose purpose, uint32_t stream, uint64_t step)
      : key0_(static_cast<uint32_t>(seed)),
        key1_(static_cast<uint32_t>(seed >> 32)),
        stream_(stream),
        step_lo_(static_cast<uint32_t>(step)),
        step_hi_(static_cast<uint32_t>(step >> 32) ^ (static_cast<uint32_t>(purpose) << 24)),
        block_(0),
        used_(4) {}

  // 32 random bits
  STAMPEDE_HD uint32_t next_u32() {
    if (used_ == 4) {
      buf_ = philox4x32_10(Philox4{{stream_, step_lo_, step_hi_, block_++}}, key0_, key1_);
      used_ = 0;
    }
    return buf_.v[used_++];
  }

  // uniform in [0, 1) with 24 random bits, exactly representable in float
  STAMPEDE_HD float uniform() { return static_cast<float>(next_u32() >> 8) * 0x1.0p-24f; }

  // uniform in (0, 1], safe for log()
  STAMPEDE_HD float uniform_open0() {
    return static_cast<float>((next_u32() >> 8) + 1u) * 0x1.0p-24f;
  }

  STAMPEDE_HD float uniform(float low, float high) { return low + (high - low) * uniform(); }

  // standard normal by Box-Muller (one value per two uniforms keeps the stream position simple)
  STAMPEDE_HD float normal() {
    const float u1 = uniform_open0();
    const float u2 = uniform();
    return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530717958647692f * u2);
  }

 private:
  uint32_t key0_, key1_, stream_, step_lo_, step_hi_, block_;
  int used_;
  Philox4 buf_{};
};

}  // namespace stampede
