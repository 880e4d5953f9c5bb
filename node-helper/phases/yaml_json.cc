#include "node-helper/phases/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "common/yaml/strict_yaml.h"

namespace joinguard::node::phases {
namespace {

using Json = nlohmann::json;

Json Scalar(const YAML::Node& n) {
  const std::string& v = n.Scalar();
  if (n.Tag() == "!") return v;  // quoted: always a string
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  if (v == "null" || v == "Null" || v == "NULL" || v == "~" || v.empty()) return nullptr;
  if (v.find_first_of("0123456789") != std::string::npos) {
    errno = 0;
    char* end = nullptr;
    const long long i = std::strtoll(v.c_str(), &end, 10);
    if (errno == 0 && end != nullptr && *end == '\0') return i;
    errno = 0;
    const double d = std::strtod(v.c_str(), &end);
    if (errno == 0 && end != nullptr && *end == '\0' && v.find_first_of("xXpP") == std::string::npos)
      return d;
  }
  return v;
}

Json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = ToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : n) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return Scalar(n);
    default:
      return nullptr;
  }
}

}  // namespace

StatusOr<nlohmann::json> StrictYamlToJson(std::string_view text, std::string_view what) {
  JG_ASSIGN_OR_RETURN(YAML::Node node, yaml::LoadStrictYaml(text, what));
  return ToJson(node);
}

}  // namespace joinguard::node::phases
