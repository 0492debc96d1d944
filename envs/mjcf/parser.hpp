// The MJCF parser's internals, shared by its translation units (parse.cpp: bodies, joints,
// geoms, sites, defaults and the document; parse_sections.cpp: compiler, option, actuator and
// contact sections): the attribute reader with default classes, and the parser's state.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "envs/mjcf/rules.hpp"
#include "envs/mjcf/spec.hpp"
#include "envs/mjcf/values.hpp"

namespace stampede::mjcf_parser {

using mjcf::AttrRule;

inline constexpr int kMaxDepth = 100;  // bodies and default classes; deeper trees are rejected
inline constexpr std::string_view kOrientAttrs[] = {"quat", "axisangle", "euler", "xyaxes",
                                                    "zaxis"};

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

inline bool is_orient(std::string_view a) {
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

}  // namespace stampede::mjcf_parser
