#include "node-helper/config/join_flags.h"

#include <algorithm>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <cctype>

#include "node-helper/cri/cri_socket.h"
#include "common/text/ascii.h"

namespace joinguard::node::config {
namespace {

Status ValidationError(std::string msg) {
  return InvalidArgumentError(std::move(msg)).WithReason("ValidationError");
}

StatusOr<std::optional<Duration>> OptionalDuration(const std::string& text, const std::string& flag) {
  if (text.empty()) return std::optional<Duration>();
  auto d = runtime::ParseGoDuration(text);
  if (!d.ok()) return ValidationError("invalid value for --" + flag + ": " + d.status().message());
  if (d->count() <= 0) return ValidationError("invalid value for --" + flag + ": must be positive");
  return std::optional<Duration>(*d);
}

// The IPv4 (else IPv6) address of the interface that holds the default route
// (apimachinery's ChooseHostInterface, as kubeadm's ChooseAPIServerBindAddress).
std::string DefaultRouteAddress() {
  std::string iface;
  if (FILE* f = std::fopen("/proc/net/route", "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      char name[64];
      unsigned long dest = 1;
      if (std::sscanf(line, "%63s %lx", name, &dest) == 2 && dest == 0) {
        iface = name;
        break;
      }
    }
    std::fclose(f);
  }
  if (iface.empty()) return "";
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string v4, v6;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || iface != a->ifa_name) continue;
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ifa_addr->sa_family == AF_INET && v4.empty()) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
      v4 = buf;
    } else if (a->ifa_addr->sa_family == AF_INET6 && v6.empty()) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(a->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;
      inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
      v6 = buf;
    }
  }
  freeifaddrs(list);
  return v4.empty() ? v6 : v4;
}

}  // namespace

Status SetControlPlaneDynamicDefaults(JoinConfiguration* cfg) {
  auto& nr = cfg->node_registration;
  if (!nr.taints_set) {
    nr.taints = {{"node-role.kubernetes.io/control-plane", "", "NoSchedule"}};
    nr.taints_set = true;
  }
  auto& address = cfg->control_plane->advertise_address;
  if (address.empty()) {
    address = DefaultRouteAddress();
    if (address.empty()) {
      return ValidationError(
          "unable to select an IP from default routes: pass --apiserver-advertise-address "
          "(controlPlane.localAPIEndpoint.advertiseAddress)");
    }
    return OkStatus();
  }
  unsigned char buf[16];
  if (inet_pton(AF_INET, address.c_str(), buf) != 1 && inet_pton(AF_INET6, address.c_str(), buf) != 1) {
    return ValidationError("couldn't use \"" + address +
                           "\" as \"apiserver-advertise-address\", must be ipv4 or ipv6 address");
  }
  return OkStatus();
}

bool FlagAllowedWithConfig(const std::string& name) {
  static constexpr std::string_view kAllowed[] = {
      // kubeadm (cmd/kubeadm/app/cmd/util/cmdutil.go isAllowedFlag)
      "config", "ignore-preflight-errors", "dry-run", "kubeconfig", "node-name", "kubeconfig-dir",
      "upload-certs", "print-manifest", "print-join-command", "rootfs", "v", "log-file", "yes",
      // joinguard-node: where and how to act, not what to join
      "root-dir", "kubelet-restart-command", "force", "discovery-timeout", "discovery-retry-interval",
      "tls-bootstrap-timeout", "https-discovery-ca-file", "etcd-endpoints", "kubeadm-exit-codes"};
  for (auto a : kAllowed) {
    if (name == a) return true;
  }
  return name.rfind("skip-", 0) == 0;
}

StatusOr<std::string> ResolveNodeName(const std::string& override_name) {
  std::string name(text::TrimAscii(override_name));
  if (name.empty()) {
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0) {
      return InternalError("couldn't determine hostname: use --node-name");
    }
    name = std::string(text::TrimAscii(buf));
  }
  if (name.empty()) return ValidationError("empty hostname is invalid");
  return text::AsciiLower(name);
}

