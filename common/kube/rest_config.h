// How to reach and authenticate to an API server (client-go rest.Config, trimmed).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/kube/http_transport.h"
#include "common/kube/kubeconfig.h"
#include "common/status/status.h"

namespace joinguard::kube {

struct RestConfig {
  std::string server;  // "https://10.0.0.1:6443", "https://[fd00::1]:6443"
  std::string ca_pem;  // the ONLY trusted CA bundle (client-go ignores the system store)
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;
  // When set, the token is read from this file and re-read whenever the file changes
  // (projected service-account tokens rotate); it takes precedence over bearer_token.
  std::string bearer_token_file;
  // HTTP basic authentication (client-go rest.Config Username/Password): sent only when there is
  // no bearer token, as client-go's transport does.
  std::string username;
  std::string password;
  // TLS verification is on unless this is explicitly true.
  bool insecure_skip_tls_verify = false;
  std::string user_agent = "joinguard/" JOINGUARD_VERSION;
  // Client-side token bucket; qps <= 0 = none (controller-runtime's default: the API server's
  // Priority and Fairness does the limiting). client-go's rest.Config defaults are 5 / 10.
  double qps = 0;
  int burst = 0;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request (not watches)
  // Retries of idempotent requests (GET/list) on connection errors, 429 and 5xx.
  int max_retries = 4;
  std::string namespace_ = "default";  // from the kubeconfig context / in-cluster namespace file
};

// The transport settings of `config` (server, TLS material, per-request timeout).
TransportConfig TransportConfigFor(const RestConfig& config);

// "joinguard-<program>/<version>" (e.g. joinguard-controller/0.1.0).
std::string UserAgentFor(std::string_view program);

// From a loaded kubeconfig: `context` or current-context. CA/cert/key files are read now;
// a tokenFile is kept as bearer_token_file. Errors name the file or context.
StatusOr<RestConfig> RestConfigFromKubeconfig(const Kubeconfig& config, std::string_view context = {});
StatusOr<RestConfig> RestConfigFromKubeconfigFile(const std::string& path, std::string_view context = {});

// In-cluster service-account config (kubernetes/client-go rest/config.go InClusterConfig). `getenv` and
// `sa_dir` are injectable for tests. kFailedPrecondition "not running in a cluster" when
// KUBERNETES_SERVICE_HOST/PORT are unset.
struct InClusterOptions {
  std::string sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  std::function<std::optional<std::string>(const std::string&)> getenv;  // empty = ::getenv
};
StatusOr<RestConfig> InClusterRestConfig(const InClusterOptions& options = {});

// Anonymous, UNVERIFIED TLS, for kubeadm token discovery only (the CA is pinned afterwards by
// the caller). Never use it for anything that sends credentials.
RestConfig AnonymousInsecure(std::string server);

}  // namespace joinguard::kube
