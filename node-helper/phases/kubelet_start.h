// The `kubelet-start` phase (kubeadm cmd/kubeadm/app/cmd/phases/join/kubelet.go,
// cmd/kubeadm/app/phases/kubelet/): bootstrap-kubelet.conf and pki/ca.crt, refuse a name a Ready Node already
// has, the kubelet configuration from kube-system/kubelet-config (completed and patched for
// this node, see kubelet_config.h) and kubeadm-flags.env. With --dry-run every file goes to the
// dry-run directory and config.yaml and kubeadm-flags.env are printed.
#pragma once

#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

Status RunKubeletStartPhase(JoinContext& ctx);

// KUBELET_KUBEADM_ARGS="..." for kubeadm-flags.env: --container-runtime-endpoint, then
// --hostname-override when the node name is not the host name, --register-with-taints, with
// kubeletExtraArgs overriding and extending; sorted by flag name as kubeadm does.
std::string BuildKubeadmFlagsEnv(const config::NodeRegistration& nr, const std::string& hostname);

}  // namespace joinguard::node::phases
