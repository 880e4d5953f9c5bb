#include "node-helper/preflight/node_checks.h"

#include <arpa/inet.h>

namespace joinguard::node::preflight {
namespace {

constexpr char kKubeletConf[] = "/etc/kubernetes/kubelet.conf";
constexpr char kBootstrapKubeletConf[] = "/etc/kubernetes/bootstrap-kubelet.conf";

// checks_linux.go addExecChecks (conntrack only below Kubernetes 1.32, which a join never asks).
struct Program {
  const char* name;
  bool mandatory;
};
constexpr Program kPrograms[] = {{"ip", true},      {"iptables", true},  {"mount", true},
                                 {"nsenter", true}, {"ebtables", false}, {"ethtool", false},
                                 {"socat", false},  {"tc", false},       {"touch", false}};

// How grpc-go reports a socket nobody answers on (what kubeadm prints after it).
std::string GrpcUnavailable(const Status& dial) {
  return "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: " +
         dial.message() + "\"";
}

// The host part of host:port (brackets removed), or "" when it has no port.
std::string EndpointHost(const std::string& endpoint) {
  if (!endpoint.empty() && endpoint[0] == '[') {
    size_t close = endpoint.find("]:");
    return close == std::string::npos ? "" : endpoint.substr(1, close - 1);
  }
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || endpoint.find(':') != colon) return "";
  return endpoint.substr(0, colon);
}

}  // namespace

NodeChecks JoinNodeChecks(std::shared_ptr<const Host> host, const NodeCheckOptions& options) {
  NodeChecks out;
  const bool real = host->IsRealRoot();
  const bool has_proc = real || host->Exists("/proc");
  const bool has_programs = real || host->Exists("/usr/bin") || host->Exists("/bin");
  const bool has_runtime_dir = real || host->Exists("/run") || host->Exists("/var/run");

  out.checks.push_back(FileAvailable(host, kKubeletConf));
  out.checks.push_back(FileAvailable(host, kBootstrapKubeletConf));

  // addCommonChecks: kubeadm connects to the runtime while building the list; when that fails it
  // only warns and leaves the CRI check out.
  const std::string socket = cri::SocketPath(options.cri_socket);
  if (!has_runtime_dir) {
    out.not_run.push_back("CRI");
  } else if (Status dial = host->DialUnix(socket); !dial.ok()) {
    out.warnings.push_back(
        "Couldn't create the interface used for talking to the container runtime: failed to create new CRI "
        "runtime service: validate service connection: validate CRI v1 runtime API for endpoint \"" +
        options.cri_socket + "\": " + GrpcUnavailable(dial));
  } else {
    out.checks.push_back({"CRI", [host, socket]() -> std::optional<std::string> {
                            Status again = host->DialUnix(socket);
                            if (again.ok()) return std::nullopt;
                            return "container runtime is not running: " + GrpcUnavailable(again);
                          }});
  }

  if (has_proc) {
    out.checks.push_back(Swap(host));
  } else {
    out.not_run.push_back("Swap");
  }
  for (const Program& p : kPrograms) {
    if (has_programs) {
      out.checks.push_back(InPath(host, p.name, p.mandatory));
    } else {
      out.not_run.push_back(PathCheckName("FileExisting", p.name));
    }
  }
  if (has_programs) {
    auto version = out.kubelet_version;
    out.checks.push_back({"KubeletVersion", [host, version]() -> std::optional<std::string> {
                            auto v = GetKubeletVersion(*host);
                            if (!v.ok()) return "couldn't get kubelet version: " + v.status().message();
                            *version = *v;
                            return std::nullopt;
                          }});
  } else {
    out.not_run.push_back("KubeletVersion");
  }
  out.checks.push_back(PortOpen(host, kKubeletPort));
  if (!options.control_plane) out.checks.push_back(FileAvailable(host, options.ca_cert_path));

  const std::string endpoint_host = EndpointHost(options.api_server_endpoint);
  if (!endpoint_host.empty()) {
    out.checks.push_back(HttpProxy(host, endpoint_host));
    unsigned char buf[16];
    std::optional<std::string> forwarding;
    if (inet_pton(AF_INET, endpoint_host.c_str(), buf) == 1) forwarding = kIpv4Forward;
    if (inet_pton(AF_INET6, endpoint_host.c_str(), buf) == 1) forwarding = kIpv6DefaultForwarding;
    if (forwarding && has_proc) out.checks.push_back(FileContent(host, *forwarding, "1"));
    if (forwarding && !has_proc) out.not_run.push_back(PathCheckName("FileContent", *forwarding));
  }
  return out;
}

Check KubeletSkew(Version kubelet, std::string control_plane_version) {
  return {"KubeletVersion", [kubelet, control_plane_version]() -> std::optional<std::string> {
            auto cp = ParseSemanticVersion(control_plane_version);
            if (!cp.ok()) {
              return "couldn't parse Kubernetes version \"" + control_plane_version +
                     "\": " + cp.status().message();
            }
            return KubeletSkewProblem(kubelet, *cp);
          }};
}

}  // namespace joinguard::node::preflight
