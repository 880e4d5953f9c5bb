#include "node-helper/phases/hints.h"

namespace joinguard::node::phases {
namespace {

bool Has(const std::string& s, std::string_view needle) { return s.find(needle) != std::string::npos; }

}  // namespace

std::string HintFor(const PhaseFailure& failure) {
  const std::string& m = failure.status.message();
  if (Has(m, "could not find a JWS signature")) {
    return "hint: the cluster does not know this token (mistyped, deleted, expired, or not usable for "
           "signing). "
           "Create a new one on a control-plane node with `kubeadm token create --print-join-command`.";
  }
  if (Has(m, "are pinned")) {
    return "hint: the cluster CA does not match --discovery-token-ca-cert-hash. Check the hash against the "
           "real CA "
           "(see `kubeadm token create --print-join-command`); if it is right, the server you reached is not "
           "your "
           "cluster.";
  }
  if (Has(m, "failed to verify JWS signature") || Has(m, "was different from the first")) {
    return "hint: the cluster information could not be authenticated; the connection may be intercepted. Do "
           "not "
           "retry with --discovery-token-unsafe-skip-ca-verification; check the network path to the API "
           "server.";
  }
  if (Has(m, "certificate verify failed") || Has(m, "CertificateVerifyFailed") || Has(m, "verify")) {
    if (failure.phase == "discovery" || failure.phase == "preflight") {
      return "hint: the API server's TLS certificate is not signed by the pinned cluster CA; the connection "
             "may be "
             "intercepted.";
    }
  }
  if (Has(m, "certificate signing request is denied")) {
    return "hint: the CSR approver refused this node. Fix what the message names (node name, token, policy) "
           "and "
           "run the join again; nothing was left on disk.";
  }
  if (failure.status.code() == StatusCode::kUnavailable || Has(m, "Connection refused") ||
      Has(m, "failed to request the cluster-info ConfigMap")) {
    return "hint: the API server could not be reached. Check the endpoint, the network and that the control "
           "plane is "
           "up, then run the join again.";
  }
  if (failure.status.code() == StatusCode::kUnauthenticated || Has(m, "Unauthorized")) {
    return "hint: the API server rejected the TLS bootstrap token (unknown or expired). Create a new token "
           "with "
           "`kubeadm token create` on a control-plane node.";
  }
  return "";
}

}  // namespace joinguard::node::phases
