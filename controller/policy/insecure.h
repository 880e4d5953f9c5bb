// Settings that would make the controller approve insecurely. The controller refuses to start
// (and refuses a reload) with such a policy unless --allow-insecure-policy is given: a policy
// edit must not silently re-open what joinguard exists to close (kubeadm's
// node-autoapprove-bootstrap, which lets any token holder claim any node name).
#pragma once

#include <string>
#include <vector>

#include "controller/policy/policy.h"

namespace joinguard::controller::policy {

struct InsecureSetting {
  std::string field;  // e.g. "allowedBootstrapGroups[1]"
  std::string why;    // what an attacker could do with it
};

// Pure: the insecure settings of `p`, in field order (empty = none).
std::vector<InsecureSetting> FindInsecureSettings(const Policy& p);

// "field: why; field: why" for logs and errors.
std::string DescribeInsecureSettings(const std::vector<InsecureSetting>& settings);

// OK, or kInvalidArgument listing every insecure setting and naming --allow-insecure-policy.
// With `allow_insecure` the settings are accepted (the caller logs them as a warning).
Status CheckPolicyIsSecure(const Policy& p, bool allow_insecure);

}  // namespace joinguard::controller::policy
