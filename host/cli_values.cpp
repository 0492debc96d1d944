#include "host/cli_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include "core/errors.hpp"
#include "host/durable_file.hpp"

namespace stampede {

namespace {

constexpr uint64_t kMaxConfigBytes = uint64_t{1} << 20;
constexpr size_t kMaxEcho = 60;  // characters of user input an error message repeats

std::string echo(std::string_view text) {
  if (text.size() <= kMaxEcho) return std::string(text);
  return std::string(text.substr(0, kMaxEcho)) + "... (" + std::to_string(text.size()) + " chars)";
}

// parse_decimal with the reason for the user: "" or what is wrong
template <class T>
std::string parse_integer(const std::string& text, T* value) {
  switch (parse_decimal(text, value)) {
    case DecimalParse::kOk:
      return {};
    case DecimalParse::kNotAnInteger:
      return "'" + echo(text) + "' is not an integer";
    case DecimalParse::kOutOfRange:
      break;
  }
  return "'" + echo(text) + "' is out of range";
}

// for every integer option, ahead of CLI11's conversion (which wraps -1 into an unsigned
// option, clamps past int64 and reads "" as 0); CLI11 then checks the option's own type range
CLI::Validator integer_literal(bool non_negative) {
  return CLI::Validator(
      [non_negative](std::string& text) -> std::string {
        int64_t value = 0;
        std::string why = parse_integer(text, &value);
        if (why.empty() && non_negative && value < 0) why = "'" + echo(text) + "' is negative";
        return why;
      },
      "");  // no description: the option's type name stays INT / UINT
}

constexpr const char* kIntListType = "INT,...";

std::string position(const std::string& path, const toml::source_region& where) {
  return path + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
}

std::string float_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

// the text CLI11 would have read from the command line for this option, from a TOML value of
// the option's type; an empty optional type mismatch is an error naming the expected type
std::vector<std::string> option_inputs(const CLI::Option* opt, const toml::node& value,
                                       const std::string& at, const std::string& key) {
  const std::string type = opt->get_type_name();
  const bool flag = opt->get_items_expected_max() == 0;
  if (type == kIntListType) {  // add_int_list: a TOML array of integers, as "64,64"
    std::string joined;
    if (!value.is_array() || value.as_array()->empty()) {
      throw UsageError(at + ": '" + key + "' takes a list of integers, e.g. [64, 64]");
    }
    for (const toml::node& v : *value.as_array()) {
      if (!v.is_integer()) throw UsageError(at + ": '" + key + "' takes a list of integers");
      joined += (joined.empty() ? "" : ",") + std::to_string(v.as_integer()->get());
    }
    return {joined};
  }
  const bool list = opt->get_items_expected_max() > 1;
  const auto wrong = [&](const char* expected) -> std::vector<std::string> {
    throw UsageError(at + ": '" + key + "' takes " + expected);
  };
  const auto scalar = [&](const toml::node& v) -> std::string {
    if (type == "INT" || type == "UINT") {
      if (!v.is_integer()) wrong(list ? "a list of integers" : "an integer");
      return std::to_string(v.as_integer()->get());
    }
    if (type == "FLOAT") {
      if (v.is_integer()) return std::to_string(v.as_integer()->get());
      if (!v.is_floating_point()) wrong("a number");
      const double x = v.as_floating_point()->get();
      if (!std::isfinite(x)) wrong("a finite number");
      return float_text(x);
    }
    if (!v.is_string()) wrong(list ? "a list of strings" : "a string");
    return v.as_string()->get();
  };
  if (flag) {
    if (!value.is_boolean()) wrong("true or false");
    return {value.as_boolean()->get() ? "true" : "false"};
  }
  if (list) {
    if (!value.is_array()) wrong("a list, e.g. [64, 64]");
    std::vector<std::string> inputs;
    for (const toml::node& v : *value.as_array())
      inputs.push_back(scalar(v));
    if (inputs.empty()) wrong("a non-empty list");
    return inputs;
  }
  if (value.is_array() || value.is_table()) wrong(type == "TEXT" ? "a string" : "a single value");
  return {scalar(value)};
}

// the options the command line gave (they win over the file), and those the file has set so far
struct Applied {
  std::set<const CLI::Option*> from_command_line;
  std::map<const CLI::Option*, std::string> from_file;  // where each was set
};

void apply_key(CLI::App* cmd, const std::string& path, const std::string& key,
               const toml::node& value, Applied* applied) {
  const std::string at = position(path, value.source());
  std::string dashed = key;  // options without an underscored alias (eval, bench)
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  CLI::Option* opt = nullptr;
  static const char* const kNotKeys[] = {"config", "resume", "help", "help-all", "version"};
  if (std::find(std::begin(kNotKeys), std::end(kNotKeys), dashed) == std::end(kNotKeys)) {
    opt = cmd->get_option_no_throw("--" + key);
    if (!opt) opt = cmd->get_option_no_throw("--" + dashed);
  }
  if (!opt) {
    throw UsageError(at + ": unknown key '" + echo(key) + "' for " + cmd->get_name() +
                     " (keys are its options with underscores, e.g. num_envs)");
  }
  if (applied->from_command_line.count(opt)) return;  // the command line wins
  const auto [earlier, first] = applied->from_file.emplace(opt, at);
  if (!first) {
    throw UsageError(at + ": '" + echo(key) + "' sets " + opt->get_name() +
                     " again (first set at " + earlier->second + ")");
  }
  const std::vector<std::string> inputs = option_inputs(opt, value, at, key);
  try {
    opt->add_result(inputs);
    opt->run_callback();
  } catch (const CLI::Error& e) {
    throw UsageError(at + ": bad value for '" + key + "': " + e.what());
  }
}

}  // namespace

std::string shorten_echoes(const std::string& message) {
  constexpr size_t kLongest = 160, kKept = 60, kMessage = 400;
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    size_t end = i;
    while (end < message.size() && !std::isspace(static_cast<unsigned char>(message[end])))
      ++end;
    if (end - i > kLongest) {
      out += message.substr(i, kKept) + "...(" + std::to_string(end - i) + " chars)";
    } else {
      out += message.substr(i, end - i);
    }
    if (end < message.size()) out += message[end];
    i = end + 1;
  }
  if (out.size() <= kMessage) return out;
  // and the whole message: cut at a character boundary (never inside a UTF-8 sequence)
  size_t cut = kMessage;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80)
    --cut;
  return out.substr(0, cut) + "...(" + std::to_string(out.size()) + " chars)";
}

