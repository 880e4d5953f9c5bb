#include "node-helper/discovery/token/token.h"

#include "common/crypto/cert.h"
#include "common/crypto/jws.h"
#include "common/crypto/pin.h"
#include "common/crypto/token.h"
#include "common/kube/api_error.h"
#include "node-helper/output/reason.h"

namespace joinguard::node::discovery::token {
namespace {

constexpr std::string_view kClusterInfoNamespace = "kube-public";
constexpr std::string_view kClusterInfoName = "cluster-info";
constexpr std::string_view kKubeconfigKey = "kubeconfig";
constexpr std::string_view kJwsPrefix = "jws-kubeconfig-";

// kubeadm's getClusterInfo: GET cluster-info now and every `interval` until the JWS key for
// our token ID is present. Returns the ConfigMap data or the last error.
StatusOr<kube::StringMap> FetchClusterInfo(kube::Client& client, std::string_view token_id, const Deps& deps,
                                           const Options& options) {
  kube::StringMap data;
  Status s = PollImmediate(deps, options.retry_interval, options.timeout, [&](Status* last) {
    auto cm = client.Get<kube::ConfigMap>(kClusterInfoNamespace, kClusterInfoName);
    if (!cm.ok()) {
      *last =
          Status(cm.status().code(), "failed to request the cluster-info ConfigMap: " + cm.status().message())
              .WithReason(cm.status().reason(), cm.status().http_status());
      return false;
    }
    if (cm->data.find(std::string(kJwsPrefix) + std::string(token_id)) == cm->data.end()) {
      *last = WithJoinReason(
          UnavailableError("could not find a JWS signature in the cluster-info ConfigMap for token ID \"" +
                           std::string(token_id) + "\""),
          JoinReason::kTokenNotSigned);
      return false;
    }
    data = cm->data;
    return true;
  });
  if (!s.ok()) return s;
  return data;
}

StatusOr<kube::KubeconfigCluster> ParseClusterInfoKubeconfig(const std::string& text) {
  auto kc = kube::ParseKubeconfig(text);
  if (!kc.ok()) {
    return InvalidArgumentError("couldn't parse the kubeconfig file in the cluster-info ConfigMap: " +
                                kc.status().message());
  }
  std::string name;
  auto cluster = SelectCluster(*kc, &name);
  if (!cluster.ok()) {
    return InvalidArgumentError("malformed kubeconfig in the cluster-info ConfigMap: " +
                                cluster.status().message());
  }
  return cluster;
}

}  // namespace

Status ValidateClusterInfoToken(const kube::StringMap& data, std::string_view token_id,
                                std::string_view token_secret) {
  auto kc = data.find(std::string(kKubeconfigKey));
  if (kc == data.end() || kc->second.empty()) {
    return FailedPreconditionError(
        "there is no kubeconfig key in the cluster-info ConfigMap. This API Server isn't set up for token "
        "bootstrapping, can't connect");
  }
  auto sig = data.find(std::string(kJwsPrefix) + std::string(token_id));
  if (sig == data.end() || sig->second.empty()) {
    return WithJoinReason(
        PermissionDeniedError(
            "token id \"" + std::string(token_id) +
            "\" is invalid for this cluster or it has expired. Use \"kubeadm token create\" on "
            "the control-plane node to create a new valid token"),
        JoinReason::kTokenNotSigned);
  }
  if (!crypto::DetachedJwsIsValid(sig->second, kc->second, token_id, token_secret)) {
    return WithJoinReason(
        PermissionDeniedError(
            "failed to verify JWS signature of received cluster info object, can't trust this API Server"),
        JoinReason::kClusterInfoUntrusted);
  }
  return OkStatus();
}

Status ValidateClusterCa(const std::string& ca_pem, const std::vector<std::string>& pins) {
  crypto::PinSet set;
  Status allowed = set.Allow(pins);
  if (!allowed.ok()) {
    return InvalidArgumentError("invalid discovery token CA certificate hash: " + allowed.message());
  }
  auto certs = crypto::ParseCertificatesPem(ca_pem);
  if (!certs.ok()) {
    return InvalidArgumentError(
        "failed to parse cluster CA from the cluster-info ConfigMap: data does not contain any valid RSA or "
        "ECDSA certificates");
  }
  Status match = set.CheckAny(*certs);
  if (!match.ok()) {
    return WithJoinReason(
        PermissionDeniedError("cluster CA found in cluster-info ConfigMap is invalid: " + match.message()),
        JoinReason::kCaPinMismatch);
  }
  return OkStatus();
}

StatusOr<ClusterInfo> RetrieveValidatedConfigInfo(const config::BootstrapTokenDiscovery& cfg,
                                                  const Deps& deps, const Options& options) {
  auto parsed = crypto::ParseBootstrapToken(cfg.token);
  if (!parsed.ok()) {
    // kubeadm quotes the token; we never print it.
    return InvalidArgumentError("the bootstrap token " + crypto::RedactToken(cfg.token) +
                                " is not of the form <id>.<secret> ([a-z0-9]{6}.[a-z0-9]{16})");
  }
  const std::string endpoint = "https://" + cfg.api_server_endpoint;

  // 1-2: insecure, anonymous client; poll until the JWS for our token ID shows up.
  kube::RestConfig insecure = kube::AnonymousInsecure(endpoint);
  insecure.timeout = std::min(options.request_timeout, options.timeout);
  insecure.max_retries = 0;
  insecure.user_agent = kube::UserAgentFor("node");
  JG_ASSIGN_OR_RETURN(auto insecure_client, deps.new_client(insecure));
  deps.out->Line("discovery",
                 "Created cluster-info discovery client, requesting info from \"" + endpoint + "\"");
  JG_ASSIGN_OR_RETURN(auto first, FetchClusterInfo(*insecure_client, parsed->id, deps, options));

  // 3: pins are parsed only now, after the first fetch (pitfall 4). Our preflight checks their
  // syntax earlier; this keeps kubeadm's behaviour when that check is ignored.
  crypto::PinSet pins;
  if (Status s = pins.Allow(cfg.ca_cert_hashes); !s.ok()) {
    return InvalidArgumentError("invalid discovery token CA certificate hash: " + s.message());
  }
  // 5: signature.
  JG_RETURN_IF_ERROR(ValidateClusterInfoToken(first, parsed->id, parsed->secret));
  // 6: the kubeconfig inside.
  const std::string first_text = first.at(std::string(kKubeconfigKey));
  JG_ASSIGN_OR_RETURN(auto cluster, ParseClusterInfoKubeconfig(first_text));

  // 7: no pins → done (unsafe; decided by "no pins", not by the flag).
  if (pins.Empty()) {
    deps.out->Warning(
        "discovery",
        "!!! the cluster CA is NOT verified: token discovery without --discovery-token-ca-cert-hash "
        "trusts whoever answered at \"" +
            endpoint +
            "\" and knows the token. Pin the CA with --discovery-token-ca-cert-hash sha256:<hash>.");
    deps.out->Line("discovery",
                   "Cluster info signature and contents are valid and no TLS pinning was specified, will use "
                   "API Server \"" +
                       cluster.server + "\"");
    return ClusterInfo{cluster.server, cluster.certificate_authority_data};
  }
  // 8: pin check against any certificate of the bundle.
  JG_RETURN_IF_ERROR(ValidateClusterCa(cluster.certificate_authority_data, cfg.ca_cert_hashes));

  // 9-10: verified TLS with the whole bundle as trust anchors, same endpoint, fetch again.
  kube::RestConfig secure;
  secure.server = endpoint;
  secure.ca_pem = cluster.certificate_authority_data;
  secure.timeout = insecure.timeout;
  secure.max_retries = 0;
  secure.user_agent = insecure.user_agent;
  JG_ASSIGN_OR_RETURN(auto secure_client, deps.new_client(secure));
  JG_ASSIGN_OR_RETURN(auto second, FetchClusterInfo(*secure_client, parsed->id, deps, options));

  // 11: byte-identical kubeconfig text.
  auto it = second.find(std::string(kKubeconfigKey));
  if (it == second.end() || it->second != first_text) {
    return WithJoinReason(
        PermissionDeniedError("the second kubeconfig from the cluster-info ConfigMap (using "
                              "validated TLS) was different from the first"),
        JoinReason::kClusterInfoUntrusted);
  }
  JG_ASSIGN_OR_RETURN(auto verified, ParseClusterInfoKubeconfig(it->second));
  deps.out->Line(
      "discovery",
      "Cluster info signature and contents are valid and TLS certificate validates against pinned roots, "
      "will use API Server \"" +
          verified.server + "\"");
  return ClusterInfo{verified.server, verified.certificate_authority_data};
}

}  // namespace joinguard::node::discovery::token
