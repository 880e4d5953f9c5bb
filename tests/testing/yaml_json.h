// A YAML manifest as JSON (to create objects from deploy/ files through the API in tests and
// benchmarks), scalars typed as YAML 1.2's core schema reads them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

namespace joinguard::testing {

inline nlohmann::json YamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : n) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string v = n.Scalar();
      if (n.Tag() == "!") return v;  // quoted
      if (v == "true" || v == "false") return v == "true";
      char* end = nullptr;
      long long i = std::strtoll(v.c_str(), &end, 10);
      if (!v.empty() && *end == '\0') return i;
      return v;
    }
    default:
      return nullptr;
  }
}

}  // namespace joinguard::testing
