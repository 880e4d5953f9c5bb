// kubeconfig: admin.conf, controller-manager.conf and scheduler.conf for a new control-plane
// instance (cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go): client certificates signed by the
// cluster CA, embedded, cluster named clusterName, context <user>@<clusterName>.
#pragma once

#include <string>
#include <vector>

#include "common/kube/kubeconfig.h"
#include "common/net/host_port.h"
#include "common/status/status.h"
#include "node-helper/controlplane/certs.h"

namespace joinguard::node::controlplane {

struct KubeconfigSpec {
  std::string file;  // "admin.conf"
  std::string user;  // certificate CN
  std::vector<std::string> organizations;
  std::string server;
};

// admin.conf → the controlPlaneEndpoint URL; the other two → https://<advertise>:<bindPort>.
std::vector<KubeconfigSpec> ControlPlaneKubeconfigSpecs(const ClusterConfiguration& cluster,
                                                        const std::string& advertise_address, int bind_port);

// "https://host:port", IPv6 in brackets: the one implementation is common/net/host_port.h.
using net::HttpsUrl;

// Builds the kubeconfig (a new client certificate from `ca`).
StatusOr<kube::Kubeconfig> BuildKubeconfig(const KubeconfigSpec& spec, const std::string& cluster_name,
                                           const CertAndKey& ca, const CertWriter& writer);

// An existing file is kept when its CA equals ours (a different server only warns); a different
// CA is kubeadm's error "a kubeconfig file %q exists already but has got the wrong CA cert".
// Returns true when the file was kept.
StatusOr<bool> CheckExistingKubeconfig(const std::string& path, const std::string& ca_pem,
                                       const std::string& server, std::vector<std::string>* warnings);

}  // namespace joinguard::node::controlplane
