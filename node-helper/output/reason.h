// Why a join failed, as a typed code. The code travels in common/status's reason slot
// (Status::WithReason), so hints and exit codes are chosen from it and never by matching
// error text. Names of the codes that came from elsewhere are kept as written there: the
// Kubernetes API's Status reasons (common/kube/api_error.h), the transport's
// ConnectionFailed / CertificateVerifyFailed, and the CSR conditions Denied / Failed.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "common/status/status.h"

namespace joinguard::node {

enum class JoinReason {
  kUnknown,                 // no typed reason: the message says it all
  kInvalidInvocation,       // command line or configuration refused before any work
  kPreflight,               // a preflight check failed
  kTokenNotSigned,          // cluster-info has no JWS for the token ID (unknown / expired token)
  kCaPinMismatch,           // no CA certificate matches --discovery-token-ca-cert-hash
  kClusterInfoUntrusted,    // JWS mismatch or the verified fetch differed from the first
  kTlsVerifyFailed,         // the server's certificate does not chain to the trusted CA
  kApiUnreachable,          // connection refused, reset, DNS, timeout
  kUnauthorized,            // the API server rejected the credentials (HTTP 401)
  kCsrDenied,               // an approver denied the CSR
  kCsrFailed,               // the signer marked the CSR Failed
  kCsrTimeout,              // the CSR was not approved within timeouts.tlsBootstrap
  kNodeNameTaken,           // a Ready Node of that name exists
  kKubeletUnhealthy,        // the kubelet's /healthz did not answer 200 in time
  kControlPlaneUnhealthy,   // wait-control-plane timed out
  kControlPlaneConditions,  // no controlPlaneEndpoint / shared certificates missing
  kKubeadmCertsNotFound,    // kube-system/kubeadm-certs absent or expired
  kCertificateKeyMismatch,  // the certificate key does not decrypt kubeadm-certs
  kPatchInvalid,            // a --patches file could not be read or applied
};

// Every code with the reason string it is written with (one entry per code).
inline constexpr std::array<std::pair<JoinReason, std::string_view>, 19> kJoinReasonNames = {{
    {JoinReason::kInvalidInvocation, "ValidationError"},
    {JoinReason::kPreflight, "PreflightError"},
    {JoinReason::kTokenNotSigned, "TokenNotSigned"},
    {JoinReason::kCaPinMismatch, "CAPinMismatch"},
    {JoinReason::kClusterInfoUntrusted, "ClusterInfoUntrusted"},
    {JoinReason::kTlsVerifyFailed, "CertificateVerifyFailed"},
    {JoinReason::kApiUnreachable, "ConnectionFailed"},
    {JoinReason::kUnauthorized, "Unauthorized"},
    {JoinReason::kCsrDenied, "Denied"},
    {JoinReason::kCsrFailed, "Failed"},
    {JoinReason::kCsrTimeout, "CSRTimeout"},
    {JoinReason::kNodeNameTaken, "NodeNameTaken"},
    {JoinReason::kKubeletUnhealthy, "KubeletUnhealthy"},
    {JoinReason::kControlPlaneUnhealthy, "ControlPlaneUnhealthy"},
    {JoinReason::kControlPlaneConditions, "ControlPlaneConditions"},
    {JoinReason::kKubeadmCertsNotFound, "KubeadmCertsNotFound"},
    {JoinReason::kCertificateKeyMismatch, "CertificateKeyMismatch"},
    {JoinReason::kPatchInvalid, "PatchInvalid"},
    {JoinReason::kUnknown, ""},
}};

inline std::string_view JoinReasonName(JoinReason r) {
  for (const auto& [code, name] : kJoinReasonNames) {
    if (code == r) return name;
  }
  return "";
}

// `s` with the reason set to `r` (the HTTP status, if any, is kept).
inline Status WithJoinReason(Status s, JoinReason r) {
  const int http = s.http_status();
  return std::move(s).WithReason(std::string(JoinReasonName(r)), http);
}

// The typed reason of `s`: its reason string when it names a code, else kApiUnreachable for a
// transport failure without one (kUnavailable), else kUnknown.
inline JoinReason JoinReasonOf(const Status& s) {
  if (!s.reason().empty()) {
    for (const auto& [code, name] : kJoinReasonNames) {
      if (name == s.reason()) return code;
    }
  }
  if (s.code() == StatusCode::kUnavailable) return JoinReason::kApiUnreachable;
  if (s.code() == StatusCode::kUnauthenticated) return JoinReason::kUnauthorized;
  return JoinReason::kUnknown;
}

}  // namespace joinguard::node
