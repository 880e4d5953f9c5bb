// cluster-bootstrap's bootstrap signer and token cleaner (k8s pkg/controller/bootstrap).
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace joinguard::sandbox::logic {

// cluster-info ConfigMap after re-signing data.kubeconfig with every valid signing token
// (Secret type bootstrap.kubernetes.io/token, usage-bootstrap-signing "true", not expired):
// data["jws-kubeconfig-<id>"] = detached JWS; stale jws-kubeconfig-* keys removed.
// nullopt = no change needed.
std::optional<nlohmann::json> ResignClusterInfo(const nlohmann::json& cluster_info,
                                                const std::vector<nlohmann::json>& token_secrets,
                                                std::chrono::system_clock::time_point now);

// Token cleaner predicate: a bootstrap token Secret whose expiration is in the past (or
// unparseable) must be deleted.
bool IsExpiredBootstrapTokenSecret(const nlohmann::json& secret, std::chrono::system_clock::time_point now);

}  // namespace joinguard::sandbox::logic
