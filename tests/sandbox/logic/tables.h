// Server-side printing (meta.k8s.io/v1 Table) as kube-apiserver does for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (k8s pkg/printers/internalversion/printers.go).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joinguard::sandbox::logic {

// A Table for `items` of `resource` (plural, e.g. "certificatesigningrequests", "nodes";
// others get the default Name / Created At columns). Rows carry PartialObjectMetadata objects.
// `resource_version` goes to the Table's metadata.
nlohmann::json TableFor(const std::string& resource, const std::vector<nlohmann::json>& items,
                        const std::string& resource_version,
                        std::chrono::system_clock::time_point now);

// apimachinery duration.HumanDuration ("5s", "3m20s", "2d3h", "1y").
std::string HumanDuration(std::chrono::seconds d);

// The CSR "Condition" column: Pending|Approved|Denied [,Failed] [,Issued].
std::string CsrConditionColumn(const nlohmann::json& csr);

}  // namespace joinguard::sandbox::logic
