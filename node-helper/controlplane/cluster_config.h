// The cluster's ClusterConfiguration as `kubeadm init` stores it in kube-system/kubeadm-config
// (key ClusterConfiguration), decoded with kubeadm's v1beta4 static and dynamic defaults
// (cmd/kubeadm/app/util/config/cluster.go, apis/kubeadm/v1beta4/defaults.go). Only the fields
// a control-plane join consumes are modelled; the rest is ignored, as kubeadm's lenient decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/client.h"
#include "common/status/status.h"
#include "node-helper/config/join_configuration.h"

namespace joinguard::node::controlplane {

inline constexpr std::string_view kKubeadmConfigConfigMap = "kubeadm-config";
inline constexpr std::string_view kClusterConfigurationKey = "ClusterConfiguration";
inline constexpr int kDefaultApiServerPort = 6443;

struct EtcdLocal {
  std::string data_dir = "/var/lib/etcd";
  std::vector<config::Arg> extra_args;
  std::vector<std::string> server_cert_sans;
  std::vector<std::string> peer_cert_sans;
  std::string image_repository;
  std::string image_tag;
};

struct EtcdExternal {
  std::vector<std::string> endpoints;
  std::string ca_file, cert_file, key_file;
};

struct Component {
  std::vector<config::Arg> extra_args;  // v1beta3 map or v1beta4 list, file order
  std::vector<std::string> cert_sans;   // apiServer only
};

struct ClusterConfiguration {
  std::string api_version;
  std::string kubernetes_version;
  std::string control_plane_endpoint;  // host:port after defaulting ("" = none)
  std::string cluster_name = "kubernetes";
  std::string certificates_dir = "/etc/kubernetes/pki";
  std::string image_repository = "registry.k8s.io";
  std::string service_subnet = "10.96.0.0/12";
  std::string pod_subnet;
  std::string dns_domain = "cluster.local";
  std::optional<EtcdExternal> external_etcd;
  EtcdLocal local_etcd;
  Component api_server, controller_manager, scheduler;
  std::string encryption_algorithm = "RSA-2048";
  config::Duration certificate_validity = std::chrono::hours(8760);
};

// Decodes the ConfigMap value. Errors are kInvalidArgument "failed to decode cluster
// configuration data: ...".
StatusOr<ClusterConfiguration> ParseClusterConfiguration(std::string_view yaml);

// GET kube-system/kubeadm-config and decode it; errors wrapped as kubeadm does
// ("unable to fetch the kubeadm-config ConfigMap: ...").
StatusOr<ClusterConfiguration> FetchClusterConfiguration(kube::Client& client);

// The value of `name` in `args` (last one wins), or nullopt.
std::optional<std::string> ArgValue(const std::vector<config::Arg>& args, std::string_view name);

}  // namespace joinguard::node::controlplane
