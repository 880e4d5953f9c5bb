// kube-controller-manager csrapproving (k8s pkg/controller/certificates/approver/sarapprove.go).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/sandbox/logic/authn.h"

namespace joinguard::sandbox::logic {

inline constexpr const char* kAutoApproveReason = "AutoApproved";
inline constexpr const char* kAutoApproveMessage =
    "Auto approving kubelet client certificate after SubjectAccessReview.";
// Upstream's selfnodeclient recognizer (tried first, when spec.username == CN) says "self".
inline constexpr const char* kAutoApproveSelfMessage =
    "Auto approving self kubelet client certificate after SubjectAccessReview.";

// Returns the CSR JSON with an Approved condition added (reason AutoApproved, upstream message;
// no timestamps — the approval update fills them), or nullopt (not recognised, already decided or
// issued, or every SAR refused: upstream then re-queues, it never denies). Recognisers in upstream
// order: selfnodeclient (spec.username == CN) then nodeclient. `allowed_create_on(user, subresource)` answers
// a SubjectAccessReview for verb "create", group "certificates.k8s.io", resource "certificatesigningrequests"
// with subresource "nodeclient" or "selfnodeclient", for the CSR's requester
// (spec.username/uid/groups/extra).
std::optional<nlohmann::json> AutoApprove(
    const nlohmann::json& csr,
    const std::function<bool(const UserInfo&, const std::string& subresource)>& allowed_create_on);

}  // namespace joinguard::sandbox::logic
