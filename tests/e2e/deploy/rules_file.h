// The shipped PrometheusRule (deploy/components/monitoring/prometheusrule.yaml) as a plain
// Prometheus rule file: its `spec` is exactly one (`groups:`), as `yq -y .spec` gives it.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"

namespace joinguard::deploy_test {

struct ShippedAlert {
  std::string name;
  std::string expr;
};

std::string PrometheusRulePath();
// Writes <dir>/joinguard-rules.yml and returns its path.
StatusOr<std::string> WriteRulesFile(const std::string& dir);
// Every alerting rule in the PrometheusRule.
std::vector<ShippedAlert> ShippedAlerts();

}  // namespace joinguard::deploy_test
