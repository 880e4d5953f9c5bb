// kubeadm's defaulting of a JoinConfiguration (kubernetes/kubernetes
// cmd/kubeadm/app/apis/kubeadm/v1beta4/defaults.go SetDefaults_JoinConfiguration,
// SetDefaults_Discovery, SetDefaults_FileDiscovery, SetDefaults_NodeRegistration) and the
// `kubeadm config print join-defaults` document (cmd/kubeadm/app/cmd/config.go).
#include "node-helper/config/join_configuration.h"

namespace joinguard::node::config {

void SetDefaults(JoinConfiguration* cfg) {
  if (cfg->ca_cert_path.empty()) cfg->ca_cert_path = std::string(kDefaultCaCertPath);
  auto& nr = cfg->node_registration;
  if (nr.image_pull_policy.empty()) nr.image_pull_policy = "IfNotPresent";
  if (nr.cri_socket.empty()) nr.cri_socket = std::string(kDefaultCriSocket);
  auto& d = cfg->discovery;
  if (d.tls_bootstrap_token.empty() && d.bootstrap_token) {
    d.tls_bootstrap_token = d.bootstrap_token->token;
  }
  if (d.file) {
    // SetDefaults_FileDiscovery: "file://" URLs become plain paths.
    constexpr std::string_view kFileScheme = "file://";
    if (d.file->kubeconfig_path.rfind(kFileScheme, 0) == 0) {
      d.file->kubeconfig_path = d.file->kubeconfig_path.substr(kFileScheme.size());
    }
  }
}

JoinConfiguration JoinDefaults(const std::string& node_name) {
  JoinConfiguration cfg;
  // The same example values kubeadm prints (cmd/kubeadm/app/cmd/config.go): not a real token.
  BootstrapTokenDiscovery b;
  b.api_server_endpoint = "kube-apiserver:6443";
  b.token = "abcdef.0123456789abcdef";
  b.unsafe_skip_ca_verification = true;
  cfg.discovery.bootstrap_token = b;
  cfg.node_registration.name = node_name;
  SetDefaults(&cfg);
  return cfg;
}

}  // namespace joinguard::node::config
