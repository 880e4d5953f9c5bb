#include "node-helper/discovery/file/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/crypto/encoding.h"

extern char** environ;

namespace joinguard::node::discovery::file {
namespace {

using Json = nlohmann::json;

// An ExecCredential is a token or a certificate and key: far below this.
constexpr size_t kMaxPluginOutputBytes = 1 << 20;
constexpr std::string_view kExecInfoEnv = "KUBERNETES_EXEC_INFO";
// Removed from client-go in 1.24, still defaulted when a kubeconfig is loaded.
constexpr std::string_view kExecApiV1alpha1 = "client.authentication.k8s.io/v1alpha1";

Status CredentialsError(const std::string& why) {
  return UnauthenticatedError("getting credentials: " + why);
}

// KUBERNETES_EXEC_INFO: the ExecCredential spec the plugin reads (exec.go refreshCredsLocked).
std::string ExecInfo(const kube::KubeconfigUser::Exec& exec, const kube::KubeconfigCluster& cluster,
                     bool interactive) {
  Json spec = {{"interactive", interactive}};
  if (exec.provide_cluster_info) {
    Json c = {{"server", cluster.server}};
    if (!cluster.tls_server_name.empty()) c["tls-server-name"] = cluster.tls_server_name;
    if (cluster.insecure_skip_tls_verify) c["insecure-skip-tls-verify"] = true;
    if (!cluster.certificate_authority_data.empty()) {
      c["certificate-authority-data"] = crypto::Base64Encode(cluster.certificate_authority_data);
    }
    if (!cluster.proxy_url.empty()) c["proxy-url"] = cluster.proxy_url;
    spec["cluster"] = std::move(c);
  }
  return Json{{"kind", "ExecCredential"}, {"apiVersion", exec.api_version}, {"spec", std::move(spec)}}.dump();
}

StatusOr<ExecCredential> Decode(const std::string& out, const std::string& api_version) {
  Json j = Json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return CredentialsError("decoding stdout: couldn't get version/kind; json parse error");
  }
  const std::string got =
      j.contains("apiVersion") && j["apiVersion"].is_string() ? j["apiVersion"].get<std::string>() : "";
  if (got != api_version) {
    return CredentialsError("exec plugin is configured to use API version " + api_version +
                            ", plugin returned version " + got);
  }
  if (!j.contains("status") || !j["status"].is_object()) {
    return CredentialsError("exec plugin didn't return a status field");
  }
  const Json& st = j["status"];
  auto str = [&](const char* key) {
    return st.contains(key) && st[key].is_string() ? st[key].get<std::string>() : std::string();
  };
  ExecCredential cred;
  cred.token = str("token");
  cred.client_certificate_pem = str("clientCertificateData");
  cred.client_key_pem = str("clientKeyData");
  if (cred.token.empty() && cred.client_certificate_pem.empty() && cred.client_key_pem.empty()) {
    return CredentialsError("exec plugin didn't return a token or cert/key pair");
  }
  if (cred.client_certificate_pem.empty() != cred.client_key_pem.empty()) {
    return CredentialsError("exec plugin returned only certificate or key, not both");
  }
  return cred;
}

}  // namespace

std::vector<std::string> ValidateExecConfigs(const kube::Kubeconfig& config) {
  std::vector<std::string> errs;
  for (const auto& u : config.users) {
    if (!u.value.exec) continue;
    const auto& e = *u.value.exec;
    const std::string& name = u.name;
    if (u.value.auth_provider_name) {
      errs.push_back("authProvider cannot be provided in combination with an exec plugin for " + name);
    }
    if (e.command.empty()) {
      errs.push_back("command must be specified for " + name + " to use exec authentication plugin");
    }
    if (e.api_version.empty()) {
      errs.push_back("apiVersion must be specified for " + name + " to use exec authentication plugin");
    }
    for (const auto& [k, v] : e.env) {
      if (k.empty()) {
        errs.push_back("env variable name must be specified for " + name +
                       " to use exec authentication plugin");
      }
    }
    // Loading defaults interactiveMode to IfAvailable for v1beta1 and v1alpha1
    // (tools/clientcmd/api/v1/defaults.go SetDefaults_ExecConfig); other versions must set it.
    const bool defaulted = e.api_version == kExecApiV1beta1 || e.api_version == kExecApiV1alpha1;
    const std::string mode = e.interactive_mode.empty() && defaulted ? "IfAvailable" : e.interactive_mode;
    if (mode.empty()) {
      errs.push_back("interactiveMode must be specified for " + name + " to use exec authentication plugin");
    } else if (mode != "Never" && mode != "IfAvailable" && mode != "Always") {
      errs.push_back("invalid interactiveMode for " + name + ": \"" + mode + "\"");
    }
  }
  return errs;
}

StatusOr<ExecCredential> RunExecPlugin(const kube::KubeconfigUser::Exec& exec,
                                       const kube::KubeconfigCluster& cluster,
                                       std::chrono::milliseconds timeout) {
  if (exec.api_version != kExecApiV1 && exec.api_version != kExecApiV1beta1) {
    return InvalidArgumentError("exec plugin: invalid apiVersion \"" + exec.api_version + "\"");
  }
  const bool terminal = isatty(STDIN_FILENO) == 1;
  const std::string mode = exec.interactive_mode.empty() ? "IfAvailable" : exec.interactive_mode;
  if (mode == "Always" && !terminal) {
    return CredentialsError("exec plugin cannot support interactive mode: standard input is not a terminal");
  }
  const bool interactive = terminal && mode != "Never";

  std::vector<std::string> env_storage;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).rfind(std::string(kExecInfoEnv) + "=", 0) != 0) env_storage.emplace_back(*e);
  }
  for (const auto& [k, v] : exec.env) env_storage.push_back(k + "=" + v);
  env_storage.push_back(std::string(kExecInfoEnv) + "=" + ExecInfo(exec, cluster, interactive));
  std::vector<std::string> argv_storage = {exec.command};
  argv_storage.insert(argv_storage.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv, envp;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return InternalError(std::string("exec plugin: pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  if (!interactive) posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, exec.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    if (rc == ENOENT || rc == EACCES) {
      std::string msg = "exec: executable " + exec.command + " not found";
      if (!exec.install_hint.empty()) {
        msg +=
            "\n\nIt looks like you are trying to use a client-go credential plugin that is not "
            "installed.\n\n" +
            exec.install_hint;
      }
      return CredentialsError(msg);
    }
    return CredentialsError("exec: " + std::string(std::strerror(rc)));
  }
  std::string output;
  bool too_big = false, timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() + static_cast<size_t>(n) > kMaxPluginOutputBytes) {
      too_big = true;
      break;
    }
    output.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timed_out || too_big) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return CredentialsError("exec: executable " + exec.command + " did not finish within " +
                            std::to_string(timeout.count()) + "ms");
  }
  if (too_big) return CredentialsError("exec: executable " + exec.command + " wrote more than 1 MiB");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return CredentialsError("exec: executable " + exec.command + " failed with exit code " +
                            std::to_string(code));
  }
  return Decode(output, exec.api_version);
}

}  // namespace joinguard::node::discovery::file
