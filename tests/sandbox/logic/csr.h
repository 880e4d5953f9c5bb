// CertificateSigningRequest strategy and validation as kube-apiserver (k8s
// pkg/registry/certificates/certificates/strategy.go).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/crypto/csr.h"
#include "common/status/status.h"
#include "tests/sandbox/logic/authn.h"
#include "tests/sandbox/logic/rbac.h"

namespace joinguard::sandbox::logic {

inline constexpr const char* kKubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";
inline constexpr const char* kKubeletServingSigner = "kubernetes.io/kubelet-serving";
inline constexpr const char* kKubeApiserverClientSigner = "kubernetes.io/kube-apiserver-client";
inline constexpr const char* kLegacyUnknownSigner = "kubernetes.io/legacy-unknown";

// Create strategy: sets spec.username/uid/groups/extra from `user`, drops status, then
// validates. kInvalidArgument (reason "Invalid", http 422) with the upstream-like message
//   CertificateSigningRequest.certificates.k8s.io "<name>" is invalid: spec.request: Invalid value: ...
// `parsed_request` (optional) receives the parse of spec.request when the CSR passes, for a
// signer that would otherwise parse and verify the same request again.
Status PrepareCsrForCreate(nlohmann::json& csr, const UserInfo& user,
                           std::shared_ptr<const crypto::ParsedCsr>* parsed_request = nullptr);

// PUT .../approval: everything but status.conditions is reset from old_csr; Approved/Denied are
// mutually exclusive; an Approved/Denied condition can't be removed or flipped (kInvalidArgument).
Status ValidateCsrApprovalUpdate(const nlohmann::json& old_csr, nlohmann::json& new_csr);

// PUT .../status: spec and metadata are reset from old_csr; status.certificate must be PEM
// CERTIFICATE blocks that parse, and can't change once set; Approved/Denied can't be added or
// removed here.
Status ValidateCsrStatusUpdate(const nlohmann::json& old_csr, nlohmann::json& new_csr);

// PUT/PATCH main resource: spec immutable (kInvalidArgument "field is immutable"), status reset
// from old_csr.
Status ValidateCsrMainUpdate(const nlohmann::json& old_csr, nlohmann::json& new_csr);

// Same, with the clock used for condition timestamps (populateConditionTimestamps).
Status ValidateCsrApprovalUpdate(const nlohmann::json& old_csr, nlohmann::json& new_csr,
                                 std::chrono::system_clock::time_point now);
// `issued_certificate`: a status.certificate (base64, as in the object) that the caller issued
// itself (the sandbox's signer); it is known to parse and is not parsed again.
Status ValidateCsrStatusUpdate(const nlohmann::json& old_csr, nlohmann::json& new_csr,
                               std::chrono::system_clock::time_point now,
                               std::string_view issued_certificate = {});

// Admission plugins (run after validation). `authorize` answers an RBAC question.
using AuthorizeFn = std::function<bool(const RequestAttributes&)>;
// CertificateApproval: verb "approve" on signers/<old signerName> or signers/<domain>/*; else
// kPermissionDenied (reason Forbidden, 403):
//   certificatesigningrequests.certificates.k8s.io "N" is forbidden: user not permitted to approve requests
//   with signerName "S"
Status AdmitCsrApproval(const nlohmann::json& old_csr, const UserInfo& user, const AuthorizeFn& authorize);
// CertificateSigning: when status.certificate or conditions change, verb "sign" on signers.
Status AdmitCsrStatusUpdate(const nlohmann::json& old_csr, const nlohmann::json& new_csr,
                            const UserInfo& user, const AuthorizeFn& authorize);
// CertificateSubjectRestriction (create): kube-apiserver-client with O=system:masters → 403.
// PrepareCsrForCreate already runs this; exposed for tests.
Status AdmitCsrSubjectRestriction(const nlohmann::json& csr);

// The PEM inside spec.request, decoded from base64; kInvalidArgument when not base64.
StatusOr<std::string> CsrRequestPem(const nlohmann::json& csr);

// Helpers shared with the signer/approver.
bool CsrHasCondition(const nlohmann::json& csr, std::string_view type);  // status True
// Adds/replaces the condition of `type` (status "True") with reason/message and timestamps.
void SetCsrCondition(nlohmann::json& csr, const std::string& type, const std::string& reason,
                     const std::string& message, const std::string& now_rfc3339);

}  // namespace joinguard::sandbox::logic
