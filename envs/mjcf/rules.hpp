// MJCF subset rules: which attributes each element kind supports, which it accepts and ignores
// (visual or naming only), and which it accepts only at the value that leaves dynamics unchanged.
#pragma once

#include <string_view>

namespace stampede::mjcf {

enum class AttrRule {
  kUnsupported,  // not in the subset: an error
  kSupported,    // read by the parser
  kIgnored,      // no effect on dynamics: dropped
  kZeroOnly,     // numeric, accepted only when every value is 0
  kFalseOnly,    // keyword, accepted only as "false" (or "auto" where MuJoCo resolves it so)
};

// kind: joint, freejoint, geom, site, motor, body, inertial, compiler, option, flag
AttrRule attr_rule(std::string_view kind, std::string_view attr);

// MuJoCo disable flag bit for a <flag> attribute, -1 if it is not a disable flag we honour;
// *enable_flag is set for MuJoCo's enable flags.
int flag_disable_bit(std::string_view attr, bool* known, bool* enable_flag);

}  // namespace stampede::mjcf
