// Where kubeadm records a node's CRI endpoint (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/
// join/kubelet.go, phases/kubelet/config.go WriteInstanceConfigToDisk, phases/patchnode/
// patchnode.go AnnotateCRISocket, features/features.go NodeLocalCRISocket): from v1.34 (the
// gate is beta and on) in /var/lib/kubelet/instance-config.yaml, applied to config.yaml as the
// last kubeletconfiguration patch and left out of kubeadm-flags.env; before that in the Node
// annotation kubeadm.alpha.kubernetes.io/cri-socket, patched once the kubelet has registered.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/kube/client.h"
#include "common/runtime/clock.h"
#include "common/runtime/duration.h"
#include "common/status/status.h"

namespace joinguard::node::cri {

inline constexpr std::string_view kCriSocketAnnotation = "kubeadm.alpha.kubernetes.io/cri-socket";
inline constexpr std::string_view kInstanceConfigFile = "instance-config.yaml";  // in /var/lib/kubelet
inline constexpr std::string_view kRuntimeEndpointFlag = "container-runtime-endpoint";
// The first minor whose kubeadm turns NodeLocalCRISocket on by default.
inline constexpr int kNodeLocalCriSocketMinor = 34;
// kubeadm's constants.KubernetesAPICallRetryInterval.
inline constexpr runtime::Duration kApiCallRetryInterval = std::chrono::milliseconds(500);

enum class RecordKind { kInstanceConfig, kNodeAnnotation };

// For the cluster's kubernetesVersion ("v1.34.1"). A version that is missing or does not parse
// gets the annotation: every kubeadm reads it (v1.34+ when instance-config.yaml is absent,
// cmd/kubeadm/app/util/config/cluster.go GetNodeRegistration).
RecordKind RecordKindFor(std::string_view kubernetes_version);

// The file kubeadm writes: `containerRuntimeEndpoint: "<socket>"` (Go %q) and a newline.
std::string InstanceConfigYaml(std::string_view cri_socket);

// KUBELET_KUBEADM_ARGS="..." without --container-runtime-endpoint=<socket> (the instance
// configuration carries it). Other flags, and a value given through kubeletExtraArgs, stay.
std::string WithoutRuntimeEndpointFlag(std::string_view flags_env, std::string_view cri_socket);

struct AnnotateDeps {
  const runtime::Clock* clock = nullptr;
  std::function<void(runtime::Duration)> wait;
};

// kubeadm's AnnotateCRISocket through apiclient.PatchNode: GET the Node every
// kApiCallRetryInterval until it exists (the kubelet registers it), then a strategic-merge patch
// of the annotation, within `timeout`. Errors as kubeadm's: "error uploading crisocket: could not
// get node \"<name>\": ..." or "... error patching Node \"<name>\": ...".
Status AnnotateNode(kube::Client& client, const std::string& node_name, const std::string& cri_socket,
                    runtime::Duration timeout, const AnnotateDeps& deps);

}  // namespace joinguard::node::cri
