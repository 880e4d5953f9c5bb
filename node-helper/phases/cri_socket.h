// Recording the node's CRI endpoint as kubeadm does for the cluster's version (node-helper/cri/
// record.h): instance-config.yaml during kubelet-start (v1.34+), or the Node annotation once the
// restarted kubelet is healthy and has registered its Node (earlier versions).
#pragma once

#include <string>
#include <vector>

#include "node-helper/controlplane/cluster_config.h"
#include "node-helper/phases/join_context.h"
#include "node-helper/phases/patches.h"

namespace joinguard::node::phases {

// kubelet-start, v1.34+: writes /var/lib/kubelet/instance-config.yaml, appends it to `patches`
// as the last kubeletconfiguration patch (config.yaml gets containerRuntimeEndpoint) and drops
// --container-runtime-endpoint from `flags_env` unless kubeletExtraArgs sets it. Before v1.34:
// nothing (AnnotateCriSocket does it later).
Status RecordCriSocketInKubeletFiles(JoinContext& ctx, const controlplane::ClusterConfiguration& cluster,
                                     std::vector<PatchFile>* patches, std::string* flags_env);

// After the kubelet restart and its health check, for clusters before v1.34: waits (up to
// timeouts.kubernetesAPICall) for the kubelet to register the Node, then sets the
// kubeadm.alpha.kubernetes.io/cri-socket annotation with the node's own credentials
// (kubelet.conf). When this run did not start and check a kubelet (no restart command,
// --skip-kubelet-health-check, dry run, no TLS bootstrap in this run) it prints the kubectl
// command that does it instead; when the Node does not appear in time or the patch fails, a
// warning with that command (kubeadm fails the join there). Errors: only reading
// kube-system/kubeadm-config or kubelet.conf.
Status AnnotateCriSocket(JoinContext& ctx);

}  // namespace joinguard::node::phases
