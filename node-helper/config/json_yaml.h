// nlohmann JSON written as YAML with sorted keys (nlohmann objects iterate in key order, as
// sigs.k8s.io/yaml marshals Go maps and structs): the one JSON-to-YAML writer of joinguard-node
// (static Pod manifests, the kubelet configuration, `token list -o yaml`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace joinguard::node::config {

enum class YamlStrings {
  // Plain unless YAML would read the string as another type (empty, true/false, null, a number):
  // what kubeadm's manifests look like.
  kQuotedWhenAmbiguous,
  // Every string double-quoted.
  kAlwaysQuoted,
};

std::string JsonToYaml(const nlohmann::json& j, YamlStrings strings = YamlStrings::kQuotedWhenAmbiguous);

}  // namespace joinguard::node::config
