// MJCF parser: XML to MjcfSpec with default classes applied and every value checked.
#include "envs/mjcf/parse.hpp"
#include "envs/mjcf/values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "envs/mjcf/rules.hpp"

namespace stampede {

void mjcf_fail(const MjcfOrigin& at, const std::string& what) {
  std::string msg = at.source + ":" + std::to_string(at.line) + ": <" + at.element;
  if (!at.name.empty()) msg += " name='" + at.name + "'";
  throw MjcfError(msg + ">: " + what);
}

namespace {

using mjcf::AttrRule;

constexpr int kMaxDepth = 100;  // bodies and default classes; deeper trees are rejected
constexpr std::string_view kOrientAttrs[] = {"quat", "axisangle", "euler", "xyaxes", "zaxis"};

struct AttrValue {
  std::string value;
  int line = 0;
};
// attribute -> values, outermost default class first: MuJoCo overwrites only the leading numbers
// of a vector when a class or an element gives fewer, so every layer is kept
using KindMap = std::map<std::string, std::vector<AttrValue>, std::less<>>;

// one default class: for each element kind, the attributes it sets
struct DefaultClass {
  std::map<std::string, KindMap, std::less<>> kinds;
};

bool is_orient(std::string_view a) {
  return std::find(std::begin(kOrientAttrs), std::end(kOrientAttrs), a) != std::end(kOrientAttrs);
}

class Parser {
 public:
  Parser(const std::string& xml, const std::string& source) : xml_(xml), source_(source) {
    for (size_t i = 0; i < xml.size(); ++i)
      if (xml[i] == '\n') newlines_.push_back(i);
  }

  MjcfSpec run();

  int line_at(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(),
                                                 static_cast<size_t>(offset)) -
                                newlines_.begin());
  }
  MjcfOrigin origin(pugi::xml_node n) const {
    return {source_, n.name(), n.attribute("name").value(), line_at(n.offset_debug())};
  }
  [[noreturn]] void fail(pugi::xml_node n, const std::string& what) const {
    mjcf_fail(origin(n), what);
  }

  // check an element's attributes against the subset rules; returns the supported ones
  KindMap checked_attrs(pugi::xml_node n, std::string_view kind) const;

 private:
  friend class Attrs;
  void parse_compiler(pugi::xml_node n);
  void parse_option(pugi::xml_node n);
  void parse_default(pugi::xml_node n, const DefaultClass& parent, int depth);
  void parse_body(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass, int depth);
  void parse_joint(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass);
  void parse_geom(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass);
  void parse_site(pugi::xml_node n, MjcfBodySpec* body, const std::string& childclass);
  void parse_inertial(pugi::xml_node n, MjcfBodySpec* body);
  void parse_actuators(pugi::xml_node n);
  void parse_contact(pugi::xml_node n);
  const KindMap* defaults_for(pugi::xml_node n, std::string_view kind,
                              const std::string& childclass) const;
  void check_name(pugi::xml_node n, std::set<std::string>* names) const;

  const std::string& xml_;
  std::string source_;
  std::vector<size_t> newlines_;
  std::map<std::string, DefaultClass, std::less<>> classes_;
  std::set<std::string> body_names_, joint_names_, geom_names_, site_names_, actuator_names_;
  MjcfSpec spec_;
};

// The attributes of one element merged with its default class: typed readers with checks.
class Attrs {
 public:
  Attrs(const Parser& p, pugi::xml_node n, std::string_view kind, const KindMap* defaults)
      : p_(p), n_(n), own_(p.checked_attrs(n, kind)), defaults_(defaults) {
    for (const auto& [k, v] : own_)
      if (is_orient(k)) own_orient_ = true;
  }

  bool has(std::string_view a) const { return own_.count(a) || (defaults_ && defaults_->count(a)); }

