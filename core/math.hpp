// Small arithmetic shared by every layer, on the host and the device.
#pragma once

#include "core/hd.hpp"

namespace stampede {

// ceil(a / b) for non-negative a and positive b: blocks for a count of items
template <class A, class B>
STAMPEDE_HD constexpr A ceil_div(A a, B b) {
  return (a + static_cast<A>(b) - 1) / static_cast<A>(b);
}

// x limited to [lo, hi], as std::clamp does it (a NaN stays NaN)
STAMPEDE_HD float clamp_to(float x, float lo, float hi) {
  return x < lo ? lo : (hi < x ? hi : x);
}

}  // namespace stampede
