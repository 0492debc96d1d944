// The lexical layer of MJCF attribute values: whitespace-separated numbers.
#pragma once

#include <string_view>
#include <vector>

namespace stampede {

// whitespace-separated finite numbers (a leading '+' allowed); false on anything else, including
// NaN, infinities and values outside double's range
bool parse_numbers(std::string_view s, std::vector<double>* out);

}  // namespace stampede
