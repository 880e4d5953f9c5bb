// control-plane and etcd static Pod manifests as kubeadm writes them
// (cmd/kubeadm/app/phases/controlplane/{manifests,volumes}.go, cmd/kubeadm/app/phases/etcd/local.go,
// cmd/kubeadm/app/util/staticpod/utils.go): one container, sorted flags (extraArgs replace
// every default of the same name), probes, hostPath volumes, serialized as a v1 Pod with sorted keys.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "node-helper/config/join_configuration.h"
#include "node-helper/config/json_yaml.h"
#include "node-helper/controlplane/cluster_config.h"

namespace joinguard::node::controlplane {

// kubeadm writes /etc/kubernetes/manifests as 0700 and each static Pod manifest as 0600
// (cmd/kubeadm/app/util/staticpod/utils.go WriteStaticPodToDisk).
constexpr mode_t kManifestsDirMode = 0700;
constexpr mode_t kManifestMode = 0600;

inline constexpr std::string_view kManifestsDir = "/etc/kubernetes/manifests";
inline constexpr std::string_view kKubernetesDir = "/etc/kubernetes";
inline constexpr int kEtcdClientPort = 2379;
inline constexpr int kEtcdPeerPort = 2380;
inline constexpr int kEtcdMetricsPort = 2381;
inline constexpr int kControllerManagerPort = 10257;
inline constexpr int kSchedulerPort = 10259;

struct ManifestInputs {
  const ClusterConfiguration* cluster = nullptr;
  std::string node_name;
  std::string advertise_address;
  int bind_port = kDefaultApiServerPort;
  config::Duration health_check_timeout =
      std::chrono::minutes(4);  // timeouts.controlPlaneComponentHealthCheck
  // Whether a host directory exists (the optional CA-certificate volumes); tests inject it.
  std::function<bool(const std::string&)> host_dir_exists;
};

// A static Pod as a v1 Pod object; the phases apply the component's --patches to it and write
// it as YAML (JsonToYaml).
struct Manifest {
  std::string component;  // "kube-apiserver"
  nlohmann::json pod;
};

// kube-apiserver, kube-controller-manager, kube-scheduler.
std::vector<Manifest> ControlPlaneManifests(const ManifestInputs& in);

// etcd.yaml for a member joining `initial_cluster` ("n1=https://a:2380,n2=https://b:2380").
Manifest EtcdManifest(const ManifestInputs& in, const std::string& initial_cluster);

// "--name=value" flags: defaults, with every default named in `extra` replaced, sorted by name
// then value (kubeadm's util.ArgumentsToCommand).
std::vector<std::string> BuildFlags(const std::vector<config::Arg>& defaults,
                                    const std::vector<config::Arg>& extra);

// The etcd image tag kubeadm pairs with the cluster's minor (constants.SupportedEtcdVersion).
std::string DefaultEtcdTag(const std::string& kubernetes_version);

// "https://<advertise>:<port>", IPv6 bracketed.
std::string EtcdUrl(const std::string& advertise_address, int port);

// A JSON object as YAML with sorted keys (static Pods, the kubelet configuration): the one
// writer is node-helper/config/json_yaml.h.
using config::JsonToYaml;

}  // namespace joinguard::node::controlplane
