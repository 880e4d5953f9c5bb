#include "node-helper/phases/hints.h"

namespace joinguard::node::phases {

std::string_view HintForReason(JoinReason reason) {
  switch (reason) {
    case JoinReason::kTokenNotSigned:
      return "the cluster does not know this token (mistyped, deleted, expired, or not usable for signing). "
             "Create a new one on a control-plane node with `kubeadm token create --print-join-command`.";
    case JoinReason::kCaPinMismatch:
      return "the cluster CA does not match --discovery-token-ca-cert-hash. Check the hash against the real "
             "CA (see `kubeadm token create --print-join-command`); if it is right, the server you reached "
             "is not your cluster.";
    case JoinReason::kClusterInfoUntrusted:
      return "the cluster information could not be authenticated; the connection may be intercepted. Do not "
             "retry with --discovery-token-unsafe-skip-ca-verification; check the network path to the API "
             "server.";
    case JoinReason::kTlsVerifyFailed:
      return "the API server's TLS certificate is not signed by the trusted cluster CA; the connection may "
             "be "
             "intercepted.";
    case JoinReason::kApiUnreachable:
      return "the API server could not be reached. Check the endpoint, the network and that the control "
             "plane is up, then run the join again.";
    case JoinReason::kUnauthorized:
      return "the API server rejected the TLS bootstrap token (unknown or expired). Create a new token with "
             "`kubeadm token create` on a control-plane node.";
    case JoinReason::kCsrDenied:
      return "the CSR approver refused this node. Fix what the message names (node name, token, policy) and "
             "run the join again; nothing was left on disk.";
    case JoinReason::kCsrFailed:
      return "the cluster's signer could not issue the certificate; check kube-controller-manager's "
             "--cluster-signing-* settings and its log, then run the join again.";
    case JoinReason::kCsrTimeout:
      return "nobody approved the CSR in time. Check that joinguard-controller (or another approver) is "
             "running and what it logged for this node, or approve by hand.";
    case JoinReason::kKubeletUnhealthy:
      return "the node's credentials are in place; once the kubelet is healthy the node registers itself. "
             "Rerunning the join is not needed.";
    case JoinReason::kControlPlaneUnhealthy:
      return "the static Pod manifests are in /etc/kubernetes/manifests; check that the kubelet runs them "
             "(crictl ps -a) and read the failing component's log.";
    case JoinReason::kPatchInvalid:
      return "fix or remove the named file in the --patches directory (kubeadm's "
             "target[suffix][+patchtype].extension naming), then run the join again.";
    case JoinReason::kUnknown:
    case JoinReason::kInvalidInvocation:
    case JoinReason::kPreflight:
    case JoinReason::kNodeNameTaken:
    case JoinReason::kControlPlaneConditions:
    case JoinReason::kKubeadmCertsNotFound:
    case JoinReason::kCertificateKeyMismatch:
      return "";
  }
  return "";
}

std::string HintFor(const PhaseFailure& failure) {
  const std::string_view hint = HintForReason(JoinReasonOf(failure.status));
  return hint.empty() ? std::string() : "hint: " + std::string(hint);
}

}  // namespace joinguard::node::phases
