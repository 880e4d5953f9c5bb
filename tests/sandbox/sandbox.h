// The sandbox Kubernetes API server: an in-process (or standalone, see main.cc) HTTPS server
// that behaves like kube-apiserver + the kube-controller-manager controllers joinguard touches
// (tests/sandbox/README.md). Tests start it on port 0 and talk to it
// with real clients (our cpprest client, the real kubectl, openssl/curl).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"

namespace joinguard::runtime {
class Clock;
class Logger;
}  // namespace joinguard::runtime

namespace joinguard::sandbox {

// A bootstrap-token Secret in kube-system (cluster-bootstrap token/api/types.go).
struct TokenSpec {
  std::string id, secret;                                           // "abcdef", "0123456789abcdef"
  std::optional<std::chrono::system_clock::time_point> expiration;  // none = never expires
  bool usage_authentication = true, usage_signing = true;
  std::vector<std::string> extra_groups = {"system:bootstrappers:kubeadm:default-node-token"};
  std::string description;  // addition: optional "description" data key
};

// Fault injection (off by default). Rules are checked in the order added; the first rule whose
// path, method and watch filter match a request applies. A rule either fails the request with
// `status` (a Status body as kube-apiserver sends it; 429/503 carry Retry-After; 410 on a watch is
// an ERROR event "too old resource version", as the watch cache sends it) or, with status < 400,
// only delays it. `count` makes a burst: the rule fails that many requests, then expires.
struct FaultRule {
  std::string path_prefix;  // e.g. "/apis/certificates.k8s.io"; "" = any path
  std::string path_suffix;  // e.g. "/approval"; "" = any
  std::string method;       // "GET", "PUT", ...; "" = any
  enum class Watch { kAny, kOnly, kExclude } watch = Watch::kAny;  // watch requests only / never
  double fraction = 1.0;                                           // share of matching requests that fail
  int status = 500;                      // HTTP status returned; < 400 = latency only
  int count = -1;                        // failures before the rule expires; -1 = never expires
  int retry_after_seconds = 1;           // Retry-After header on 429 and 503
  std::chrono::milliseconds latency{0};  // added before answering (also to failed requests)
};

// FaultRule <-> JSON for the admin endpoint and --fault-json:
// {"pathPrefix","pathSuffix","method","watch":"any|only|exclude","fraction","status","count",
//  "retryAfterSeconds","latencyMs"}; unknown keys and bad values are errors naming the field.
StatusOr<FaultRule> FaultRuleFromJson(const nlohmann::json& j);
nlohmann::json FaultRuleToJson(const FaultRule& rule);

// Connections the API server accepted since it started (Sandbox::Connections, GET
// /sandbox-admin/connections): every accepted TCP connection, and those whose TLS handshake
// completed. A client that keeps its connections alive adds one per connection, not per request,
// so tests can check how many connections a client opened.
struct ConnectionStats {
  int64_t tcp_accepted = 0;
  int64_t tls_handshakes = 0;
};

struct SandboxOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;                       // 0 = OS-assigned
  std::string state_dir;                   // "" = memory only; else CA + objects persist across restarts
  std::string ca_cert_file, ca_key_file;   // optional: use this CA instead of generating one
  std::string admin_kubeconfig_path;       // optional: write the admin kubeconfig here (0600)
  std::string version_minor = "31";        // /version minor (kubectl dispatcher picks 1.<minor>)
  bool seed_kubeadm = true;                // kubeadm RBAC, cluster-info, kubeadm-config, kubelet-config
  bool autoapprove_binding = true;         // create kubeadm:node-autoapprove-bootstrap
  bool run_controllers = true;             // signer, bootstrap signer, token cleaner, csrapproving
  std::chrono::seconds watch_window{300};  // events retained for watch replay (older → 410)
  // Additions.
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(60)};  // upstream: 1 min
  int max_retained_events = 100000;                                       // hard cap on the watch replay log
  const runtime::Clock* clock = nullptr;                                  // not owned; nullptr = real clock
  const runtime::Logger* logger = nullptr;  // not owned; nullptr = quiet (warnings to stderr)
  // Out-of-process fault injection: when non-empty, requests carrying the header
  // "X-Sandbox-Admin-Token: <admin_token>" reach /sandbox-admin/ (see tests/sandbox/README.md);
  // without it (any ordinary credential) those paths do not exist (404).
  std::string admin_token;
};

