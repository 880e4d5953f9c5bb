// /var/lib/kubelet/config.yaml as kubeadm writes it on a joining node
// (cmd/kubeadm/app/phases/kubelet/config.go WriteConfigToDisk): the cluster's
// kube-system/kubelet-config (key "kubelet"), completed with kubeadm's defaults for the fields it
// leaves unset (cmd/kubeadm/app/componentconfigs/kubelet.go Default), rotateCertificates forced
// on, then the "kubeletconfiguration" patches of --patches applied in file-name order.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"
#include "node-helper/controlplane/cluster_config.h"
#include "node-helper/phases/patches.h"

namespace joinguard::node::phases {

inline constexpr int kDefaultKubeletHealthzPort = 10248;  // componentconfigs kubeletHealthzPort
inline constexpr std::string_view kDefaultKubeletHealthzAddress = "127.0.0.1";

struct KubeletConfig {
  std::string yaml;                  // what config.yaml holds
  std::string healthz_url;           // http://<healthzBindAddress>:<healthzPort>/healthz
  std::vector<std::string> applied;  // "[patches] Applied patch of type ... to target ..." lines
};

// `configmap_yaml` is the ConfigMap's value (strict YAML). `patches` may hold patches for other
// targets; only kubeletconfiguration ones are applied.
StatusOr<KubeletConfig> BuildKubeletConfig(const std::string& configmap_yaml,
                                           const controlplane::ClusterConfiguration& cluster,
                                           const std::vector<PatchFile>& patches);

// The 10th address of the (first) service subnet, kubeadm's cluster DNS IP
// (constants.GetDNSIP): "10.96.0.0/12" → "10.96.0.10". kInvalidArgument for a bad CIDR.
StatusOr<std::string> ClusterDnsIp(const std::string& service_subnet);

}  // namespace joinguard::node::phases