StatusOr<JoinSettings> ResolveJoin(const JoinFlags& flags, const std::string& hostname) {
  JoinSettings out;
  // cobra.MaximumNArgs(1) on kubeadm's join command.
  if (flags.args.size() > 1) {
    return ValidationError("accepts at most 1 arg(s), received " + std::to_string(flags.args.size()));
  }
  const bool with_config = flags.changed.count("config") > 0 && !flags.config_path.empty();
  if (with_config) {
    std::vector<std::string> mixed;
    for (const auto& name : flags.changed) {  // std::set: lexicographic, as pflag.Visit
      if (!FlagAllowedWithConfig(name)) mixed.push_back(name);
    }
    if (!mixed.empty()) {
      std::string list;
      for (size_t i = 0; i < mixed.size(); ++i) list += (i ? " " : "") + mixed[i];
      return ValidationError("can not mix '--config' with arguments [" + list + "]");
    }
  }

  JoinConfiguration cfg;
  if (with_config) {
    JG_ASSIGN_OR_RETURN(cfg, LoadJoinConfigurationFile(flags.config_path, &out.warnings));
    if (!flags.args.empty()) {
      out.warnings.push_back("the api-server-endpoint argument is ignored because --config is used");
    }
  } else {
    if (flags.changed.count("discovery-token") > 0 || !flags.args.empty() || !flags.token.empty()) {
      cfg.discovery.bootstrap_token = BootstrapTokenDiscovery{};
    }
    std::string discovery_token = flags.discovery_token;
    std::string tls_token = flags.tls_bootstrap_token;
    if (!flags.token.empty()) {
      if (tls_token.empty()) tls_token = flags.token;
      if (discovery_token.empty()) discovery_token = flags.token;
    }
    cfg.discovery.tls_bootstrap_token = tls_token;
    if (!flags.discovery_file.empty()) cfg.discovery.file = FileDiscovery{flags.discovery_file};
    if (flags.args.empty()) {
      cfg.discovery.bootstrap_token.reset();
    } else {
      auto& b = *cfg.discovery.bootstrap_token;
      b.api_server_endpoint = flags.args[0];
      b.token = discovery_token;
      b.ca_cert_hashes = flags.ca_cert_hashes;
      b.unsafe_skip_ca_verification = flags.unsafe_skip_ca_verification;
    }
    if (flags.control_plane) {
      JoinControlPlane jcp;
      jcp.advertise_address = flags.apiserver_advertise_address;
      jcp.bind_port = flags.apiserver_bind_port;
      jcp.certificate_key = flags.certificate_key;
      cfg.control_plane = std::move(jcp);
    } else {
      // kubeadm drops the controlPlane object and only warns (cmd/join.go newJoinData).
      for (const char* cp_flag : {"certificate-key", "apiserver-advertise-address", "apiserver-bind-port"}) {
        if (flags.changed.count(cp_flag) > 0) {
          out.warnings.push_back(
              "--control-plane is also required when passing control-plane related flags such as "
              "[certificate-key, apiserver-advertise-address, apiserver-bind-port]");
          break;
        }
      }
    }
    cfg.node_registration.cri_socket = flags.cri_socket;
    cfg.skip_phases = flags.skip_phases;
    cfg.patches_directory = flags.patches;
  }
  // The node name: --node-name wins, then the file's, then the host name; always lower-cased.
  std::string requested = !flags.node_name.empty()              ? flags.node_name
                          : !cfg.node_registration.name.empty() ? cfg.node_registration.name
                                                                : hostname;
  JG_ASSIGN_OR_RETURN(cfg.node_registration.name, ResolveNodeName(requested));
  if (flags.dry_run) cfg.dry_run = true;
  // kubeadm's SetNodeRegistrationDynamicDefaults: detect the CRI endpoint, or give a bare path "unix://".
  JG_ASSIGN_OR_RETURN(
      cfg.node_registration.cri_socket,
      cri::ResolveCriSocket(cfg.node_registration.cri_socket,
                            cri::DialProbe(preflight::NewHost(flags.root_dir)), &out.warnings));
  SetDefaults(&cfg);
  if (cfg.control_plane) JG_RETURN_IF_ERROR(SetControlPlaneDynamicDefaults(&cfg));

  JG_ASSIGN_OR_RETURN(auto dt, OptionalDuration(flags.discovery_timeout, "discovery-timeout"));
  if (dt) cfg.timeouts.discovery = *dt;
  JG_ASSIGN_OR_RETURN(auto tt, OptionalDuration(flags.tls_bootstrap_timeout, "tls-bootstrap-timeout"));
  if (tt) cfg.timeouts.tls_bootstrap = *tt;
  JG_ASSIGN_OR_RETURN(auto ri, OptionalDuration(flags.discovery_retry_interval, "discovery-retry-interval"));
  if (ri) out.discovery_retry_interval = *ri;
  // kubeadm clamps the retry interval to the timeout (token.go).
  if (out.discovery_retry_interval > cfg.timeouts.discovery)
    out.discovery_retry_interval = cfg.timeouts.discovery;

  // Preflight errors: union of the file's and the flag's, lower-cased; "all" must stand alone.
  for (const auto& e : cfg.node_registration.ignore_preflight_errors)
    out.ignore_preflight_errors.insert(text::AsciiLower(text::TrimAscii(e)));
  for (const auto& e : flags.ignore_preflight_errors)
    out.ignore_preflight_errors.insert(text::AsciiLower(text::TrimAscii(e)));
  out.ignore_preflight_errors.erase("");
  if (out.ignore_preflight_errors.count("all") > 0 && out.ignore_preflight_errors.size() > 1) {
    std::string joined;
    for (const auto& e : out.ignore_preflight_errors) joined += (joined.empty() ? "" : ",") + e;
    return ValidationError("ignore-preflight-errors: Invalid value: \"" + joined +
                           "\": don't specify individual checks if 'all' is used");
  }
  cfg.node_registration.ignore_preflight_errors.assign(out.ignore_preflight_errors.begin(),
                                                       out.ignore_preflight_errors.end());
  const auto& skip = flags.changed.count("skip-phases") > 0 ? flags.skip_phases : cfg.skip_phases;
  out.skip_phases.insert(skip.begin(), skip.end());

  JG_RETURN_IF_ERROR(Validate(cfg));
  out.cfg = std::move(cfg);
  // A relative --root-dir would put relative paths into kubelet.conf and a dangling
  // kubelet-client-current.pem link: it is made absolute first.
  std::error_code ec;
  out.root_dir = flags.root_dir.empty()
                     ? "/"
                     : std::filesystem::absolute(flags.root_dir, ec).lexically_normal().string();
  if (ec) return ValidationError("invalid --root-dir \"" + flags.root_dir + "\": " + ec.message());
  out.kubelet_restart_command = flags.kubelet_restart_command;
  out.https_discovery_ca_file = flags.https_discovery_ca_file;
  for (const auto& e : flags.etcd_endpoints) {
    if (!e.empty()) out.etcd_endpoints.push_back(e);
  }
  out.force = flags.force;
  return out;
}

}  // namespace joinguard::node::config