void add_value_checks(CLI::App* cmd) {
  for (CLI::Option* opt : cmd->get_options()) {
    const std::string type = opt->get_type_name();
    if (type == "INT" || type == "UINT") opt->check(integer_literal(type == "UINT"));
  }
}

CLI::Option* add_int_list(CLI::App* cmd, const std::string& names, std::vector<int>* values,
                          const std::string& help) {
  CLI::Option* opt = cmd->add_option_function<std::string>(
      names,
      [values, names](const std::string& text) {
        std::vector<int> parsed;
        size_t start = 0;
        while (true) {
          const size_t comma = text.find(',', start);
          const std::string entry = text.substr(start, comma - start);
          if (entry.empty()) {
            throw CLI::ValidationError(names, "empty entry in '" + echo(text) + "'");
          }
          int value = 0;
          const std::string why = parse_integer(entry, &value);
          if (!why.empty()) throw CLI::ValidationError(names, why);
          parsed.push_back(value);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        *values = std::move(parsed);
      },
      help);
  return opt->type_name(kIntListType);
}

void apply_config_file(CLI::App* cmd, const std::string& path, bool top_level) {
  std::string text = read_regular_file(path, "config file", kMaxConfigBytes);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 byte-order mark
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw UsageError(position(path, e.source()) + ": " + std::string(e.description()));
  }
  static const char* const kCommands[] = {"train", "eval", "bench"};
  Applied applied;
  for (const CLI::Option* opt : cmd->get_options())
    if (opt->count() > 0) applied.from_command_line.insert(opt);
  for (const auto& [key, value] : root) {
    const std::string name(key.str());
    if (value.is_table()) {
      bool command = false;
      for (const char* c : kCommands)
        command = command || name == c;
      if (!command) {
        throw UsageError(position(path, value.source()) + ": unknown table [" + echo(name) +
                         "] (tables are [train], [eval] and [bench])");
      }
      if (name != cmd->get_name()) continue;
      for (const auto& [inner, inner_value] : *value.as_table())
        apply_key(cmd, path, std::string(inner.str()), inner_value, &applied);
      continue;
    }
    if (top_level) apply_key(cmd, path, name, value, &applied);
  }
}

}  // namespace stampede
