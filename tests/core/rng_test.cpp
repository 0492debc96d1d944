// The counter-based generator both backends draw from: Philox4x32-10 against the Random123
// known-answer vectors, and the Rng built on it (purposes and streams never overlap, uniforms in
// range, normals with the right moments).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/rng.hpp"

namespace stampede {
namespace {

TEST(Philox, MatchesRandom123KnownAnswers) {
  struct Kat {
    Philox4 ctr;
    uint32_t key0, key1;
    Philox4 expected;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       0xffffffff,
       0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       0xa4093822,
       0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& k : kats) {
    const Philox4 got = philox4x32_10(k.ctr, k.key0, k.key1);
    for (int w = 0; w < 4; ++w)
      EXPECT_EQ(got.v[w], k.expected.v[w]) << "word " << w;
  }
}

TEST(Rng, IsAPureFunctionOfSeedPurposeStreamAndStep) {
  Rng a(42, RngPurpose::kAction, 7, 1000), b(42, RngPurpose::kAction, 7, 1000);
  for (int k = 0; k < 100; ++k)
    ASSERT_EQ(a.next_u32(), b.next_u32()) << k;
  // each argument changes the stream
  const uint32_t base = Rng(42, RngPurpose::kAction, 7, 1000).next_u32();
  EXPECT_NE(Rng(43, RngPurpose::kAction, 7, 1000).next_u32(), base);
  EXPECT_NE(Rng(42, RngPurpose::kReset, 7, 1000).next_u32(), base);
  EXPECT_NE(Rng(42, RngPurpose::kAction, 8, 1000).next_u32(), base);
  EXPECT_NE(Rng(42, RngPurpose::kAction, 7, 1001).next_u32(), base);
  EXPECT_NE(Rng(42ull | (1ull << 40), RngPurpose::kAction, 7, 1000).next_u32(), base);
}

TEST(Rng, PurposesNeverShareACounter) {
  // the same (seed, stream, step) under every purpose gives distinct first blocks
  std::set<uint32_t> firsts;
  for (RngPurpose p : {RngPurpose::kReset, RngPurpose::kEnvStep, RngPurpose::kAction,
                       RngPurpose::kShuffle, RngPurpose::kInit, RngPurpose::kEval}) {
    firsts.insert(Rng(1, p, 0, 0).next_u32());
  }
  EXPECT_EQ(firsts.size(), 6u);
}

TEST(Rng, UniformsStayInTheirIntervalsAndNormalsHaveUnitMoments) {
  Rng rng(5, RngPurpose::kEval, 0, 0);
  constexpr int kDraws = 200000;
  double sum = 0, sq = 0;
  for (int k = 0; k < kDraws; ++k) {
    const float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    const float o = rng.uniform_open0();
    ASSERT_GT(o, 0.0f);
    ASSERT_LE(o, 1.0f);
    const float z = rng.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sq += double(z) * z;
  }
  // 5 standard errors: about 0.011 for the mean, 0.016 for the variance
  EXPECT_NEAR(sum / kDraws, 0.0, 0.011);
  EXPECT_NEAR(sq / kDraws - (sum / kDraws) * (sum / kDraws), 1.0, 0.016);
}

}  // namespace
}  // namespace stampede
