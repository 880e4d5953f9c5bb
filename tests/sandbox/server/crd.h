// CustomResourceDefinitions (apiextensions.k8s.io/v1) as kube-apiserver's apiextensions-apiserver
// serves them, for the fields the sandbox relies on: validation of names/scope/versions/printer
// columns (apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go), defaults
// (pkg/apis/apiextensions/v1/defaults.go), the status the naming and establishing controllers
// write (pkg/controller/status/naming_controller.go, pkg/controller/establish), the resource
// types a CRD serves, and the custom-resource strategy (pkg/registry/customresource/strategy.go).
// OpenAPI schemas are stored but not enforced (no pruning, no structural validation).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/sandbox/server/resources.h"

namespace joinguard::sandbox {

inline constexpr char kCrdGvr[] = "apiextensions.k8s.io/v1/customresourcedefinitions";

// Applies upstream's defaults (singular, listKind) in place.
void DefaultCrd(nlohmann::json& crd);

// Field errors in upstream's wording ("spec.group: Required value"); empty when valid.
std::vector<std::string> ValidateCrd(const nlohmann::json& crd);

// `crd` with status.acceptedNames, storedVersions and the NamesAccepted/Established conditions
// set; transition times are kept from `old_status` when a condition is unchanged.
nlohmann::json WithEstablishedStatus(nlohmann::json crd, const nlohmann::json& old_status,
                                     const std::string& now_rfc3339);

// The types a (valid) CRD serves: one per served version.
std::vector<ResourceType> TypesForCrd(const nlohmann::json& crd);

// The value at a printer-column JSONPath (subset: ".a.b", ".a[0].b", optionally wrapped in
// "{...}"); nullptr when absent.
const nlohmann::json* JsonPathLookup(const nlohmann::json& obj, std::string_view path);

// Table cell for a printer column (tableconvertor.go cellForJSONValue): "date" → human age,
// integer/number/boolean typed, string printed; null when the path is absent.
nlohmann::json PrinterCell(const PrinterColumn& column, const nlohmann::json& obj,
                           std::chrono::system_clock::time_point now);

// Custom-resource strategy. On create: status dropped when the status subresource is enabled,
// generation 1. On update: generation + 1 when anything outside metadata (and status, with the
// subresource) changed.
void PrepareCustomResourceForCreate(const ResourceType& type, nlohmann::json& obj);
void PrepareCustomResourceForUpdate(const ResourceType& type, const nlohmann::json& old, nlohmann::json& obj);

}  // namespace joinguard::sandbox
