// Cluster discovery: find and authenticate the API server and build the TLS-bootstrap
// kubeconfig, exactly as kubeadm's cmd/kubeadm/app/discovery (token/token.go,
// file/file.go, https/https.go). One mechanism per folder (token/, file/, https/) behind Discover().
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/kube/client.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/status/status.h"
#include "node-helper/config/join_configuration.h"
#include "node-helper/output/printer.h"

namespace joinguard::node::discovery {

using Duration = runtime::Duration;

// Builds an API client for a RestConfig (tests inject fakes).
using ClientFactory = std::function<StatusOr<std::unique_ptr<kube::Client>>(const kube::RestConfig& config)>;
// GET of an https:// URL with verified TLS; returns the body (no status check, as kubeadm).
using HttpsGetter = std::function<StatusOr<std::string>(const std::string& url)>;

struct Deps {
  ClientFactory new_client;
  HttpsGetter https_get;
  const runtime::Clock* clock = nullptr;
  // Waits between polling attempts. Default: sleep on the real clock. Tests advance a FakeClock.
  std::function<void(Duration)> wait;
  Printer* out = nullptr;
};

struct Options {
  Duration retry_interval = std::chrono::seconds(5);    // kubeadm DiscoveryRetryInterval
  Duration timeout = std::chrono::minutes(5);           // timeouts.discovery
  Duration request_timeout = std::chrono::seconds(10);  // kubeadm's per-request timeout
};

// What discovery hands to the later phases.
struct Result {
  kube::Kubeconfig bootstrap;  // becomes /etc/kubernetes/bootstrap-kubelet.conf
  std::string server;          // the cluster's API server (cluster-info's, not the CLI endpoint)
  std::string ca_pem;          // the whole CA bundle now trusted
  std::string method;          // "token", "file" or "https" (for messages)
};

// kubeadm's discovery.For: runs the configured mechanism, then builds the TLS bootstrap
// kubeconfig (token user or the discovery file's own credentials). Every error is prefixed
// "couldn't validate the identity of the API Server: " as kubeadm does.
StatusOr<Result> Discover(const config::JoinConfiguration& cfg, const Deps& deps, const Options& options);

// --- shared by the mechanisms -------------------------------------------------------------

// kubeadm's PollImmediate loop: calls `attempt` now and then every `interval` until it returns
// true or `timeout` passes. On timeout returns the last error `attempt` stored (or a generic
// deadline error), as kubeadm returns lastError.
Status PollImmediate(const Deps& deps, Duration interval, Duration timeout,
                     const std::function<bool(Status* last_error)>& attempt);

// The cluster a cluster-info / discovery kubeconfig describes: the one named "" if present,
// else the current context's cluster. kInvalidArgument when there is none.
StatusOr<kube::KubeconfigCluster> SelectCluster(const kube::Kubeconfig& config, std::string* name);

// kubeadm's GetCACert check: the CA data must hold at least one certificate.
Status CheckCaData(const std::string& ca_pem);

}  // namespace joinguard::node::discovery
