// kubeadm's preflight checks (kubernetes/kubernetes cmd/kubeadm/app/preflight/checks.go,
// checks_linux.go, checks_unix.go, utils.go), each reading the machine through a Host, and
// kubeadm's RunChecks: names for --ignore-preflight-errors (case-insensitive, or `all`), the
// warning/error split and the report format.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "node-helper/preflight/host.h"

namespace joinguard::node::preflight {

enum class Severity { kError, kWarning };

struct Check {
  std::string name;
  // nullopt = passed; otherwise the problem, reported at `severity`.
  std::function<std::optional<std::string>()> run;
  Severity severity = Severity::kError;
};

struct Problem {
  std::string check;
  Severity severity;  // as reported: an ignored error is a warning
  std::string message;
};

// Runs `checks` in order. Warnings and ignored errors are passed to `warn` as kubeadm prints
// them ("\t[WARNING <name>]: <message>"); the errors make the result kFailedPrecondition with
// reason "PreflightError" and kubeadm's text ("[preflight] Some fatal errors occurred:\n\t[ERROR
// <name>]: <message>\n...[preflight] If you know what you are doing, ...").
Status RunChecks(const std::vector<Check>& checks, const std::set<std::string>& ignored,
                 const std::function<void(const std::string&)>& warn,
                 std::vector<Problem>* problems = nullptr);

// kubeadm's check names for paths: "FileAvailable-" + path with '/' → '-' (and DirAvailable-,
// FileContent-).
std::string PathCheckName(const std::string& kind, const std::string& absolute);

// The individual checks. `host` must outlive the returned check.
Check IsPrivilegedUser(std::shared_ptr<const Host> host);
Check FileAvailable(std::shared_ptr<const Host> host, const std::string& absolute);
Check DirAvailable(std::shared_ptr<const Host> host, const std::string& absolute);
Check FileContent(std::shared_ptr<const Host> host, const std::string& absolute, const std::string& content);
Check PortOpen(std::shared_ptr<const Host> host, int port);
Check InPath(std::shared_ptr<const Host> host, const std::string& program, bool mandatory);
Check Swap(std::shared_ptr<const Host> host);
// HTTPProxy: a warning when https://<host> would go through a proxy (Go's
// http.ProxyFromEnvironment rules: HTTPS_PROXY/https_proxy, NO_PROXY/no_proxy, never for
// localhost or loopback). The proxy's password is shown as "xxxxx".
Check HttpProxy(std::shared_ptr<const Host> host, const std::string& target_host);

// kubeadm's constants.KubeletPort.
inline constexpr int kKubeletPort = 10250;
inline constexpr char kIpv4Forward[] = "/proc/sys/net/ipv4/ip_forward";
inline constexpr char kIpv6DefaultForwarding[] = "/proc/sys/net/ipv6/conf/default/forwarding";
inline constexpr char kProcSwaps[] = "/proc/swaps";

}  // namespace joinguard::node::preflight
