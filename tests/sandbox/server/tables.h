// meta.k8s.io/v1 Table responses for `kubectl get` (Accept: ...;as=Table;g=meta.k8s.io;v=v1),
// with the columns of upstream's printers (k8s pkg/printers/internalversion/printers.go) for the
// resources a joinguard user looks at; other resources get Name and Age.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/sandbox/server/resources.h"

namespace joinguard::sandbox {

// True when the Accept header asks for a meta.k8s.io Table.
bool WantsTable(const std::string& accept);

nlohmann::json MakeTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                         const std::string& resource_version, const std::string& continue_token,
                         std::chrono::system_clock::time_point now);

// Go's duration.HumanDuration ("5s", "3m20s", "4h", "12d").
std::string HumanDuration(std::chrono::seconds d);

}  // namespace joinguard::sandbox
