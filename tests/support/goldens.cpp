#include "support/goldens.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace stampede::testing {

namespace {

void flatten_into(const nlohmann::json& j, std::vector<double>* out) {
  if (j.is_array()) {
    for (const nlohmann::json& e : j)
      flatten_into(e, out);
  } else {
    out->push_back(j.get<double>());
  }
}

}  // namespace

nlohmann::json load_golden(const std::string& set, const std::string& name) {
  const std::string path = std::string(STAMPEDE_TEST_DATA) + "/" + set + "/" + name + ".json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing golden " << path;
  if (!in.good()) return nlohmann::json();
  return nlohmann::json::parse(in);
}

std::vector<double> flatten(const nlohmann::json& j) {
  std::vector<double> v;
  flatten_into(j, &v);
  return v;
}

double scaled_error(double ours, double ref) {
  return std::fabs(ours - ref) / (1 + std::fabs(ref));
}

}  // namespace stampede::testing
