// MJCF parser: XML to MjcfSpec with default classes applied and every value checked. This file
// holds the document, default classes and the body tree; parse_sections.cpp the other sections.
#include "envs/mjcf/parse.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "envs/mjcf/parser.hpp"
#include "envs/mjcf/rules.hpp"
#include "envs/mjcf/values.hpp"

namespace stampede {

void mjcf_fail(const MjcfOrigin& at, const std::string& what) {
  std::string msg = at.source + ":" + std::to_string(at.line) + ": <" + at.element;
  if (!at.name.empty()) msg += " name='" + at.name + "'";
  throw MjcfError(msg + ">: " + what);
}

namespace mjcf_parser {

KindMap Parser::checked_attrs(pugi::xml_node n, std::string_view kind) const {
  KindMap out;
  int line = origin(n).line;
  for (pugi::xml_attribute a : n.attributes()) {
    std::string_view name = a.name();
    std::string_view value = a.value();
    switch (mjcf::attr_rule(kind, name)) {
      case AttrRule::kUnsupported:
        fail(n, "unsupported attribute '" + std::string(name) + "' (outside the MJCF subset)");
      case AttrRule::kIgnored:
        break;
      case AttrRule::kZeroOnly: {
        std::vector<double> v;
        if (!parse_numbers(value, &v))
          fail(n, "attribute '" + std::string(name) + "' is not numeric: '" + a.value() + "'");
        for (double x : v)
          if (x != 0)
            fail(n, "attribute '" + std::string(name) + "' is supported only as 0 (got '" +
                        a.value() + "')");
        break;
      }
      case AttrRule::kFalseOnly:
        if (value != "false" && value != "auto")
          fail(n, "attribute '" + std::string(name) + "' is supported only as false (got '" +
                      a.value() + "')");
        break;
      case AttrRule::kSupported:
        out[std::string(name)] = {AttrValue{a.value(), line}};
        break;
    }
  }
  return out;
}

const KindMap* Parser::defaults_for(pugi::xml_node n, std::string_view kind,
                                    const std::string& childclass) const {
  pugi::xml_attribute cls = n.attribute("class");
  std::string name = cls ? cls.value() : childclass;
  auto it = classes_.find(name);
  if (it == classes_.end()) fail(n, "unknown default class '" + name + "'");
  auto k = it->second.kinds.find(kind);
  return k == it->second.kinds.end() ? nullptr : &k->second;
}

void Parser::check_name(pugi::xml_node n, std::set<std::string>* names) const {
  std::string name = n.attribute("name").value();
  if (name.empty()) return;
  if (!names->insert(name).second) fail(n, "repeated name '" + name + "'");
}

void Parser::parse_default(pugi::xml_node n, const DefaultClass& parent, int depth) {
  if (depth > kMaxDepth) fail(n, "default classes nested too deep");
  std::string name = n.attribute("class").value();
  for (pugi::xml_attribute a : n.attributes())
    if (std::string_view(a.name()) != "class")
      fail(n, "unsupported attribute '" + std::string(a.name()) + "'");
  if (depth == 0) name = "main";
  if (name.empty()) fail(n, "nested default needs a class attribute");
  if (depth > 0 && classes_.count(name)) fail(n, "repeated default class '" + name + "'");
  DefaultClass cls = parent;
  // the class's own settings first, nested classes after, so children inherit all of them
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view kind = c.name();
    if (kind == "default") continue;
    if (kind == "joint" || kind == "geom" || kind == "site" || kind == "motor") {
      if (c.attribute("class") || c.attribute("name"))
        fail(c, "default elements take neither name nor class");
      for (auto& [k, v] : checked_attrs(c, kind)) {
        std::vector<AttrValue>& layers = cls.kinds[std::string(kind)][k];
        layers.insert(layers.end(), v.begin(), v.end());
      }
    } else if (kind == "camera" || kind == "light" || kind == "material" || kind == "mesh" ||
               kind == "texture") {
      // visual defaults: ignored
    } else if (c.first_attribute()) {
      fail(c, "default for this element is outside the MJCF subset");
    } else {
      static const std::set<std::string_view> kKnown = {
          "tendon", "general",  "position", "velocity", "intvelocity", "damper", "cylinder",
          "muscle", "adhesion", "equality", "pair",     "flex",        "hfield", "skin"};
      if (!kKnown.count(kind)) fail(c, "unknown element inside <default>");
    }
  }
  classes_[name] = cls;
  for (pugi::xml_node c : n.children("default"))
    parse_default(c, classes_[name], depth + 1);
}

void Parser::parse_joint(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass) {
  check_name(n, &joint_names_);
  MjcfJointSpec j;
  j.at = origin(n);
  if (std::string_view(n.name()) == "freejoint") {
    Attrs a(*this, n, "freejoint", nullptr);  // a freejoint takes no defaults, as in MuJoCo
    j.type = 0;
  } else {
    Attrs a(*this, n, "joint", defaults_for(n, "joint", childclass));
    j.type = a.keyword("type", {"free", "ball", "slide", "hinge"}, 3);
    a.reals("pos", j.pos, 3, 3);
    a.reals("axis", j.axis, 3, 3);
    a.reals("range", j.range, 2, 2);
    j.limited = a.keyword("limited", {"false", "true", "auto"}, kLimitedAuto);
    j.damping = a.real("damping", 0, 0);
    j.stiffness = a.real("stiffness", 0, 0);
    j.springref = a.real("springref", 0);
    j.armature = a.real("armature", 0, 0);
    j.margin = a.real("margin", 0, 0);
    j.ref = a.real("ref", 0);
    a.reals("solreflimit", j.solref, 1, 2);
    a.reals("solimplimit", j.solimp, 1, 5);
  }
  body->joints.push_back(j);
}

void Parser::parse_geom(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass) {
  check_name(n, &geom_names_);
  Attrs a(*this, n, "geom", defaults_for(n, "geom", childclass));
  MjcfGeomSpec g;
  g.at = origin(n);
  if (a.has("type")) {
    std::string t = a.value("type");
    if (t == "mesh" || t == "hfield" || t == "sdf")
      a.fail_at(a.line_of("type"), "geom type '" + t + "' is outside the MJCF subset");
  }
  static constexpr int kTypes[] = {0, 2, 3, 4, 5, 6};
  g.type =
      kTypes[a.keyword("type", {"plane", "sphere", "capsule", "ellipsoid", "cylinder", "box"}, 1)];
  a.reals("size", g.size, 1, 3);
  for (double s : g.size)
    if (s < 0) a.fail_at(a.line_of("size"), "size must be non-negative");
  g.has_fromto = a.reals("fromto", g.fromto, 6, 6);
  a.reals("pos", g.pos, 3, 3);
  a.orientation(&g.orient);
  g.density = a.real("density", 1000, 0);
  g.has_mass = a.has("mass");
  g.mass = a.real("mass", 0, 0);
  g.contype = a.integer("contype", 1, 0);
  g.conaffinity = a.integer("conaffinity", 1, 0);
  g.condim = a.integer("condim", 3, 1);
  if (g.condim != 1 && g.condim != 3 && g.condim != 4 && g.condim != 6)
    a.fail_at(a.line_of("condim"), "condim must be 1, 3, 4 or 6");
  g.priority = a.integer("priority", 0);
  g.group = a.integer("group", 0);
  a.reals("friction", g.friction, 1, 3);
  g.margin = a.real("margin", 0, 0);
  g.gap = a.real("gap", 0, 0);
  g.solmix = a.real("solmix", 1, 0);
  a.reals("solref", g.solref, 1, 2);
  a.reals("solimp", g.solimp, 1, 5);
  body->geoms.push_back(g);
}

void Parser::parse_site(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass) {
  check_name(n, &site_names_);
  Attrs a(*this, n, "site", defaults_for(n, "site", childclass));
  MjcfSiteSpec s;
  s.at = origin(n);
  a.reals("pos", s.pos, 3, 3);
  a.orientation(&s.orient);
  body->sites.push_back(s);
}

void Parser::parse_inertial(pugi::xml_node n, MjcfBodySpec* body) {
  if (body->has_inertial) fail(n, "a body takes at most one inertial");
  Attrs a(*this, n, "inertial", nullptr);
  MjcfInertialSpec& in = body->inertial;
  in.at = origin(n);
  if (!a.has("pos") || !a.has("mass")) fail(n, "inertial needs pos and mass");
  a.reals("pos", in.pos, 3, 3);
  a.orientation(&in.orient);
  in.mass = a.real("mass", 0, 0);
  in.has_diag = a.reals("diaginertia", in.diaginertia, 3, 3);
  in.has_full = a.reals("fullinertia", in.fullinertia, 6, 6);
  if (in.has_diag == in.has_full) fail(n, "inertial needs exactly one of diaginertia, fullinertia");
  for (double v : in.diaginertia)
    if (v < 0) fail(n, "diaginertia must be non-negative");
  bool oriented = false;
  for (std::string_view o : kOrientAttrs)
    oriented |= a.has(o);
  if (in.has_full && oriented) fail(n, "fullinertia excludes an orientation");
  body->has_inertial = true;
}

void Parser::parse_body(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass,
                        int depth) {
  if (depth > kMaxDepth) fail(n, "body tree nested too deep");
  bool world = depth == 0;
  body->at = origin(n);
  std::string cc = childclass;
  if (!world) {
    check_name(n, &body_names_);
    Attrs a(*this, n, "body", nullptr);
    a.reals("pos", body->pos, 3, 3);
    a.orientation(&body->orient);
    if (a.has("childclass")) {
      cc = a.value("childclass");
      if (!classes_.count(cc)) fail(n, "unknown childclass '" + cc + "'");
    }
  } else {
    body->at.name = "world";
    if (n.first_attribute()) fail(n, "worldbody takes no attributes");
  }
  for (pugi::xml_node c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view kind = c.name();
    if (kind == "geom") {
      parse_geom(c, body, cc);
    } else if (kind == "site") {
      parse_site(c, body, cc);
    } else if (kind == "body") {
      body->children.emplace_back();
      parse_body(c, &body->children.back(), cc, depth + 1);
    } else if (kind == "camera" || kind == "light") {
      // visual only
    } else if (!world && (kind == "joint" || kind == "freejoint")) {
      parse_joint(c, body, cc);
    } else if (!world && kind == "inertial") {
      parse_inertial(c, body);
    } else {
      fail(c, "element outside the MJCF subset or misplaced");
    }
  }
}

MjcfSpec Parser::run() {
  pugi::xml_document doc;
  pugi::xml_parse_result res = doc.load_buffer(xml_.data(), xml_.size());
  if (!res)
    mjcf_fail({source_, "xml", "", line_at(res.offset)},
              std::string("malformed XML: ") + res.description());
  pugi::xml_node root = doc.document_element();
  if (!root || std::string_view(root.name()) != "mujoco")
    mjcf_fail({source_, root ? root.name() : "xml", "", root ? line_at(root.offset_debug()) : 1},
              "the root element must be <mujoco>");
  for (pugi::xml_attribute a : root.attributes())
    if (std::string_view(a.name()) != "model") fail(root, "unsupported attribute on <mujoco>");
  spec_.model_name = root.attribute("model").value();
  spec_.root_at = origin(root);

  // global settings first, whatever their position in the file, as MuJoCo reads them
  for (pugi::xml_node c : root.children("compiler"))
    parse_compiler(c);
  for (pugi::xml_node c : root.children("option"))
    parse_option(c);
  classes_["main"] = DefaultClass{};
  for (pugi::xml_node c : root.children("default"))
    parse_default(c, classes_["main"], 0);

  int worldbodies = 0;
  for (pugi::xml_node c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view kind = c.name();
    if (kind == "compiler" || kind == "option" || kind == "default" || kind == "size" ||
        kind == "custom" || kind == "visual" || kind == "keyframe") {
      // handled above, or no effect on dynamics
    } else if (kind == "worldbody") {
      if (worldbodies++ == 0) spec_.world.at = origin(c);
      parse_body(c, &spec_.world, "main", 0);
    } else if (kind == "actuator") {
      parse_actuators(c);
    } else if (kind == "statistic") {
      if (c.attribute("meaninertia")) fail(c, "statistic meaninertia is outside the MJCF subset");
    } else if (kind == "asset") {
      for (pugi::xml_node a : c.children())
        if (a.type() == pugi::node_element && std::string_view(a.name()) != "texture" &&
            std::string_view(a.name()) != "material")
          fail(a, "asset outside the MJCF subset (only texture and material are accepted)");
    } else if (kind == "contact") {
      parse_contact(c);
    } else if (kind == "tendon" || kind == "equality" || kind == "sensor" || kind == "extension" ||
               kind == "deformable") {
      for (pugi::xml_node a : c.children())
        if (a.type() == pugi::node_element) fail(a, "element outside the MJCF subset");
    } else {
      fail(c, "unknown or unsupported element");
    }
  }
  return spec_;
}

}  // namespace mjcf_parser

MjcfSpec parse_mjcf(const std::string& xml, const std::string& source) {
  return mjcf_parser::Parser(xml, source).run();
}

}  // namespace stampede
