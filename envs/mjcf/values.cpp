#include "envs/mjcf/values.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace stampede {

bool parse_numbers(std::string_view s, std::vector<double>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::strchr(" \t\r\n", s[i]) && s[i] != 0)
      ++i;
    if (i >= s.size()) break;
    size_t j = i;
    while (j < s.size() && !std::strchr(" \t\r\n", s[j]))
      ++j;
    std::string_view tok = s.substr(i, j - i);
    if (!tok.empty() && tok[0] == '+') tok.remove_prefix(1);
    double v = 0;
    auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (tok.empty() || ec != std::errc() || end != tok.data() + tok.size() || !std::isfinite(v))
      return false;
    out->push_back(v);
    i = j;
  }
  return true;
}

}  // namespace stampede
