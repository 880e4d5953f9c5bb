// kubeconfig model, loader (strict YAML) and writer (kubernetes/client-go
// tools/clientcmd/api/v1/types.go; kubeadm's kubeconfig files: kubernetes/kubernetes
// cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status/status.h"

namespace joinguard::kube {

struct KubeconfigCluster {
  std::string server;
  std::string certificate_authority;       // file path (absolute after loading)
  std::string certificate_authority_data;  // decoded PEM bytes
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // parsed, not honoured: cpprest verifies the URL host
  std::string proxy_url;
};

struct KubeconfigUser {
  std::string client_certificate;       // file path
  std::string client_certificate_data;  // decoded PEM bytes
  std::string client_key;               // file path
  std::string client_key_data;          // decoded PEM bytes
  std::string token;
  std::string token_file;  // "tokenFile"
  std::string username;    // basic authentication
  std::string password;
  // client-go credential plugin (client.authentication.k8s.io ExecConfig).
  struct Exec {
    std::string command;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // name, value
    std::string api_version;
    std::string install_hint;
    bool provide_cluster_info = false;
    std::string interactive_mode;  // "Never", "IfAvailable", "Always" or empty
  };
  std::optional<Exec> exec;
  // "auth-provider": parsed so a caller can refuse it by name; its config is not kept.
  std::optional<std::string> auth_provider_name;
};

struct KubeconfigContext {
  std::string cluster;
  std::string user;
  std::string namespace_;
};

template <typename T>
struct Named {
  std::string name;
  T value;
};

struct Kubeconfig {
  std::vector<Named<KubeconfigCluster>> clusters;
  std::vector<Named<KubeconfigUser>> users;
  std::vector<Named<KubeconfigContext>> contexts;
  std::string current_context;

  const KubeconfigCluster* FindCluster(std::string_view name) const;
  const KubeconfigUser* FindUser(std::string_view name) const;
  const KubeconfigContext* FindContext(std::string_view name) const;
};

// The cluster/user/context a config resolves to.
struct ResolvedKubeconfig {
  std::string context_name;
  KubeconfigCluster cluster;
  KubeconfigUser user;
  std::string namespace_;  // "default" when the context has none
};

// Parses kubeconfig YAML. Relative file paths (certificate-authority, client-certificate,
// client-key, tokenFile) are resolved against `base_dir` as client-go does
// (ResolveLocalPaths); an empty base_dir leaves them as written. Unknown keys are ignored.
StatusOr<Kubeconfig> ParseKubeconfig(std::string_view yaml, std::string_view base_dir = {});
// Reads and parses a file; relative paths are resolved against its directory.
StatusOr<Kubeconfig> LoadKubeconfigFile(const std::string& path);

// Picks `context` (or current-context when empty) and returns its cluster and user. Errors
// name the missing context/cluster/user.
StatusOr<ResolvedKubeconfig> Resolve(const Kubeconfig& config, std::string_view context = {});

// Serialises like client-go's clientcmd writer: keys sorted, `*-data` base64-encoded, empty
// fields omitted, no `preferences` (kubeadm's bootstrap-kubelet.conf and the kubelet's
// kubelet.conf, byte-exact).
std::string SerializeKubeconfig(const Kubeconfig& config);

// Writes SerializeKubeconfig(config) atomically with mode 0600 (parents created 0755).
Status WriteKubeconfigFile(const std::string& path, const Kubeconfig& config);

// kubeadm's bootstrap-kubelet.conf (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/join/kubelet.go):
// cluster `cluster_name` with server and CA data, user tls-bootstrap-token-user with `token`, context
// tls-bootstrap-token-user@kubernetes (the context name keeps "kubernetes" even when the
// cluster is renamed).
Kubeconfig BootstrapKubeconfig(std::string_view server, std::string_view ca_pem, std::string_view token,
                               std::string_view cluster_name = "kubernetes");

// kubelet.conf as the kubelet writes it after TLS bootstrap (kubernetes/kubernetes
// pkg/kubelet/certificate/bootstrap/bootstrap.go). When
// `ca_file` is non-empty it is written as certificate-authority, otherwise `ca_pem` as
// certificate-authority-data.
struct KubeletKubeconfigOptions {
  std::string server;
  std::string ca_pem;
  std::string ca_file;
  bool insecure_skip_tls_verify = false;
  std::string client_cert_path = "/var/lib/kubelet/pki/kubelet-client-current.pem";
};
Kubeconfig KubeletKubeconfig(const KubeletKubeconfigOptions& options);

}  // namespace joinguard::kube
