#include "node-helper/phases/preflight.h"

#include <sys/stat.h>
#include <unistd.h>

#include <re2/re2.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/crypto/pin.h"
#include "common/crypto/token.h"
#include "node-helper/phases/control_plane.h"
#include "node-helper/preflight/node_checks.h"
#include "common/text/ascii.h"

namespace joinguard::node::phases {
namespace {

// Finds the nearest existing ancestor of `path` and proves it is a directory we can create
// files in (a probe file is created and removed: access(2) lies for root on read-only mounts).
std::optional<std::string> WriteAccess(const std::string& path) {
  std::string dir = path;
  struct stat st {};
  while (!dir.empty() && lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      return "cannot inspect " + dir + ": " + std::strerror(errno) + "; choose a --root-dir you can write to";
    }
    size_t slash = dir.find_last_of('/');
    dir = slash == 0 ? "/" : (slash == std::string::npos ? "." : dir.substr(0, slash));
    if (dir == "/") break;
  }
  if (dir.empty()) dir = "/";
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return dir + " is not a directory, so " + path + " cannot be created; choose another --root-dir";
  }
  std::string probe = dir + "/.joinguard-write-probe-XXXXXX";
  std::vector<char> buf(probe.begin(), probe.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0) {
    return path + " is not writable (" + dir + ": " + std::strerror(errno) +
           "); run as root or choose a --root-dir you can write to";
  }
  close(fd);
  unlink(buf.data());
  return std::nullopt;
}

std::string CommandProgram(const std::string& command) {
  std::istringstream in(command);
  std::string first;
  in >> first;
  return first;
}

