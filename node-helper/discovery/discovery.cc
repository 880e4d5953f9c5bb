#include "node-helper/discovery/discovery.h"

#include <thread>

#include "common/crypto/cert.h"
#include "common/crypto/token.h"
#include "node-helper/discovery/file/file.h"
#include "node-helper/discovery/https/https.h"
#include "node-helper/discovery/token/token.h"

namespace joinguard::node::discovery {
namespace {

constexpr std::string_view kIdentityPrefix = "couldn't validate the identity of the API Server: ";

Status Wrap(const Status& s) {
  Status out(s.code(), std::string(kIdentityPrefix) + s.message());
  if (!s.reason().empty()) out.WithReason(s.reason(), s.http_status());
  return out;
}

bool IsHttpsUrl(const std::string& s) { return s.rfind("https://", 0) == 0; }

}  // namespace

Status PollImmediate(const Deps& deps, Duration interval, Duration timeout,
                     const std::function<bool(Status* last_error)>& attempt) {
  const auto deadline = deps.clock->MonotonicNow() + timeout;
  Status last = DeadlineExceededError("timed out after " + std::to_string(timeout.count()) + "ms");
  while (true) {
    if (attempt(&last)) return OkStatus();
    auto now = deps.clock->MonotonicNow();
    if (now >= deadline) break;
    auto remaining = std::chrono::duration_cast<Duration>(deadline - now);
    deps.wait(std::min(interval, remaining));
    if (deps.clock->MonotonicNow() >= deadline) break;
  }
  return last;
}

StatusOr<kube::KubeconfigCluster> SelectCluster(const kube::Kubeconfig& config, std::string* name) {
  for (const auto& c : config.clusters) {
    if (c.name.empty()) {
      *name = "";
      return c.value;
    }
  }
  const kube::KubeconfigContext* ctx = config.FindContext(config.current_context);
  if (ctx == nullptr) {
    return InvalidArgumentError("no cluster named \"\" and no usable current context \"" +
                                config.current_context + "\"");
  }
  for (const auto& c : config.clusters) {
    if (c.name == ctx->cluster) {
      *name = c.name;
      return c.value;
    }
  }
  return InvalidArgumentError("the current context refers to cluster \"" + ctx->cluster +
                              "\", which is not defined");
}

Status CheckCaData(const std::string& ca_pem) {
  if (ca_pem.empty())
    return InvalidArgumentError(
        "could not get CA certificate from discovery kubeconfig: no CA certificate found in "
        "CertificateAuthorityData");
  auto certs = crypto::ParseCertificatesPem(ca_pem);
  if (!certs.ok()) {
    return InvalidArgumentError("could not get CA certificate from discovery kubeconfig: " +
                                certs.status().message());
  }
  return OkStatus();
}

StatusOr<Result> Discover(const config::JoinConfiguration& cfg, const Deps& deps_in, const Options& options) {
  Deps deps = deps_in;
  if (!deps.wait) deps.wait = [](Duration d) { std::this_thread::sleep_for(d); };
  Result result;
  const auto& d = cfg.discovery;
  std::optional<kube::Kubeconfig> file_config;
  if (d.bootstrap_token) {
    result.method = "token";
    auto info = token::RetrieveValidatedConfigInfo(*d.bootstrap_token, deps, options);
    if (!info.ok()) return Wrap(info.status());
    result.server = info->server;
    result.ca_pem = info->ca_pem;
  } else if (d.file) {
    StatusOr<kube::Kubeconfig> kc =
        IsHttpsUrl(d.file->kubeconfig_path)
            ? https::RetrieveValidatedConfigInfo(d.file->kubeconfig_path, deps, options)
            : file::RetrieveValidatedConfigInfo(d.file->kubeconfig_path, deps, options);
    if (!kc.ok()) return Wrap(kc.status());
    result.method = IsHttpsUrl(d.file->kubeconfig_path) ? "https" : "file";
    std::string name;
    auto cluster = SelectCluster(*kc, &name);
    if (!cluster.ok()) return Wrap(cluster.status());
    result.server = cluster->server;
    result.ca_pem = cluster->certificate_authority_data;
    file_config = *std::move(kc);
  } else {
    return InvalidArgumentError("bootstrapToken or file must be set");
  }

  if (!d.tls_bootstrap_token.empty()) {
    // A fresh token kubeconfig replaces any credentials the discovery file had.
    result.bootstrap = kube::BootstrapKubeconfig(result.server, result.ca_pem, d.tls_bootstrap_token);
  } else if (file_config && file::HasCredentials(*file_config)) {
    result.bootstrap = *std::move(file_config);
  } else {
    return InvalidArgumentError(
        "could not find authentication credentials for the TLS bootstrap process. Please use Token "
        "discovery, a "
        "discovery file with embedded authentication credentials or a discovery file without authentication "
        "credentials but with the TLSBootstrapToken flag");
  }
  JG_RETURN_IF_ERROR(CheckCaData(result.ca_pem));
  return result;
}

}  // namespace joinguard::node::discovery
