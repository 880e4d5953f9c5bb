// YAML read through common/yaml/strict_yaml.h and turned into JSON (nlohmann), scalars typed as
// YAML 1.2's core schema and sigs.k8s.io/yaml read them: quoted → string, true/false, null/~,
// integers, floats; everything else a string.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::node::phases {

// `what` names the input in errors.
StatusOr<nlohmann::json> StrictYamlToJson(std::string_view text, std::string_view what);

}  // namespace joinguard::node::phases