bool Executable(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string d;
  while (std::getline(dirs, d, ':')) {
    if (!d.empty() && access((d + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace

std::shared_ptr<const preflight::Host> PreflightHost(const JoinContext& ctx) {
  return ctx.env().new_host ? ctx.env().new_host(ctx.paths().root) : preflight::NewHost(ctx.paths().root);
}

std::string FileAvailableCheckName(const std::string& path) {
  return preflight::PathCheckName("FileAvailable", path);
}

std::string ValidateDns1123Subdomain(const std::string& value) {
  // apimachinery validation.IsDNS1123Subdomain (dns1123SubdomainFmt, DNS1123SubdomainMaxLength).
  static const RE2* kRe = new RE2(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
  constexpr size_t kMaxLength = 253;
  std::vector<std::string> errs;
  if (value.size() > kMaxLength) errs.push_back("must be no more than 253 characters");
  if (!RE2::FullMatch(value, *kRe)) {
    errs.push_back(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
        "must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  std::string out;
  for (size_t i = 0; i < errs.size(); ++i) out += (i ? ", " : "") + errs[i];
  return out;
}

namespace {

// joinguard-node's own checks of its input (kubeadm checks these later or not at all), after
// kubeadm's node checks.
std::vector<PreflightCheck> JoinguardChecks(JoinContext& ctx) {
  const auto& cfg = ctx.cfg();
  const auto& paths = ctx.paths();
  std::vector<PreflightCheck> checks;
  const std::string node = cfg.node_registration.name;
  checks.push_back({"NodeName", [node]() -> std::optional<std::string> {
                      std::string err = ValidateDns1123Subdomain(node);
                      if (err.empty()) return std::nullopt;
                      return "node name \"" + node + "\" is invalid: " + err +
                             "; choose another with --node-name";
                    }});
  if (cfg.discovery.bootstrap_token) {
    const auto b = *cfg.discovery.bootstrap_token;
    checks.push_back({"APIServerEndpoint", [b]() -> std::optional<std::string> {
                        Status s = config::SplitHostPort(b.api_server_endpoint, nullptr, nullptr);
                        if (s.ok()) return std::nullopt;
                        return s.message() + "; pass the API server as <host>:<port>";
                      }});
    checks.push_back(
        {"DiscoveryTokenCACertHash", [b]() -> std::optional<std::string> {
           crypto::PinSet pins;
           Status s = pins.Allow(b.ca_cert_hashes);
           if (s.ok()) return std::nullopt;
           return "invalid discovery token CA certificate hash: " + s.message() +
                  "; use the sha256:<hex> value printed by kubeadm token create --print-join-command";
         }});
  }
  const auto tokens = std::vector<std::pair<std::string, std::string>>{
      {"discovery token",
       cfg.discovery.bootstrap_token ? cfg.discovery.bootstrap_token->token : std::string()},
      {"TLS bootstrap token", cfg.discovery.tls_bootstrap_token}};
  checks.push_back({"BootstrapToken", [tokens]() -> std::optional<std::string> {
                      for (const auto& [what, t] : tokens) {
                        if (!t.empty() && !crypto::IsValidBootstrapToken(t)) {
                          return "the " + what + " " + crypto::RedactToken(t) +
                                 " is not of the form [a-z0-9]{6}.[a-z0-9]{16}";
                        }
                      }
                      return std::nullopt;
                    }});
  for (const std::string& absolute : {std::string("/etc/kubernetes"), std::string("/var/lib/kubelet")}) {
    std::string full = paths.Prefixed(absolute);
    checks.push_back(
        {preflight::PathCheckName("WriteAccess", absolute), [full]() { return WriteAccess(full); }});
  }
  if (!ctx.dry_run()) {
    const std::string command = ctx.settings().kubelet_restart_command;
    checks.push_back({"KubeletRestartCommand", [command]() -> std::optional<std::string> {
                        std::string program = CommandProgram(command);
                        if (program.empty()) return std::nullopt;  // restart disabled
                        if (Executable(program)) return std::nullopt;
                        return "\"" + program +
                               "\" (from --kubelet-restart-command) is not an executable in PATH";
                      }});
  }
  return checks;
}

}  // namespace

Status RunPreflightChecks(const std::vector<PreflightCheck>& checks, const std::set<std::string>& ignored,
                          Printer& out) {
  return preflight::RunChecks(checks, ignored, [&out](const std::string& line) { out.Raw(line); });
}

Status RunPreflightPhase(JoinContext& ctx) {
  Printer& out = ctx.out();
  out.Line("preflight", "Running pre-flight checks");
  std::set<std::string> ignored = ctx.settings().ignore_preflight_errors;
  if (ctx.settings().force) {
    // --force re-joins over an earlier join: the files it replaces are expected to exist.
    for (const std::string& absolute :
         {std::string("/etc/kubernetes/kubelet.conf"), std::string("/etc/kubernetes/bootstrap-kubelet.conf"),
          ctx.cfg().ca_cert_path}) {
      ignored.insert(text::AsciiLower(FileAvailableCheckName(absolute)));
    }
  }
  std::shared_ptr<const preflight::Host> host = PreflightHost(ctx);
  // kubeadm checks the user first, on its own (RunRootCheckOnly); --root-dir runs unprivileged.
  if (host->IsRealRoot())
    JG_RETURN_IF_ERROR(RunPreflightChecks({preflight::IsPrivilegedUser(host)}, ignored, out));

  preflight::NodeCheckOptions options;
  options.cri_socket = ctx.cfg().node_registration.cri_socket;
  options.ca_cert_path = ctx.cfg().ca_cert_path;
  options.control_plane = ctx.control_plane();
  if (ctx.cfg().discovery.bootstrap_token) {
    options.api_server_endpoint = ctx.cfg().discovery.bootstrap_token->api_server_endpoint;
  }
  preflight::NodeChecks node = preflight::JoinNodeChecks(host, options);
  for (const auto& w : node.warnings) out.Warning("preflight", w);
  if (!node.not_run.empty()) {
    std::string names;
    for (const auto& n : node.not_run) names += (names.empty() ? "" : ", ") + n;
    out.Line("preflight", "Not checked, because --root-dir " + ctx.paths().root +
                              " has no proc/, usr/bin/ or run/ to read them from: " + names);
  }
  std::vector<PreflightCheck> checks = std::move(node.checks);
  for (auto& c : JoinguardChecks(ctx)) checks.push_back(std::move(c));
  JG_RETURN_IF_ERROR(RunPreflightChecks(checks, ignored, out));

  // The other half of KubeletVersion needs the control plane's version, i.e. discovery and
  // kubeadm-config (kubeadm reads both in this phase too, right after the node checks).
  if (node.kubelet_version->has_value()) {
    JG_ASSIGN_OR_RETURN(const controlplane::ClusterConfiguration* cluster, ctx.ClusterConfig());
    JG_RETURN_IF_ERROR(RunPreflightChecks(
        {preflight::KubeletSkew(**node.kubelet_version, cluster->kubernetes_version)}, ignored, out));
  }
  return RunControlPlanePreflight(ctx);
}

}  // namespace joinguard::node::phases