class SandboxImpl;

class Sandbox {
 public:
  static StatusOr<std::unique_ptr<Sandbox>> Start(const SandboxOptions& options);
  ~Sandbox();  // stops the server and controllers; flushes persisted state
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  uint16_t port() const;
  std::string url() const;                    // "https://127.0.0.1:<port>" ([::1] for IPv6)
  const std::string& ca_pem() const;          // cluster CA certificate PEM
  std::string admin_kubeconfig_yaml() const;  // embedded admin client cert (system:masters)

  // A client cert/key PEM pair signed by the cluster CA for any identity.
  StatusOr<std::pair<std::string, std::string>> IssueClientCert(const std::string& user,
                                                                const std::vector<std::string>& groups);
  Status CreateBootstrapToken(const TokenSpec& spec);
  // Static bearer token for system:serviceaccount:<ns>:<name> (groups system:serviceaccounts,
  // system:serviceaccounts:<ns>, system:authenticated).
  Status AddServiceAccountToken(const std::string& ns, const std::string& name, const std::string& token);

  // Direct object access (bypasses authn/authz), JSON as the API returns it. Path like
  // "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-abc".
  StatusOr<nlohmann::json> GetObjectForTest(const std::string& path);
  // Creates through the same create strategy as the API (generateName, validation, ...), as an
  // internal system:masters user. For CSRs whose spec.username is set, the requester fields of
  // the object are kept (so tests can plant CSRs "from" any user).
  StatusOr<nlohmann::json> CreateObjectForTest(const std::string& collection_path, nlohmann::json obj);
  Status DeleteObjectForTest(const std::string& path);
  // Addition: PUT semantics for `path` as an internal system:masters user (a ".../status" or
  // ".../approval" path updates that subresource); RV checked only when obj carries one.
  StatusOr<nlohmann::json> UpdateObjectForTest(const std::string& path, nlohmann::json obj);
  // Addition: list of a collection path (items only).
  StatusOr<std::vector<nlohmann::json>> ListObjectsForTest(const std::string& collection_path);

  // Fault injection (in-process; the same operations as /sandbox-admin/).
  void AddFault(const FaultRule& rule);
  void ClearFaults();                   // also resets the two watch faults below
  void CloseWatchesAfterEvents(int n);  // each watch closes after n events (0 = off)
  void ForceGoneOnNextWatch();          // next watch request gets a 410 ERROR event
  // Failures still to inject by the rule added n-th (0-based; -1 = unlimited, 0 = used up);
  // lets a test wait until a burst has been consumed. kNotFound for a bad index.
  StatusOr<int> RemainingFaultCount(size_t rule_index) const;

  // Wait (with deadline) until `pred(obj)` holds for the object at `path`; for tests.
  // kDeadlineExceeded on timeout (kNotFound-like absence is just "not yet").
  StatusOr<nlohmann::json> WaitForObjectForTest(const std::string& path,
                                                std::function<bool(const nlohmann::json&)> pred,
                                                std::chrono::milliseconds timeout);

  // Addition: waits until no object exists at `path` (kDeadlineExceeded on timeout).
  Status WaitForObjectDeletedForTest(const std::string& path, std::chrono::milliseconds timeout);

  // Addition: the cluster-wide resourceVersion counter.
  int64_t CurrentResourceVersionForTest() const;

  // Addition: connections accepted since this Sandbox started (a restart starts from zero).
  ConnectionStats Connections() const;

 private:
  explicit Sandbox(std::unique_ptr<SandboxImpl> impl);
  std::unique_ptr<SandboxImpl> impl_;
};

}  // namespace joinguard::sandbox
