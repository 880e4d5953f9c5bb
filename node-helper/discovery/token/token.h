// Token discovery (kubeadm cmd/kubeadm/app/discovery/token/token.go): insecure
// fetch of kube-public/cluster-info polling for the JWS key, JWS check with the token, CA pin
// check, verified second fetch, byte-equal comparison.
#pragma once

#include "node-helper/discovery/discovery.h"

namespace joinguard::node::discovery::token {

struct ClusterInfo {
  std::string server;  // from cluster-info: later traffic goes here, not to the CLI endpoint
  std::string ca_pem;  // the whole bundle
};

StatusOr<ClusterInfo> RetrieveValidatedConfigInfo(const config::BootstrapTokenDiscovery& cfg,
                                                  const Deps& deps, const Options& options);

// The byte-for-byte comparison of the two cluster-info answers on its own (pure; used by tests with the
// upstream vectors).
Status ValidateClusterInfoToken(const kube::StringMap& data, std::string_view token_id,
                                std::string_view token_secret);

// Step 8 (pure): any certificate of the cluster-info CA bundle must match a pin.
Status ValidateClusterCa(const std::string& ca_pem, const std::vector<std::string>& pins);

}  // namespace joinguard::node::discovery::token
