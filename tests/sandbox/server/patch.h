// PATCH bodies as the apiserver applies them (apimachinery pkg/types/patch.go): JSON merge patch
// (RFC 7386), JSON patch (RFC 6902) and the strategic-merge-patch subset kubectl apply needs for
// built-in types (apimachinery pkg/util/strategicpatch).
#pragma once

#include <nlohmann/json.hpp>

#include "common/status/status.h"

namespace joinguard::sandbox {

// RFC 7386: objects merge recursively, null deletes, everything else replaces.
nlohmann::json ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// RFC 6902 (add, remove, replace, move, copy, test). kInvalidArgument on a bad operation or a
// failed "test" (the apiserver answers 422 / 500 for these; we answer 422).
StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch);

// Strategic merge patch: lists of objects merge by their patch merge key (containers, env,
// volumes... by name; ports by containerPort; volumeMounts by mountPath; conditions and
// addresses by type), honouring $patch (delete/replace/merge), $setElementOrder/<list>,
// $retainKeys and $deleteFromPrimitiveList/<list>; null deletes a field.
StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

}  // namespace joinguard::sandbox
