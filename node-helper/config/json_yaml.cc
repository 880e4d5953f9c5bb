#include "node-helper/config/json_yaml.h"

#include <yaml-cpp/yaml.h>

namespace joinguard::node::config {
namespace {

bool Ambiguous(const std::string& s) {
  return s.empty() || s == "true" || s == "false" || s == "null" ||
         s.find_first_not_of("0123456789.") == std::string::npos;
}

void Emit(YAML::Emitter& e, const nlohmann::json& j, YamlStrings strings) {
  if (j.is_object()) {
    e << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {  // nlohmann::json objects are key-sorted
      e << YAML::Key << it.key() << YAML::Value;
      Emit(e, *it, strings);
    }
    e << YAML::EndMap;
  } else if (j.is_array()) {
    e << YAML::BeginSeq;
    for (const auto& v : j) Emit(e, v, strings);
    e << YAML::EndSeq;
  } else if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (strings == YamlStrings::kAlwaysQuoted || Ambiguous(s)) e << YAML::DoubleQuoted;
    e << s;
  } else if (j.is_boolean()) {
    e << j.get<bool>();
  } else if (j.is_number_integer()) {
    e << j.get<long long>();
  } else if (j.is_null()) {
    e << YAML::Null;
  } else {
    e << j.dump();
  }
}

}  // namespace

std::string JsonToYaml(const nlohmann::json& j, YamlStrings strings) {
  YAML::Emitter e;
  Emit(e, j, strings);
  return std::string(e.c_str()) + "\n";
}

}  // namespace joinguard::node::config
