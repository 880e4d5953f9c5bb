#include "tests/e2e/deploy/rules_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>

namespace joinguard::deploy_test {

std::string PrometheusRulePath() {
  return std::string(JOINGUARD_SOURCE_DIR) + "/deploy/components/monitoring/prometheusrule.yaml";
}

StatusOr<std::string> WriteRulesFile(const std::string& dir) {
  try {
    YAML::Node rule = YAML::LoadFile(PrometheusRulePath());
    if (rule["kind"].as<std::string>("") != "PrometheusRule" || !rule["spec"]["groups"]) {
      return InvalidArgumentError(PrometheusRulePath() + " is not a PrometheusRule with spec.groups");
    }
    YAML::Emitter out;
    out << rule["spec"];
    std::string path = dir + "/joinguard-rules.yml";
    std::ofstream f(path);
    f << out.c_str() << "\n";
    f.close();
    if (!f) return InternalError("cannot write " + path);
    return path;
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(PrometheusRulePath() + ": " + e.what());
  }
}

std::vector<ShippedAlert> ShippedAlerts() {
  std::vector<ShippedAlert> out;
  YAML::Node rule = YAML::LoadFile(PrometheusRulePath());
  for (const auto& group : rule["spec"]["groups"]) {
    for (const auto& r : group["rules"]) {
      if (r["alert"]) out.push_back({r["alert"].as<std::string>(), r["expr"].as<std::string>()});
    }
  }
  return out;
}

}  // namespace joinguard::deploy_test
