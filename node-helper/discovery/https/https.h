// HTTPS discovery (kubeadm cmd/kubeadm/app/discovery/https/https.go): the discovery
// kubeconfig is downloaded over verified TLS (system trust store), then treated as file discovery.
#pragma once

#include "node-helper/discovery/discovery.h"

namespace joinguard::node::discovery::https {

StatusOr<kube::Kubeconfig> RetrieveValidatedConfigInfo(const std::string& url, const Deps& deps,
                                                       const Options& options);

// The production getter: kube's cpprest transport, TLS verified against the system store plus,
// when `extra_ca_pem` is non-empty, that bundle (tests and private PKIs).
HttpsGetter NewHttpsGetter(std::string extra_ca_pem, Duration timeout);

}  // namespace joinguard::node::discovery::https
