// The host checks kubeadm runs before joining a node (kubernetes/kubernetes
// cmd/kubeadm/app/preflight/checks.go JoinNodeChecks + addCommonChecks, checks_linux.go), in
// kubeadm's order and with kubeadm's names.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node-helper/cri/cri_socket.h"
#include "node-helper/preflight/checks.h"
#include "node-helper/preflight/kubelet_version.h"

namespace joinguard::node::preflight {

struct NodeCheckOptions {
  std::string cri_socket;    // nodeRegistration.criSocket (unix:///...)
  std::string ca_cert_path;  // caCertPath; checked absent for a worker only
  bool control_plane = false;
  std::string api_server_endpoint;  // bootstrap-token discovery's host:port; "" for file discovery
};

struct NodeChecks {
  std::vector<Check> checks;
  // kubeadm's warnings printed before the checks run: "Couldn't create the interface used for
  // talking to the container runtime: ..." when nothing answers on the CRI socket.
  std::vector<std::string> warnings;
  // Checks left out because a --root-dir root does not provide what they read (see Host).
  std::vector<std::string> not_run;
  // Filled by the KubeletVersion check when `kubelet --version` answered: the skew against the
  // control plane is checked once discovery has found it (KubeletSkew).
  std::shared_ptr<std::optional<Version>> kubelet_version = std::make_shared<std::optional<Version>>();
};

NodeChecks JoinNodeChecks(std::shared_ptr<const Host> host, const NodeCheckOptions& options);

// KubeletVersion, second half: `kubelet` against the control plane's version (kubeadm-config's
// kubernetesVersion).
Check KubeletSkew(Version kubelet, std::string control_plane_version);

}  // namespace joinguard::node::preflight
