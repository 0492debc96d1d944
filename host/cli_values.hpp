// How the command line and TOML config files turn text into option values, strictly: integers
// are plain decimal literals that fit their option (never wrapped or clamped), lists have no
// empty entries, and a config file is full TOML 1.0 whose values must have each option's type.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace stampede {

enum class DecimalParse { kOk, kNotAnInteger, kOutOfRange };

// `text` as a decimal integer literal of type T: an optional sign, digits and nothing else, and
// a value T can hold (never wrapped or clamped). Every integer the user gives is read by this.
template <class T>
DecimalParse parse_decimal(std::string_view text, T* value) {
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return DecimalParse::kNotAnInteger;
  }
  const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), *value);
  const bool ok = ec == std::errc() && end == text.data() + text.size();
  return ok ? DecimalParse::kOk : DecimalParse::kOutOfRange;
}

// Adds the strict integer check to every integer option of `cmd` (call once all its options
// exist).
void add_value_checks(CLI::App* cmd);

// A comma-separated list of integers ("64,64"; a TOML array in config files), each entry a
// decimal integer; an empty entry or list is an error (the command checks the values' range).
// CLI11's own delimited options drop empty entries silently, so lists are read here.
CLI::Option* add_int_list(CLI::App* cmd, const std::string& names, std::vector<int>* values,
                          const std::string& help);

// An error message with every run of more than 160 non-blank characters (a huge name, value or
// path the user gave) cut to its first 60 and its length: messages repeat input, never floods
// of it.
std::string shorten_echoes(const std::string& message);

// Applies a TOML config file to `cmd`: the keys of its [<cmd name>] table, and the top-level
// keys when `top_level` (train: a config file is mostly training settings), set the option of
// that name (underscores for dashes) unless the command line gave it; the other commands' tables
// ([train], [eval], [bench]) are skipped, so one file can serve all three. Throws UsageError
// with file:line:col for a syntax error, an unknown key or a value of the wrong type; the file
// must be a regular file of at most 1 MiB (a UTF-8 byte-order mark is allowed).
void apply_config_file(CLI::App* cmd, const std::string& path, bool top_level);

}  // namespace stampede
