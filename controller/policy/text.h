// Small text helpers the policy checks share for their messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace joinguard::controller::policy {

// "value" in double quotes, as kube-controller-manager quotes names in its messages.
inline std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// [a, b, c]: Go's fmt rendering of a []string, which upstream messages use.
inline std::string JoinList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out + "]";
}

}  // namespace joinguard::controller::policy
