// The `join` command line and kubeadm's rules for turning it (and an optional --config file)
// into one JoinConfiguration (cmd/kubeadm/app/cmd/join.go newJoinData, ValidateMixedArguments).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "node-helper/config/join_configuration.h"

namespace joinguard::node::config {

inline constexpr std::string_view kDefaultKubeletRestartCommand = "systemctl restart kubelet";

// Raw flag values. `changed` holds the long names of flags given on the command line (what
// pflag calls Changed), which is what the --config mixing rule looks at.
struct JoinFlags {
  std::vector<std::string> args;  // positional api-server-endpoint(s)
  std::string config_path;
  std::string token;
  std::string discovery_token;
  std::vector<std::string> ca_cert_hashes;
  bool unsafe_skip_ca_verification = false;
  std::string discovery_file;
  std::string tls_bootstrap_token;
  std::string node_name;
  std::string cri_socket;
  std::vector<std::string> ignore_preflight_errors;
  std::vector<std::string> skip_phases;
  bool dry_run = false;
  bool control_plane = false;
  std::string certificate_key;
  std::string apiserver_advertise_address;
  int apiserver_bind_port = 6443;
  std::string patches;
  std::string rootfs;  // kubeadm's --rootfs: chroot into this path before anything else
  int verbosity = 0;   // kubeadm's -v/--v (klog level): 5+ prints HTTP requests in kubeadm; accepted
  // joinguard-node additions.
  std::string root_dir = "/";
  std::string kubelet_restart_command = std::string(kDefaultKubeletRestartCommand);
  bool force = false;
  std::string discovery_timeout;            // Go duration; overrides timeouts.discovery
  std::string discovery_retry_interval;     // Go duration; default 5s (kubeadm's constant)
  std::string tls_bootstrap_timeout;        // Go duration; overrides timeouts.tlsBootstrap
  std::string https_discovery_ca_file;      // extra CA for https discovery (tests, private PKI)
  std::vector<std::string> etcd_endpoints;  // overrides the etcd Pod annotations (hidden)
  std::set<std::string> changed;
};

// Flags that may be combined with --config (kubeadm's isAllowedFlag plus joinguard's own).
bool FlagAllowedWithConfig(const std::string& name);

// Everything `join` needs that is not in the JoinConfiguration.
struct JoinSettings {
  JoinConfiguration cfg;
  std::set<std::string> ignore_preflight_errors;  // lower-cased; may contain "all"
  std::set<std::string> skip_phases;
  Duration discovery_retry_interval = std::chrono::seconds(5);
  std::string root_dir = "/";
  std::string kubelet_restart_command;
  std::string https_discovery_ca_file;
  std::vector<std::string> etcd_endpoints;  // etcd client URLs; empty = from the etcd static Pods
  bool force = false;
  std::vector<std::string> warnings;
};

// SetJoinDynamicDefaults for a control-plane join: the control-plane NoSchedule taint when
// nodeRegistration.taints is absent, and the advertise address (default-route interface when
// empty; an unparsable one is kubeadm's error).
Status SetControlPlaneDynamicDefaults(JoinConfiguration* cfg);

// kubeadm's node name rule: the override or the host name, trimmed and lower-cased.
StatusOr<std::string> ResolveNodeName(const std::string& override_name);

// Applies kubeadm's rules: --config may not be mixed with most flags (`can not mix '--config'
// with arguments [a b]`, names sorted), --token fills --discovery-token/--tls-bootstrap-token,
// the first positional argument is the endpoint, defaults, then validation (ValidateJoinConfiguration).
// Errors are kInvalidArgument with reason "ValidationError".
StatusOr<JoinSettings> ResolveJoin(const JoinFlags& flags, const std::string& hostname);

}  // namespace joinguard::node::config
