// The control-plane phases of `join --control-plane`, in kubeadm's order and names
// (cmd/kubeadm/app/cmd/phases/join/{preflight,controlplaneprepare,checketcd,controlplanejoin,
// waitcontrolplane}.go). Each returns OK without doing anything on a worker join.
#pragma once

#include <string>
#include <vector>

#include "node-helper/controlplane/manifests.h"
#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

// The control-plane part of preflight: kubeadm-config read, the controlPlaneEndpoint and
// shared-certificate requirement (kubeadm's "One or more conditions ..." text), then the init
// checks for a secondary control plane (ports, manifests, etcd data dir).
Status RunControlPlanePreflight(JoinContext& ctx);

Status RunDownloadCertsPhase(JoinContext& ctx);
Status RunCertsPhase(JoinContext& ctx);
Status RunKubeconfigPhase(JoinContext& ctx);
Status RunControlPlaneManifestsPhase(JoinContext& ctx);
Status RunCheckEtcdPhase(JoinContext& ctx);
Status RunEtcdJoinPhase(JoinContext& ctx);
Status RunMarkControlPlanePhase(JoinContext& ctx);
Status RunWaitControlPlanePhase(JoinContext& ctx);

// What wait-control-plane probes, read from the static Pod manifests as kubeadm 1.33+ does
// (cmd/kubeadm/app/phases/controlplane: --advertise-address/--secure-port of kube-apiserver,
// --bind-address/--secure-port of the controller-manager and scheduler, else the defaults).
struct HealthEndpoint {
  std::string name;  // "kube-apiserver"
  std::string url;   // "https://10.0.0.2:6443/livez"
};
StatusOr<std::vector<HealthEndpoint>> ControlPlaneHealthEndpoints(JoinContext& ctx);

// A static Pod manifest as kubeadm writes it: the --patches for its component applied in
// file-name order (strategic merge by the Pod's merge keys), "[patches] Applied patch of type
// ... to target ..." printed for each (cmd/kubeadm/app/util/staticpod/utils.go PatchStaticPod),
// then YAML. Error: a patch that cannot be applied or leaves no Pod (reason PatchInvalid).
StatusOr<std::string> RenderStaticPod(JoinContext& ctx, const controlplane::Manifest& m);

// "One or more conditions for hosting a new control plane instance is not satisfied. ..."
std::string ControlPlaneConditionsMessage(const std::string& error);

}  // namespace joinguard::node::phases
