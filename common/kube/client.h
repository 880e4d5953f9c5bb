// The Kubernetes API client (client-go's dynamic + typed clients, trimmed to what we use).
//
// Client is an interface of raw JSON operations (mock it in tests: mock_client.h) plus typed
// templates layered on the ONE codec in objects.h. NewClient() builds the real one: rate
// limited (token bucket, QPS/burst), bearer token / client certificate auth, User-Agent, per-
// request timeout, retries with backoff for idempotent reads on connection errors, 429 and 5xx
// (Retry-After honoured) and never for writes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/kube/api_error.h"
#include "common/kube/http_transport.h"
#include "common/kube/objects.h"
#include "common/kube/patch_type.h"
#include "common/kube/resource.h"
#include "common/kube/rest_config.h"
#include "common/kube/watch.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "common/status/status.h"

namespace joinguard::kube {

struct ListOptions {
  std::string label_selector;  // "a=b,c!=d"
  std::string field_selector;  // "metadata.name=csr-1", "spec.signerName=..."
  std::string resource_version;
  std::string resource_version_match;  // list only: Exact | NotOlderThan
  int64_t limit = 0;                   // 0 = server default (no paging)
  std::string continue_token;
  // Watch only.
  int timeout_seconds = 0;  // 0 = unset (server picks)
  bool allow_watch_bookmarks = false;

  // "?labelSelector=...&limit=..." ("" when nothing is set). `watch` adds watch=true.
  std::string ToQuery(bool watch) const;
};

struct DeleteOptions {
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<std::string> propagation_policy;  // Foreground | Background | Orphan
};

// Per-client request behaviour (see Client::WithRequestPolicy).
struct RequestPolicy {
  std::chrono::milliseconds timeout{0};  // per request; 0 = inherit
  int max_retries = -1;                  // retries of idempotent reads; -1 = inherit
};

class Client {
 public:
  virtual ~Client() = default;

  // A client for the same server and credentials, sharing this one's connections, whose
  // requests follow `policy` (leader election bounds its renew attempts with it). nullptr when
  // the implementation cannot (test doubles): callers then use this client as is.
  virtual std::unique_ptr<Client> WithRequestPolicy(const RequestPolicy& policy) {
    (void)policy;
    return nullptr;
  }

  // ---- Raw operations (paths from Resource; `ns` ignored for cluster-scoped resources). ----
  virtual StatusOr<Json> GetRaw(const Resource& r, std::string_view ns, std::string_view name,
                                std::string_view subresource = {}) = 0;
  // One page. Use ListAllRaw / List<T> to follow continue tokens.
  virtual StatusOr<Json> ListRaw(const Resource& r, std::string_view ns, const ListOptions& options) = 0;
  virtual StatusOr<Json> CreateRaw(const Resource& r, std::string_view ns, const Json& object,
                                   std::string_view subresource = {}) = 0;
  virtual StatusOr<Json> UpdateRaw(const Resource& r, std::string_view ns, std::string_view name,
                                   const Json& object, std::string_view subresource = {}) = 0;
  virtual StatusOr<Json> PatchRaw(const Resource& r, std::string_view ns, std::string_view name,
                                  PatchType type, const Json& patch, std::string_view subresource = {}) = 0;
  // The server's response (usually a Status object; some resources return the object).
  virtual StatusOr<Json> DeleteRaw(const Resource& r, std::string_view ns, std::string_view name,
                                   const DeleteOptions& options = {}) = 0;
  // Blocks while the watch runs, delivering events to `handler` as they arrive. Returns OK
  // when the server closes the stream normally (timeoutSeconds), kCancelled when `stop`
  // fires, the ERROR event as a Status (IsGone for 410), or the handler's error.
  virtual Status WatchRaw(const Resource& r, std::string_view ns, const ListOptions& options,
                          const WatchHandler& handler, std::stop_token stop) = 0;

  // All pages combined: {"metadata":{"resourceVersion": <of the first page>}, "items":[...]}.
  // `options.limit` is the page size (0 → 500).
  StatusOr<Json> ListAllRaw(const Resource& r, std::string_view ns, ListOptions options);

  // ---- Typed operations. T is one of the object structs in objects.h. ----
  template <typename T>
  StatusOr<T> Get(std::string_view ns, std::string_view name) {
    auto j = GetRaw(T::kResource, ns, name);
    if (!j.ok()) return j.status();
    return Decode<T>(*j);
  }
  // All pages (limit = page size).
  template <typename T>
  StatusOr<ObjectList<T>> List(std::string_view ns, const ListOptions& options = {}) {
    auto j = ListAllRaw(T::kResource, ns, options);
    if (!j.ok()) return j.status();
    return DecodeList<T>(*j);
  }
  // Creates in o.metadata.namespace_ (metadata.generateName honoured by the server).
  template <typename T>
  StatusOr<T> Create(const T& o) {
    auto j = CreateRaw(T::kResource, o.metadata.namespace_, ToJson(o));
    if (!j.ok()) return j.status();
    return Decode<T>(*j);
  }
  // PUT with o.metadata.resourceVersion (stale → IsConflict).
  template <typename T>
  StatusOr<T> Update(const T& o) {
    auto j = UpdateRaw(T::kResource, o.metadata.namespace_, o.metadata.name, ToJson(o));
    if (!j.ok()) return j.status();
    return Decode<T>(*j);
  }
  template <typename T>
  StatusOr<T> Patch(std::string_view ns, std::string_view name, PatchType type, const Json& patch) {
    auto j = PatchRaw(T::kResource, ns, name, type, patch);
    if (!j.ok()) return j.status();
    return Decode<T>(*j);
  }
  template <typename T>
  Status Delete(std::string_view ns, std::string_view name, const DeleteOptions& options = {}) {
    return DeleteRaw(T::kResource, ns, name, options).status();
  }
  // Typed watch: events decoded to T (bookmarks carry only metadata.resourceVersion).
  template <typename T>
  Status Watch(std::string_view ns, const ListOptions& options,
               const std::function<Status(WatchEventType, const T&)>& handler, std::stop_token stop) {
    return WatchRaw(
        T::kResource, ns, options,
        [&](const WatchEvent& e) -> Status {
          auto o = Decode<T>(e.object);
          if (!o.ok()) return o.status();
          return handler(e.type, *o);
        },
        stop);
  }

  // ---- CSR subresources and SubjectAccessReview. ----
  // PUT .../{name}/approval with csr's conditions and resourceVersion.
  StatusOr<CertificateSigningRequest> UpdateApproval(const CertificateSigningRequest& csr);
  // PUT .../{name}/status (status.certificate, Failed and other conditions).
  StatusOr<CertificateSigningRequest> UpdateStatus(const CertificateSigningRequest& csr);
  StatusOr<SubjectAccessReview> CreateSubjectAccessReview(const SubjectAccessReview& review);
};

struct ClientDeps {
  const runtime::Clock* clock = nullptr;    // required
  const runtime::Logger* logger = nullptr;  // required
  // Optional: defaults to NewCpprestTransport(config). Tests inject fakes here. Watches go
  // through HttpTransport::Stream, which uses its own connection and timeout.
  std::unique_ptr<HttpTransport> transport;
  std::function<double()> rand01;  // jitter source; empty = default
};

StatusOr<std::unique_ptr<Client>> NewClient(const RestConfig& config, ClientDeps deps);

}  // namespace joinguard::kube
