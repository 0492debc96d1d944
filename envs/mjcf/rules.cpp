// MJCF subset rules (docs/mjcf_subset.md is the prose version of these tables).
#include "envs/mjcf/rules.hpp"

#include <algorithm>
#include <initializer_list>

namespace stampede::mjcf {

namespace {

struct KindRules {
  std::string_view kind;
  std::initializer_list<std::string_view> supported;
  std::initializer_list<std::string_view> ignored;
  std::initializer_list<std::string_view> zero_only;
  std::initializer_list<std::string_view> false_only;
};

constexpr std::string_view kOrient[] = {"quat", "axisangle", "euler", "xyaxes", "zaxis"};

// clang-format off
const KindRules kRules[] = {
    {"joint",
     {"type", "pos", "axis", "range", "limited", "damping", "stiffness", "springref", "armature",
      "margin", "ref", "solreflimit", "solimplimit"},
     {"name", "class", "group", "solreffriction", "solimpfriction", "user"},
     {"frictionloss", "springdamper", "actuatorfrcrange"},
     {"actuatorfrclimited", "actuatorgravcomp", "align"}},
    {"freejoint", {}, {"name", "group"}, {}, {"align"}},
    {"geom",
     {"type", "size", "fromto", "pos", "density", "mass", "contype", "conaffinity", "condim",
      "friction", "margin", "gap", "solmix", "solref", "solimp", "priority", "group"},
     {"name", "class", "rgba", "material", "user"},
     {},
     {"shellinertia"}},
    {"site",
     {"pos"},
     {"name", "class", "type", "size", "rgba", "material", "group", "user"},
     {},
     {}},
    {"motor", {"joint", "gear", "ctrlrange", "ctrllimited"}, {"name", "class", "group", "user"},
     {"forcerange"}, {"forcelimited"}},
    {"body", {"pos", "childclass"}, {"name", "user"}, {"gravcomp"}, {"mocap"}},
    {"inertial", {"pos", "mass", "diaginertia", "fullinertia"}, {}, {}, {}},
    {"compiler",
     {"angle", "eulerseq", "inertiafromgeom", "inertiagrouprange", "settotalmass", "boundmass",
      "boundinertia", "balanceinertia", "autolimits", "coordinate"},
     {"meshdir", "texturedir", "assetdir", "strippath", "discardvisual", "usethread", "fitaabb",
      "exactmeshinertia", "saveinertial"},
     {},
     {"fusestatic", "alignfree"}},
    {"option",
     {"timestep", "gravity", "wind", "density", "viscosity", "impratio", "tolerance",
      "ls_tolerance", "iterations", "ls_iterations", "integrator", "solver", "cone"},
     {"magnetic", "jacobian", "ccd_iterations", "ccd_tolerance", "sdf_iterations",
      "sdf_initpoints", "apirate", "noslip_tolerance", "o_solref", "o_solimp", "o_friction"},
     {"noslip_iterations", "o_margin", "actuatorgroupdisable"},
     {}},
};
// clang-format on

bool contains(std::initializer_list<std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

AttrRule attr_rule(std::string_view kind, std::string_view attr) {
  for (const KindRules& r : kRules) {
    if (r.kind != kind) continue;
    if (contains(r.supported, attr)) return AttrRule::kSupported;
    if (contains(r.ignored, attr)) return AttrRule::kIgnored;
    if (contains(r.zero_only, attr)) return AttrRule::kZeroOnly;
    if (contains(r.false_only, attr)) return AttrRule::kFalseOnly;
    // orientation specifiers apply to every framed element
    bool framed = kind == "geom" || kind == "site" || kind == "body" || kind == "inertial";
    if (framed && std::find(std::begin(kOrient), std::end(kOrient), attr) != std::end(kOrient))
      return AttrRule::kSupported;
    return AttrRule::kUnsupported;
  }
  return AttrRule::kUnsupported;
}

int flag_disable_bit(std::string_view attr, bool* known, bool* enable_flag) {
  // disable flags whose effect the engine implements, with MuJoCo's bit positions
  struct Bit {
    std::string_view name;
    int bit;
  };
  static constexpr Bit kDisable[] = {{"constraint", 0}, {"limit", 3},     {"contact", 4},
                                     {"spring", 5},     {"damper", 6},    {"gravity", 7},
                                     {"clampctrl", 8},  {"warmstart", 9}, {"actuation", 11},
                                     {"refsafe", 12},   {"eulerdamp", 15}};
  // disable flags that are no-ops for the subset (nothing they switch off exists) or numerics only
  static constexpr std::string_view kHarmless[] = {
      "equality", "frictionloss", "sensor", "midphase", "autoreset", "nativeccd", "island"};
  static constexpr std::string_view kEnable[] = {"override", "energy", "fwdinv", "invdiscrete",
                                                 "multiccd"};
  *known = true;
  *enable_flag = false;
  for (const Bit& b : kDisable)
    if (b.name == attr) return b.bit;
  for (std::string_view h : kHarmless)
    if (h == attr) return -1;
  for (std::string_view e : kEnable)
    if (e == attr) {
      *enable_flag = true;
      return -1;
    }
  *known = false;
  return -1;
}

}  // namespace stampede::mjcf