  // reads between lo and hi numbers into out; defaults first, then the element on top (MuJoCo
  // overwrites only the leading values when fewer are given); returns false when absent
  bool reals(std::string_view a, double* out, int lo, int hi) const {
    bool found = false;
    for (const KindMap* m : {defaults_, &own_}) {
      if (!m) continue;
      auto it = m->find(a);
      if (it == m->end()) continue;
      for (const AttrValue& layer : it->second) {
        std::vector<double> v;
        if (!parse_numbers(layer.value, &v) || static_cast<int>(v.size()) < lo ||
            static_cast<int>(v.size()) > hi) {
          std::string want =
              lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi);
          fail_at(layer.line, "attribute '" + std::string(a) + "' expects " + want +
                                  " number(s), got '" + layer.value + "'");
        }
        std::copy(v.begin(), v.end(), out);
        found = true;
      }
    }
    return found;
  }
  double real(std::string_view a, double def, double min = -INFINITY) const {
    double v = def;
    reals(a, &v, 1, 1);
    if (v < min)
      fail_at(line_of(a),
              "attribute '" + std::string(a) + "' must be >= " + fmt(min) + ", got " + fmt(v));
    return v;
  }
  int integer(std::string_view a, int def, int min = -1000000000) const {
    double v = def;
    reals(a, &v, 1, 1);
    if (v != std::floor(v) || v < min || v > 1e9)
      fail_at(line_of(a), "attribute '" + std::string(a) + "' must be an integer >= " +
                              std::to_string(min) + ", got '" + value(a) + "'");
    return static_cast<int>(v);
  }
  // index of the value among words, def when absent
  int keyword(std::string_view a, std::initializer_list<std::string_view> words, int def) const {
    if (!has(a)) return def;
    std::string v = value(a);
    int i = 0;
    for (std::string_view w : words) {
      if (v == w) return i;
      ++i;
    }
    std::string list;
    for (std::string_view w : words)
      list += (list.empty() ? "" : ", ") + std::string(w);
    fail_at(line_of(a),
            "attribute '" + std::string(a) + "' must be one of {" + list + "}, got '" + v + "'");
  }
  std::string value(std::string_view a) const {
    auto it = own_.find(a);
    if (it != own_.end()) return it->second.back().value;
    if (defaults_) {
      auto d = defaults_->find(a);
      if (d != defaults_->end()) return d->second.back().value;
    }
    return "";
  }
  int line_of(std::string_view a) const {
    if (own_.count(a) || !defaults_ || !defaults_->count(a)) return p_.origin(n_).line;
    return defaults_->find(a)->second.back().line;
  }
  // the one orientation specifier: the element's own wins over its class's
  void orientation(MjcfOrientation* o) const {
    const KindMap* src = own_orient_ ? &own_ : defaults_;
    if (!src) return;
    int found = 0;
    for (int k = 0; k < 5; ++k) {
      auto it = src->find(kOrientAttrs[k]);
      if (it == src->end()) continue;
      const AttrValue& last = it->second.back();
      if (++found > 1) fail_at(last.line, "more than one orientation specifier");
      static constexpr int kCount[] = {4, 4, 3, 6, 3};
      std::vector<double> v;
      if (!parse_numbers(last.value, &v) || static_cast<int>(v.size()) != kCount[k])
        fail_at(last.line, "attribute '" + std::string(kOrientAttrs[k]) + "' expects " +
                               std::to_string(kCount[k]) + " numbers, got '" + last.value + "'");
      o->kind = static_cast<MjcfOrientation::Kind>(k);
      std::copy(v.begin(), v.end(), o->v);
    }
  }
  [[noreturn]] void fail_at(int line, const std::string& what) const {
    MjcfOrigin at = p_.origin(n_);
    at.line = line;
    mjcf_fail(at, what);
  }
  static std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return buf;
  }

 private:
  const Parser& p_;
  pugi::xml_node n_;
  KindMap own_;
  const KindMap* defaults_;
  bool own_orient_ = false;
};

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

}  // namespace

MjcfSpec parse_mjcf(const std::string& xml, const std::string& source) {
  return Parser(xml, source).run();
}

}  // namespace stampede
