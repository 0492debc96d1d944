// MJCF parser, the sections outside the body tree: <compiler>, <option>, <actuator>, <contact>.
#include <cstring>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "envs/mjcf/parser.hpp"
#include "envs/mjcf/rules.hpp"
#include "envs/mjcf/values.hpp"

namespace stampede::mjcf_parser {

void Parser::parse_compiler(pugi::xml_node n) {
  Attrs a(*this, n, "compiler", nullptr);
  MjcfCompilerSpec& c = spec_.compiler;
  c.degree = a.keyword("angle", {"radian", "degree"}, c.degree ? 1 : 0) == 1;
  if (a.has("eulerseq")) {
    std::string seq = a.value("eulerseq");
    if (seq.size() != 3 || seq.find_first_not_of("xyzXYZ") != std::string::npos)
      a.fail_at(a.line_of("eulerseq"),
                "eulerseq must be 3 characters from xyzXYZ, got '" + seq + "'");
    std::memcpy(c.eulerseq, seq.c_str(), 4);
  }
  c.inertiafromgeom = a.keyword("inertiafromgeom", {"false", "true", "auto"}, c.inertiafromgeom);
  double range[2] = {static_cast<double>(c.inertiagrouprange[0]),
                     static_cast<double>(c.inertiagrouprange[1])};
  a.reals("inertiagrouprange", range, 2, 2);
  for (double r : range)
    if (r != std::floor(r) || std::abs(r) > 1e9)
      a.fail_at(a.line_of("inertiagrouprange"), "inertiagrouprange must hold two integers");
  c.inertiagrouprange[0] = static_cast<int>(range[0]);
  c.inertiagrouprange[1] = static_cast<int>(range[1]);
  c.settotalmass = a.real("settotalmass", c.settotalmass);
  c.boundmass = a.real("boundmass", c.boundmass, 0);
  c.boundinertia = a.real("boundinertia", c.boundinertia, 0);
  c.balanceinertia = a.keyword("balanceinertia", {"false", "true"}, c.balanceinertia) == 1;
  c.autolimits = a.keyword("autolimits", {"false", "true"}, c.autolimits) == 1;
  a.keyword("coordinate", {"local"}, 0);  // "global" was removed from MuJoCo
}

void Parser::parse_option(pugi::xml_node n) {
  Attrs a(*this, n, "option", nullptr);
  MjcfOptionSpec& o = spec_.option;
  o.timestep = a.real("timestep", o.timestep, 0);
  if (o.timestep <= 0) fail(n, "timestep must be positive");
  a.reals("gravity", o.gravity, 3, 3);
  a.reals("wind", o.wind, 3, 3);
  o.density = a.real("density", o.density, 0);
  o.viscosity = a.real("viscosity", o.viscosity, 0);
  o.impratio = a.real("impratio", o.impratio, 1e-10);
  o.tolerance = a.real("tolerance", o.tolerance, 0);
  o.ls_tolerance = a.real("ls_tolerance", o.ls_tolerance, 0);
  o.iterations = a.integer("iterations", o.iterations, 0);
  o.ls_iterations = a.integer("ls_iterations", o.ls_iterations, 0);
  o.integrator = a.keyword("integrator", {"Euler", "RK4"}, o.integrator);
  o.solver = a.keyword("solver", {"PGS", "CG", "Newton"}, o.solver);
  if (o.solver == 1) fail(n, "solver CG is outside the MJCF subset (use Newton or PGS)");
  o.cone = a.keyword("cone", {"pyramidal", "elliptic"}, o.cone);
  if (o.cone == 1)
    a.fail_at(a.line_of("cone"),
              "elliptic friction cones are outside the MJCF subset (pyramidal only)");
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    if (std::string_view(c.name()) != "flag") fail(c, "unknown element inside <option>");
    for (pugi::xml_attribute f : c.attributes()) {
      std::string_view v = f.value();
      if (v != "enable" && v != "disable")
        fail(c, "flag '" + std::string(f.name()) + "' must be enable or disable");
      bool known = false, enable_flag = false;
      int bit = mjcf::flag_disable_bit(f.name(), &known, &enable_flag);
      if (!known) fail(c, "unsupported flag '" + std::string(f.name()) + "'");
      std::string_view name = f.name();
      // without the midphase MuJoCo makes contacts in another order (so other solver rows);
      // the engine's pair list follows the default order
      if (name == "midphase" && v == "disable")
        fail(c, "flag 'midphase' disabled: outside the MJCF subset (contact order)");
      if (enable_flag && v == "enable" && name != "energy" && name != "fwdinv" &&
          name != "invdiscrete")
        fail(c, "flag '" + std::string(name) + "' enabled: outside the MJCF subset");
      if (bit >= 0) {
        if (v == "disable")
          o.disableflags |= 1 << bit;
        else
          o.disableflags &= ~(1 << bit);
      }
    }
  }
}

void Parser::parse_actuators(pugi::xml_node n) {
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    if (std::string_view(c.name()) != "motor")
      fail(c, "actuator type outside the MJCF subset (only motor is supported)");
    check_name(c, &actuator_names_);
    Attrs a(*this, c, "motor", defaults_for(c, "motor", "main"));
    MjcfActuatorSpec act;
    act.at = origin(c);
    if (!a.has("joint")) fail(c, "motor needs a joint (the only supported transmission)");
    act.joint = a.value("joint");
    a.reals("gear", act.gear, 1, 6);
    a.reals("ctrlrange", act.ctrlrange, 2, 2);
    act.ctrllimited = a.keyword("ctrllimited", {"false", "true", "auto"}, kLimitedAuto);
    spec_.actuators.push_back(act);
  }
}

// <exclude> is supported; explicit <pair>s are not (their parameter defaults follow rules of
// their own): a clear error rather than contacts that differ from MuJoCo's
void Parser::parse_contact(pugi::xml_node n) {
  if (n.first_attribute()) fail(n, "contact takes no attributes");
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view kind = c.name();
    if (kind == "pair")
      fail(c,
           "explicit contact pairs are outside the MJCF subset: contacts come from "
           "contype/conaffinity, and <exclude> removes body pairs");
    if (kind != "exclude") fail(c, "element outside the MJCF subset");
    MjcfExcludeSpec e;
    e.at = origin(c);
    for (pugi::xml_attribute a : c.attributes()) {
      std::string_view name = a.name();
      if (name == "body1")
        e.body1 = a.value();
      else if (name == "body2")
        e.body2 = a.value();
      else if (name != "name")
        fail(c, "unsupported attribute '" + std::string(name) + "' on exclude");
    }
    spec_.excludes.push_back(e);
  }
}

}  // namespace stampede::mjcf_parser
