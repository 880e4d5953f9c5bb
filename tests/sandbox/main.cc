// joinguard-sandbox: the sandbox Kubernetes API server as a standalone process (for the demo,
// process-level tests and kubectl). Prints "joinguard-sandbox serving on https://..." and runs
// until SIGTERM/SIGINT, then exits 0 after flushing its state.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/crypto/encoding.h"
#include "common/crypto/token.h"
#include "common/files/atomic_file.h"
#include "common/runtime/logger.h"
#include "tests/sandbox/sandbox.h"

namespace {

// 256 bits of randomness for the /sandbox-admin/ token.
constexpr size_t kAdminTokenBytes = 32;

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

int main(int argc, char** argv) {
  using joinguard::sandbox::FaultRule;
  using joinguard::sandbox::SandboxOptions;
  SandboxOptions options;
  std::string ready_file, log_level = "info", admin_token_file;
  std::vector<std::string> tokens, faults, fault_jsons, sa_tokens;
  int latency_ms = 0, close_watches_after = 0, port = 0;
  int64_t watch_window_s = options.watch_window.count();
  int64_t bookmark_ms = options.bookmark_interval.count();
  bool no_autoapprove = false, no_controllers = false, no_seed = false;

  CLI::App app{
      "joinguard-sandbox: a Kubernetes API server faithful enough for joinguard's tests "
      "and the real kubectl (HTTPS, x509/bootstrap-token auth, RBAC, CSRs, watch, and the "
      "signer/bootstrap-signer/token-cleaner/csrapproving controllers)"};
  app.add_option("--address", options.bind_address, "Address to bind")->capture_default_str();
  app.add_option("--port", port, "Port to bind (0 = OS-assigned)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--state-dir", options.state_dir,
                 "Directory for the CA and persisted objects (kept across restarts)");
  app.add_option("--ca-cert", options.ca_cert_file, "Cluster CA certificate PEM to use");
  app.add_option("--ca-key", options.ca_key_file, "Cluster CA private key PEM to use");
  app.add_option("--admin-kubeconfig", options.admin_kubeconfig_path,
                 "Write the admin kubeconfig (system:masters client cert) here, mode 0600");
  app.add_option("--ready-file", ready_file,
                 "Write {url, port, ca_file, admin_kubeconfig} JSON here once serving");
  app.add_option("--version-minor", options.version_minor,
                 "Minor version reported by /version (the kubectl dispatcher runs 1.<minor>)")
      ->capture_default_str();
  app.add_flag("--no-autoapprove-binding", no_autoapprove,
               "Do not create the kubeadm:node-autoapprove-bootstrap ClusterRoleBinding");
  app.add_flag("--no-controllers", no_controllers,
               "Do not run the signer, bootstrap signer, token cleaner and csrapproving");
  app.add_flag("--no-seed", no_seed,
               "Do not seed kubeadm's RBAC, cluster-info, kubeadm-config and kubelet-config");
  app.add_option("--bootstrap-token", tokens,
                 "Create bootstrap token Secret ID.SECRET at start (repeatable)");
  app.add_option("--fault", faults,
                 "Fail requests: PATH_PREFIX:STATUS:FRACTION, e.g. /apis/certificates.k8s.io:503:0.5 "
                 "(repeatable)");
  app.add_option("--fault-json", fault_jsons,
                 "Add a fault rule given as JSON (the /sandbox-admin/faults body), e.g. "
                 "'{\"pathSuffix\":\"/approval\",\"method\":\"PUT\",\"status\":409,\"count\":3}' "
                 "(repeatable)");
  app.add_option("--admin-token-file", admin_token_file,
                 "Enable the /sandbox-admin/ fault-injection endpoint: a random token is written "
                 "here (0600) and must be sent as X-Sandbox-Admin-Token");
  app.add_option("--service-account-token", sa_tokens,
                 "Accept bearer token TOKEN as system:serviceaccount:NS:NAME, given as NS:NAME:TOKEN "
                 "(repeatable)");
  app.add_option("--latency-ms", latency_ms, "Add this latency to every request")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--close-watches-after", close_watches_after, "Close every watch after N events (0 = off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--watch-window-seconds", watch_window_s,
                 "How long watch events are retained for replay (older resourceVersions get 410)")
      ->capture_default_str();
  app.add_option("--bookmark-interval-ms", bookmark_ms, "Interval between watch bookmarks")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warning or error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  joinguard::runtime::LogLevel level;
  if (!joinguard::runtime::Logger::ParseLevel(log_level, &level)) {
    std::cerr << "joinguard-sandbox: invalid --log-level \"" << log_level
              << "\"; use debug, info, warning or error\n";
    return 2;
  }
  joinguard::runtime::Logger logger(level);
  options.port = static_cast<uint16_t>(port);
  options.autoapprove_binding = !no_autoapprove;
  options.run_controllers = !no_controllers;
  options.seed_kubeadm = !no_seed;
  options.watch_window = std::chrono::seconds(watch_window_s);
  options.bookmark_interval = std::chrono::milliseconds(std::max<int64_t>(1, bookmark_ms));
  options.logger = &logger;
  if (!ready_file.empty() && options.admin_kubeconfig_path.empty()) {
    options.admin_kubeconfig_path = DirName(ready_file) + "/sandbox-admin.conf";
  }

  std::vector<FaultRule> fault_rules;
  for (const auto& f : faults) {
    auto last = f.rfind(':');
    auto mid = last == std::string::npos ? std::string::npos : f.rfind(':', last - 1);
    FaultRule rule;
    try {
      if (mid == std::string::npos) throw std::invalid_argument("format");
      rule.path_prefix = f.substr(0, mid);
      rule.status = std::stoi(f.substr(mid + 1, last - mid - 1));
      rule.fraction = std::stod(f.substr(last + 1));
    } catch (const std::exception&) {
      std::cerr << "joinguard-sandbox: invalid --fault \"" << f
                << "\"; use PATH_PREFIX:STATUS:FRACTION, e.g. /api/v1:500:0.5\n";
      return 2;
    }
    rule.latency = std::chrono::milliseconds(latency_ms);
    fault_rules.push_back(rule);
  }
  for (const auto& f : fault_jsons) {
    nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    auto rule = joinguard::sandbox::FaultRuleFromJson(j);
    if (j.is_discarded() || !rule.ok()) {
      std::cerr << "joinguard-sandbox: invalid --fault-json: "
                << (j.is_discarded() ? std::string("not JSON") : rule.status().message()) << "\n";
      return 2;
    }
    fault_rules.push_back(*rule);
  }
  struct SaToken {
    std::string ns, name, token;
  };
  std::vector<SaToken> parsed_sa_tokens;
  for (const auto& t : sa_tokens) {
    auto first = t.find(':');
    auto second = first == std::string::npos ? std::string::npos : t.find(':', first + 1);
    if (second == std::string::npos || first == 0 || second == first + 1 || second + 1 == t.size()) {
      std::cerr << "joinguard-sandbox: invalid --service-account-token; use NS:NAME:TOKEN\n";
      return 2;
    }
    parsed_sa_tokens.push_back(
        {t.substr(0, first), t.substr(first + 1, second - first - 1), t.substr(second + 1)});
  }
  if (!admin_token_file.empty()) {
    auto random = joinguard::crypto::RandomBytes(kAdminTokenBytes);
    if (!random.ok()) {
      std::cerr << "joinguard-sandbox: " << random.status().message() << "\n";
      return 1;
    }
    options.admin_token = joinguard::crypto::HexEncode(*random);
    auto s = joinguard::files::WriteFileAtomic(admin_token_file, options.admin_token + "\n", 0600);
    if (!s.ok()) {
      std::cerr << "joinguard-sandbox: writing --admin-token-file: " << s.message() << "\n";
      return 1;
    }
  }
  std::vector<joinguard::crypto::BootstrapToken> parsed_tokens;
  for (const auto& t : tokens) {
    auto parsed = joinguard::crypto::ParseBootstrapToken(t);
    if (!parsed.ok()) {
      std::cerr << "joinguard-sandbox: invalid --bootstrap-token " << joinguard::crypto::RedactToken(t)
                << "; use ID.SECRET matching [a-z0-9]{6}.[a-z0-9]{16}\n";
      return 2;
    }
    parsed_tokens.push_back(*parsed);
  }

  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto sandbox = joinguard::sandbox::Sandbox::Start(options);
  if (!sandbox.ok()) {
    std::cerr << "joinguard-sandbox: " << sandbox.status().message() << "\n";
    return 1;
  }
  for (const auto& t : parsed_tokens) {
    joinguard::sandbox::TokenSpec spec;
    spec.id = t.id;
    spec.secret = t.secret;
    auto s = (*sandbox)->CreateBootstrapToken(spec);
    if (!s.ok() && s.code() != joinguard::StatusCode::kAlreadyExists) {
      std::cerr << "joinguard-sandbox: creating bootstrap token " << t.id << ": " << s.message() << "\n";
      return 1;
    }
  }
  for (const auto& t : parsed_sa_tokens) {
    auto s = (*sandbox)->AddServiceAccountToken(t.ns, t.name, t.token);
    if (!s.ok()) {
      std::cerr << "joinguard-sandbox: " << s.message() << "\n";
      return 1;
    }
  }
  for (const auto& r : fault_rules) (*sandbox)->AddFault(r);
  if (latency_ms > 0) {  // after the other rules: they match first and carry their own latency
    FaultRule rule;
    rule.path_prefix = "/";
    rule.status = 0;  // latency only
    rule.latency = std::chrono::milliseconds(latency_ms);
    (*sandbox)->AddFault(rule);
  }
  if (close_watches_after > 0) (*sandbox)->CloseWatchesAfterEvents(close_watches_after);

  if (!ready_file.empty()) {
    std::string ca_file = options.ca_cert_file;
    if (ca_file.empty() && !options.state_dir.empty()) ca_file = options.state_dir + "/ca.crt";
    if (ca_file.empty()) {
      ca_file = DirName(ready_file) + "/sandbox-ca.crt";
      auto s = joinguard::files::WriteFileAtomic(ca_file, (*sandbox)->ca_pem(), 0644);
      if (!s.ok()) {
        std::cerr << "joinguard-sandbox: " << s.message() << "\n";
        return 1;
      }
    }
    nlohmann::json ready = {{"url", (*sandbox)->url()},
                            {"port", (*sandbox)->port()},
                            {"ca_file", ca_file},
                            {"admin_kubeconfig", options.admin_kubeconfig_path},
                            {"admin_token_file", admin_token_file}};
    auto s = joinguard::files::WriteFileAtomic(ready_file, ready.dump() + "\n", 0644);
    if (!s.ok()) {
      std::cerr << "joinguard-sandbox: writing --ready-file: " << s.message() << "\n";
      return 1;
    }
  }
  std::cout << "joinguard-sandbox serving on " << (*sandbox)->url() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  logger.Info("joinguard-sandbox stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  sandbox->reset();
  return 0;
}
