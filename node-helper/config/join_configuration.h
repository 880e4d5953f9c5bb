// JoinConfiguration (kubeadm.k8s.io/v1beta4 and v1beta3), defaulting and validation as kubeadm
// does them (cmd/kubeadm/app/apis/kubeadm/v1beta4/{types,defaults}.go,
// apis/kubeadm/validation/validation.go). Only the worker-node subset is acted on; fields joinguard-node does
// not use are parsed so that files written for kubeadm load unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/host_port.h"
#include "common/runtime/duration.h"
#include "common/status/status.h"

namespace joinguard::node::config {

using Duration = runtime::Duration;

inline constexpr std::string_view kGroup = "kubeadm.k8s.io";
inline constexpr std::string_view kV1beta4 = "kubeadm.k8s.io/v1beta4";
inline constexpr std::string_view kV1beta3 = "kubeadm.k8s.io/v1beta3";
inline constexpr std::string_view kJoinConfigurationKind = "JoinConfiguration";
inline constexpr std::string_view kDefaultCaCertPath = "/etc/kubernetes/pki/ca.crt";
inline constexpr std::string_view kDefaultCriSocket = "unix:///var/run/containerd/containerd.sock";

struct BootstrapTokenDiscovery {
  std::string token;  // secret: never print (crypto::RedactToken)
  std::string api_server_endpoint;
  std::vector<std::string> ca_cert_hashes;
  bool unsafe_skip_ca_verification = false;
};

struct FileDiscovery {
  std::string kubeconfig_path;  // a file path or an https:// URL
};

struct Discovery {
  std::optional<BootstrapTokenDiscovery> bootstrap_token;
  std::optional<FileDiscovery> file;
  std::string tls_bootstrap_token;  // secret
};

struct Arg {
  std::string name;
  std::string value;
  friend bool operator==(const Arg&, const Arg&) = default;
};

struct Taint {
  std::string key, value, effect;
};

struct NodeRegistration {
  std::string name;
  std::string cri_socket;
  std::vector<Taint> taints;
  bool taints_set = false;              // kubeadm distinguishes `taints: []` from absent
  std::vector<Arg> kubelet_extra_args;  // v1beta3 map, v1beta4 list; kept in file order
  std::vector<std::string> ignore_preflight_errors;
  std::string image_pull_policy;
  bool image_pull_serial = true;
};

struct Timeouts {
  Duration control_plane_component_health_check = std::chrono::minutes(4);
  Duration kubelet_health_check = std::chrono::minutes(4);
  Duration kubernetes_api_call = std::chrono::minutes(1);
  Duration etcd_api_call = std::chrono::minutes(2);
  Duration tls_bootstrap = std::chrono::minutes(5);
  Duration discovery = std::chrono::minutes(5);
  Duration upgrade_manifests = std::chrono::minutes(5);
};

struct JoinControlPlane {
  std::string advertise_address;
  int bind_port = 6443;
  std::string certificate_key;  // secret
};

struct JoinConfiguration {
  std::string api_version = std::string(kV1beta4);  // the version the file was written in
  bool dry_run = false;
  NodeRegistration node_registration;
  std::string ca_cert_path;
  Discovery discovery;
  std::optional<JoinControlPlane> control_plane;
  std::vector<std::string> skip_phases;
  std::string patches_directory;
  Timeouts timeouts;
};

// Parses a (possibly multi-document) YAML file and returns its JoinConfiguration. Other known
// kubeadm kinds are ignored with a warning, unknown fields produce warnings (kubeadm's
// non-strict decoding), an unsupported apiVersion is an error. Errors: kInvalidArgument.
StatusOr<JoinConfiguration> ParseJoinConfiguration(std::string_view yaml, std::vector<std::string>* warnings);
StatusOr<JoinConfiguration> LoadJoinConfigurationFile(const std::string& path,
                                                      std::vector<std::string>* warnings);

// kubeadm's SetDefaults_JoinConfiguration/Discovery/NodeRegistration: caCertPath, tlsBootstrapToken
// from bootstrapToken.token, file:// → path, imagePullPolicy, criSocket. The node name is filled
// by the caller (hostname) before defaulting.
void SetDefaults(JoinConfiguration* cfg);

// kubeadm's ValidateJoinConfiguration (discovery part: ValidateDiscovery*). The message is kubeadm's
// field.ErrorList text ("<path>: Invalid value: ...", aggregated as "[a, b]" when several) with
// token values redacted. kInvalidArgument, reason "ValidationError".
Status Validate(const JoinConfiguration& cfg);

// YAML of the configuration in v1beta4 form, fields as `kubeadm config print join-defaults`
// prints them.
std::string ToYaml(const JoinConfiguration& cfg);

// The configuration `kubeadm config print join-defaults` prints (example token and endpoint).
JoinConfiguration JoinDefaults(const std::string& node_name);

// Go's net.SplitHostPort: the one implementation is common/net/host_port.h.
using net::SplitHostPort;

}  // namespace joinguard::node::config
