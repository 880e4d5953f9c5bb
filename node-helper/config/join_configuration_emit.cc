// A JoinConfiguration as YAML in v1beta4 form, fields in the order and shape
// `kubeadm config print join-defaults` prints them (sigs.k8s.io/yaml: keys sorted).
#include <yaml-cpp/yaml.h>

#include "node-helper/config/join_configuration.h"

namespace joinguard::node::config {
namespace {

void EmitStringList(YAML::Emitter& e, const char* key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  e << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& s : v) e << s;
  e << YAML::EndSeq;
}

}  // namespace

std::string ToYaml(const JoinConfiguration& cfg) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << std::string(kV1beta4);
  e << YAML::Key << "caCertPath" << YAML::Value << cfg.ca_cert_path;
  if (cfg.control_plane) {
    e << YAML::Key << "controlPlane" << YAML::Value << YAML::BeginMap;
    if (!cfg.control_plane->certificate_key.empty()) {
      e << YAML::Key << "certificateKey" << YAML::Value << cfg.control_plane->certificate_key;
    }
    e << YAML::Key << "localAPIEndpoint" << YAML::Value << YAML::BeginMap;
    if (!cfg.control_plane->advertise_address.empty()) {
      e << YAML::Key << "advertiseAddress" << YAML::Value << cfg.control_plane->advertise_address;
    }
    e << YAML::Key << "bindPort" << YAML::Value << cfg.control_plane->bind_port;
    e << YAML::EndMap << YAML::EndMap;
  }
  e << YAML::Key << "discovery" << YAML::Value << YAML::BeginMap;
  if (cfg.discovery.bootstrap_token) {
    const auto& b = *cfg.discovery.bootstrap_token;
    e << YAML::Key << "bootstrapToken" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "apiServerEndpoint" << YAML::Value << b.api_server_endpoint;
    EmitStringList(e, "caCertHashes", b.ca_cert_hashes);
    e << YAML::Key << "token" << YAML::Value << b.token;
    if (b.unsafe_skip_ca_verification) e << YAML::Key << "unsafeSkipCAVerification" << YAML::Value << true;
    e << YAML::EndMap;
  }
  if (cfg.discovery.file) {
    e << YAML::Key << "file" << YAML::Value << YAML::BeginMap << YAML::Key << "kubeConfigPath" << YAML::Value
      << cfg.discovery.file->kubeconfig_path << YAML::EndMap;
  }
  if (!cfg.discovery.tls_bootstrap_token.empty()) {
    e << YAML::Key << "tlsBootstrapToken" << YAML::Value << cfg.discovery.tls_bootstrap_token;
  }
  e << YAML::EndMap;
  if (cfg.dry_run) e << YAML::Key << "dryRun" << YAML::Value << true;
  e << YAML::Key << "kind" << YAML::Value << std::string(kJoinConfigurationKind);
  const auto& nr = cfg.node_registration;
  e << YAML::Key << "nodeRegistration" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "criSocket" << YAML::Value << nr.cri_socket;
  EmitStringList(e, "ignorePreflightErrors", nr.ignore_preflight_errors);
  e << YAML::Key << "imagePullPolicy" << YAML::Value << nr.image_pull_policy;
  e << YAML::Key << "imagePullSerial" << YAML::Value << nr.image_pull_serial;
  if (!nr.kubelet_extra_args.empty()) {
    e << YAML::Key << "kubeletExtraArgs" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : nr.kubelet_extra_args) {
      e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << a.name << YAML::Key << "value"
        << YAML::Value << a.value << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::Key << "name" << YAML::Value << nr.name;
  e << YAML::Key << "taints" << YAML::Value;
  if (!nr.taints_set) {
    e << YAML::Null;
  } else {
    e << YAML::BeginSeq;
    for (const auto& t : nr.taints) {
      e << YAML::BeginMap << YAML::Key << "effect" << YAML::Value << t.effect << YAML::Key << "key"
        << YAML::Value << t.key;
      if (!t.value.empty()) e << YAML::Key << "value" << YAML::Value << t.value;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
  if (!cfg.patches_directory.empty()) {
    e << YAML::Key << "patches" << YAML::Value << YAML::BeginMap << YAML::Key << "directory" << YAML::Value
      << cfg.patches_directory << YAML::EndMap;
  }
  EmitStringList(e, "skipPhases", cfg.skip_phases);
  const auto& t = cfg.timeouts;
  e << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "controlPlaneComponentHealthCheck" << YAML::Value
    << runtime::FormatGoDuration(t.control_plane_component_health_check);
  e << YAML::Key << "discovery" << YAML::Value << runtime::FormatGoDuration(t.discovery);
  e << YAML::Key << "etcdAPICall" << YAML::Value << runtime::FormatGoDuration(t.etcd_api_call);
  e << YAML::Key << "kubeletHealthCheck" << YAML::Value << runtime::FormatGoDuration(t.kubelet_health_check);
  e << YAML::Key << "kubernetesAPICall" << YAML::Value << runtime::FormatGoDuration(t.kubernetes_api_call);
  e << YAML::Key << "tlsBootstrap" << YAML::Value << runtime::FormatGoDuration(t.tls_bootstrap);
  e << YAML::Key << "upgradeManifests" << YAML::Value << runtime::FormatGoDuration(t.upgrade_manifests);
  e << YAML::EndMap;
  e << YAML::EndMap;
  std::string out = std::string(e.c_str()) + "\n";
  // Go's YAML writes a nil slice as "null"; yaml-cpp's null is "~".
  const std::string tilde = "  taints: ~\n";
  if (auto pos = out.find(tilde); pos != std::string::npos)
    out.replace(pos, tilde.size(), "  taints: null\n");
  return out;
}

}  // namespace joinguard::node::config
