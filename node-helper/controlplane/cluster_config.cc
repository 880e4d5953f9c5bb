#include "node-helper/controlplane/cluster_config.h"

#include <algorithm>

#include "common/kube/api_error.h"
#include "common/kube/objects.h"
#include "common/net/host_port.h"
#include "common/yaml/strict_yaml.h"
#include "common/text/ascii.h"

namespace joinguard::node::controlplane {
namespace {

Status DecodeError(const std::string& what) {
  return InvalidArgumentError("failed to decode cluster configuration data: " + what);
}

std::string Scalar(const YAML::Node& n, std::string fallback = {}) {
  if (!n || n.IsNull() || !n.IsScalar()) return fallback;
  return n.as<std::string>();
}

StatusOr<std::vector<std::string>> StrList(const YAML::Node& n, const std::string& path) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) return DecodeError(path + " must be a list of strings");
  for (const auto& item : n) {
    if (!item.IsScalar()) return DecodeError(path + " must be a list of strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

// v1beta3: map[string]string; v1beta4: [{name, value}].
StatusOr<std::vector<config::Arg>> Args(const YAML::Node& n, const std::string& path) {
  std::vector<config::Arg> out;
  if (!n || n.IsNull()) return out;
  if (n.IsMap()) {
    for (const auto& kv : n) out.push_back({kv.first.as<std::string>(), Scalar(kv.second)});
    return out;
  }
  if (!n.IsSequence()) return DecodeError(path + " must be a list of {name, value}");
  for (const auto& item : n) {
    if (!item.IsMap()) return DecodeError(path + " must be a list of {name, value}");
    out.push_back({Scalar(item["name"]), Scalar(item["value"])});
  }
  return out;
}

StatusOr<Component> DecodeComponent(const YAML::Node& n, const std::string& path) {
  Component c;
  if (!n || n.IsNull()) return c;
  if (!n.IsMap()) return DecodeError(path + " must be an object");
  JG_ASSIGN_OR_RETURN(c.extra_args, Args(n["extraArgs"], path + ".extraArgs"));
  JG_ASSIGN_OR_RETURN(c.cert_sans, StrList(n["certSANs"], path + ".certSANs"));
  return c;
}

}  // namespace

std::optional<std::string> ArgValue(const std::vector<config::Arg>& args, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& a : args) {
    if (a.name == name) out = a.value;
  }
  return out;
}

StatusOr<ClusterConfiguration> ParseClusterConfiguration(std::string_view yaml) {
  auto loaded = yaml::LoadStrictYaml(yaml, "ClusterConfiguration in kube-system/kubeadm-config");
  if (!loaded.ok()) return DecodeError(loaded.status().message());
  const YAML::Node& doc = *loaded;
  if (!doc.IsMap()) return DecodeError("not a YAML object");
  ClusterConfiguration c;
  c.api_version = Scalar(doc["apiVersion"]);
  if (c.api_version != config::kV1beta4 && c.api_version != config::kV1beta3) {
    return DecodeError("unsupported apiVersion \"" + c.api_version + "\" (want " +
                       std::string(config::kV1beta4) + " or " + std::string(config::kV1beta3) + ")");
  }
  if (Scalar(doc["kind"]) != "ClusterConfiguration") {
    return DecodeError("kind \"" + Scalar(doc["kind"]) + "\" is not ClusterConfiguration");
  }
  c.kubernetes_version = Scalar(doc["kubernetesVersion"]);
  c.control_plane_endpoint = Scalar(doc["controlPlaneEndpoint"]);
  c.cluster_name = Scalar(doc["clusterName"], c.cluster_name);
  c.certificates_dir = Scalar(doc["certificatesDir"], c.certificates_dir);
  c.image_repository = Scalar(doc["imageRepository"], c.image_repository);
  c.encryption_algorithm = Scalar(doc["encryptionAlgorithm"], c.encryption_algorithm);
  if (auto v = Scalar(doc["certificateValidityPeriod"]); !v.empty()) {
    auto d = runtime::ParseGoDuration(v);
    if (!d.ok()) return DecodeError("certificateValidityPeriod: " + d.status().message());
    c.certificate_validity = *d;
  }
  if (const auto net = doc["networking"]; net && net.IsMap()) {
    c.service_subnet = Scalar(net["serviceSubnet"], c.service_subnet);
    c.pod_subnet = Scalar(net["podSubnet"]);
    c.dns_domain = Scalar(net["dnsDomain"], c.dns_domain);
  }
  if (const auto etcd = doc["etcd"]; etcd && etcd.IsMap()) {
    if (const auto ext = etcd["external"]; ext && ext.IsMap()) {
      EtcdExternal e;
      JG_ASSIGN_OR_RETURN(e.endpoints, StrList(ext["endpoints"], "etcd.external.endpoints"));
      e.ca_file = Scalar(ext["caFile"]);
      e.cert_file = Scalar(ext["certFile"]);
      e.key_file = Scalar(ext["keyFile"]);
      c.external_etcd = std::move(e);
    }
    if (const auto local = etcd["local"]; local && local.IsMap()) {
      c.local_etcd.data_dir = Scalar(local["dataDir"], c.local_etcd.data_dir);
      JG_ASSIGN_OR_RETURN(c.local_etcd.extra_args, Args(local["extraArgs"], "etcd.local.extraArgs"));
      JG_ASSIGN_OR_RETURN(c.local_etcd.server_cert_sans,
                          StrList(local["serverCertSANs"], "etcd.local.serverCertSANs"));
      JG_ASSIGN_OR_RETURN(c.local_etcd.peer_cert_sans,
                          StrList(local["peerCertSANs"], "etcd.local.peerCertSANs"));
      c.local_etcd.image_repository = Scalar(local["imageRepository"]);
      c.local_etcd.image_tag = Scalar(local["imageTag"]);
    }
  }
  JG_ASSIGN_OR_RETURN(c.api_server, DecodeComponent(doc["apiServer"], "apiServer"));
  JG_ASSIGN_OR_RETURN(c.controller_manager, DecodeComponent(doc["controllerManager"], "controllerManager"));
  JG_ASSIGN_OR_RETURN(c.scheduler, DecodeComponent(doc["scheduler"], "scheduler"));
  // Dynamic defaults (SetClusterDynamicDefaults): certSANs lower-cased; an endpoint without a
  // port gets the default bind port.
  for (auto& san : c.api_server.cert_sans) san = text::AsciiLower(san);
  if (!c.control_plane_endpoint.empty() && !net::HasPort(c.control_plane_endpoint)) {
    c.control_plane_endpoint += ":" + std::to_string(kDefaultApiServerPort);
  }
  return c;
}

StatusOr<ClusterConfiguration> FetchClusterConfiguration(kube::Client& client) {
  auto cm = client.Get<kube::ConfigMap>("kube-system", kKubeadmConfigConfigMap);
  if (!cm.ok()) {
    return Status(cm.status().code(),
                  "unable to fetch the kubeadm-config ConfigMap: failed to get config map: " +
                      cm.status().message())
        .WithReason(cm.status().reason(), cm.status().http_status());
  }
  auto it = cm->data.find(std::string(kClusterConfigurationKey));
  if (it == cm->data.end()) {
    return NotFoundError(
        "unable to fetch the kubeadm-config ConfigMap: unexpected error when reading kubeadm-config "
        "ConfigMap: "
        "ClusterConfiguration key value pair missing");
  }
  auto parsed = ParseClusterConfiguration(it->second);
  if (!parsed.ok()) return parsed.status().Annotate("unable to fetch the kubeadm-config ConfigMap");
  return parsed;
}

}  // namespace joinguard::node::controlplane
