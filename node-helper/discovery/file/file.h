// File discovery (kubeadm cmd/kubeadm/app/discovery/file/file.go): the discovery
// kubeconfig is trusted as-is; cluster-info is read through it only to refresh the CA.
#pragma once

#include "node-helper/discovery/discovery.h"

namespace joinguard::node::discovery::file {

// Loads the kubeconfig at `path` and validates it (ValidateConfigInfo).
StatusOr<kube::Kubeconfig> RetrieveValidatedConfigInfo(const std::string& path, const Deps& deps,
                                                       const Options& options);

// ValidateConfigInfo on an already parsed kubeconfig (also used by https discovery). CA and
// client cert/key files referenced by it are embedded as data.
StatusOr<kube::Kubeconfig> ValidateConfigInfo(kube::Kubeconfig config, const Deps& deps,
                                              const Options& options);

// True when the current context's user carries credentials kubeadm accepts for the TLS
// bootstrap (HasAuthenticationCredentials: token, username and password, or client certificate
// and key).
bool HasCredentials(const kube::Kubeconfig& config);

}  // namespace joinguard::node::discovery::file
