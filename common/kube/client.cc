#include "common/kube/client.h"

#include <sys/stat.h>

#include <charconv>
#include <mutex>

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"
#include "common/runtime/backoff.h"
#include "common/runtime/rate_limiter.h"
#include "common/runtime/stop.h"
#include "common/text/enum_names.h"

namespace joinguard::kube {

std::string ListOptions::ToQuery(bool watch) const {
  std::string q;
  auto add = [&q](std::string_view k, std::string_view v) {
    q += q.empty() ? "?" : "&";
    q += k;
    q += "=";
    q += UrlEncode(v);
  };
  if (watch && allow_watch_bookmarks) add("allowWatchBookmarks", "true");
  if (!watch && !continue_token.empty()) add("continue", continue_token);
  if (!field_selector.empty()) add("fieldSelector", field_selector);
  if (!label_selector.empty()) add("labelSelector", label_selector);
  if (!watch && limit > 0) add("limit", std::to_string(limit));
  if (!resource_version.empty()) add("resourceVersion", resource_version);
  if (!watch && !resource_version_match.empty()) add("resourceVersionMatch", resource_version_match);
  if (watch && timeout_seconds > 0) add("timeoutSeconds", std::to_string(timeout_seconds));
  if (watch) add("watch", "true");
  return q;
}

std::string_view PatchContentType(PatchType t) {
  static constexpr std::string_view kContentTypes[] = {"application/merge-patch+json",
                                                       "application/json-patch+json",
                                                       "application/strategic-merge-patch+json"};
  return text::EnumName(t, kContentTypes, kContentTypes[0]);
}

StatusOr<Json> Client::ListAllRaw(const Resource& r, std::string_view ns, ListOptions options) {
  if (options.limit <= 0) options.limit = 500;
  options.continue_token.clear();
  Json out = Json::object();
  out["apiVersion"] = r.ApiVersion();
  out["kind"] = std::string(r.kind) + "List";
  out["items"] = Json::array();
  bool first = true;
  for (;;) {
    JG_ASSIGN_OR_RETURN(Json page, ListRaw(r, ns, options));
    // JSON only through the codec: a wrongly typed field is an error, never a throw.
    StatusOr<ObjectList<Json>> meta = DecodeListMeta(page);
    if (!meta.ok()) return meta.status().Annotate("list " + r.CollectionPath(ns));
    if (first) {
      out["metadata"] = Json::object();
      if (!meta->resource_version.empty()) out["metadata"]["resourceVersion"] = meta->resource_version;
      first = false;
    }
    if (auto items = page.find("items"); items != page.end()) {
      for (auto& item : *items) out["items"].push_back(std::move(item));
    }
    if (meta->continue_token.empty()) break;
    options.continue_token = meta->continue_token;
    // Later pages must not carry a resourceVersion (the continue token encodes it).
    options.resource_version.clear();
    options.resource_version_match.clear();
  }
  return out;
}

StatusOr<CertificateSigningRequest> Client::UpdateApproval(const CertificateSigningRequest& csr) {
  JG_ASSIGN_OR_RETURN(Json j, UpdateRaw(csr.kResource, "", csr.metadata.name, ToJson(csr), "approval"));
  return Decode<CertificateSigningRequest>(j);
}

StatusOr<CertificateSigningRequest> Client::UpdateStatus(const CertificateSigningRequest& csr) {
  JG_ASSIGN_OR_RETURN(Json j, UpdateRaw(csr.kResource, "", csr.metadata.name, ToJson(csr), "status"));
  return Decode<CertificateSigningRequest>(j);
}

StatusOr<SubjectAccessReview> Client::CreateSubjectAccessReview(const SubjectAccessReview& review) {
  JG_ASSIGN_OR_RETURN(Json j, CreateRaw(review.kResource, "", ToJson(review)));
  return Decode<SubjectAccessReview>(j);
}

namespace {

// Re-reads a token file when its mtime or size changes (projected SA tokens rotate).
class TokenSource {
 public:
  TokenSource(std::string token, std::string file) : token_(std::move(token)), file_(std::move(file)) {}
  StatusOr<std::string> Token() {
    if (file_.empty()) return token_;
    std::lock_guard<std::mutex> l(mu_);
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) {
      if (!cached_.empty()) return cached_;  // keep using the last token
      return UnauthenticatedError("cannot read bearer token file " + file_);
    }
    if (!loaded_ || st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec ||
        st.st_size != size_) {
      auto data = files::ReadFile(file_, 1 << 20);
      if (!data.ok()) {
        if (!cached_.empty()) return cached_;
        return UnauthenticatedError("cannot read bearer token file " + file_ + ": " +
                                    data.status().message());
      }
      std::string t = *data;
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      cached_ = std::move(t);
      mtime_ = st.st_mtim;
      size_ = st.st_size;
      loaded_ = true;
    }
    return cached_;
  }

 private:
  const std::string token_;
  const std::string file_;
  std::mutex mu_;  // guards the cache below
  std::string cached_;
  struct timespec mtime_ {};
  off_t size_ = 0;
  bool loaded_ = false;
};

class ClientImpl final : public Client {
 public:
  ClientImpl(RestConfig config, ClientDeps deps)
      : ClientImpl(config, *deps.clock, *deps.logger, std::move(deps.transport),
                   deps.rand01 ? deps.rand01 : runtime::DefaultRand01(),
                   std::make_shared<TokenSource>(config.bearer_token, config.bearer_token_file)) {}

  std::unique_ptr<Client> WithRequestPolicy(const RequestPolicy& policy) override {
    RestConfig derived = config_;
    if (policy.timeout.count() > 0) derived.timeout = policy.timeout;
    if (policy.max_retries >= 0) derived.max_retries = policy.max_retries;
    return std::unique_ptr<Client>(
        new ClientImpl(std::move(derived), clock_, logger_, transport_, rand01_, tokens_));
  }

  StatusOr<Json> GetRaw(const Resource& r, std::string_view ns, std::string_view name,
                        std::string_view sub) override {
    return Call("GET", r.ObjectPath(ns, name, sub), nullptr, "", /*idempotent=*/true);
  }
  StatusOr<Json> ListRaw(const Resource& r, std::string_view ns, const ListOptions& o) override {
    return Call("GET", r.CollectionPath(ns) + o.ToQuery(false), nullptr, "", true);
  }
  StatusOr<Json> CreateRaw(const Resource& r, std::string_view ns, const Json& object,
                           std::string_view sub) override {
    std::string path = r.CollectionPath(ns);
    if (!sub.empty()) path += "/" + std::string(sub);
    return Call("POST", path, &object, "application/json", false);
  }
  StatusOr<Json> UpdateRaw(const Resource& r, std::string_view ns, std::string_view name, const Json& object,
                           std::string_view sub) override {
    return Call("PUT", r.ObjectPath(ns, name, sub), &object, "application/json", false);
  }
  StatusOr<Json> PatchRaw(const Resource& r, std::string_view ns, std::string_view name, PatchType type,
                          const Json& patch, std::string_view sub) override {
    return Call("PATCH", r.ObjectPath(ns, name, sub), &patch, std::string(PatchContentType(type)), false);
  }
  StatusOr<Json> DeleteRaw(const Resource& r, std::string_view ns, std::string_view name,
                           const DeleteOptions& o) override {
    Json body = Json::object();
    if (o.precondition_uid || o.precondition_resource_version) {
      Json pre = Json::object();
      if (o.precondition_uid) pre["uid"] = *o.precondition_uid;
      if (o.precondition_resource_version) pre["resourceVersion"] = *o.precondition_resource_version;
      body["preconditions"] = std::move(pre);
    }
    if (o.propagation_policy) body["propagationPolicy"] = *o.propagation_policy;
    if (body.empty()) return Call("DELETE", r.ObjectPath(ns, name), nullptr, "", false);
    body["apiVersion"] = "v1";
    body["kind"] = "DeleteOptions";
    return Call("DELETE", r.ObjectPath(ns, name), &body, "application/json", false);
  }

  Status WatchRaw(const Resource& r, std::string_view ns, const ListOptions& o, const WatchHandler& handler,
                  std::stop_token stop) override {
    JG_RETURN_IF_ERROR(limiter_.Wait(stop));
    HttpRequest req;
    req.method = "GET";
    req.path_and_query = r.CollectionPath(ns) + o.ToQuery(true);
    JG_RETURN_IF_ERROR(AddHeaders(&req, ""));
    // The client-side timeout is an inactivity timer (§9.2): longer than the server's.
    req.timeout = o.timeout_seconds > 0
                      ? std::chrono::milliseconds(std::chrono::seconds(o.timeout_seconds + 30))
                      : std::chrono::milliseconds(std::chrono::hours(2));
    Status event_status;
    auto resp = transport_->Stream(
        req,
        [&](std::string_view line) -> Status {
          auto e = ParseWatchEvent(line);
          if (!e.ok()) return e.status().Annotate("watch " + req.path_and_query);
          if (e->type == WatchEventType::kError) {
            ApiStatus st;
            if (!FromJson(e->object, &st).ok()) {
              return UnknownError("watch ERROR event with an unreadable object");
            }
            return StatusFromApiStatus(st);
          }
          return handler(*e);
        },
        stop);
    if (!resp.ok()) return resp.status();
    if (resp->status < 200 || resp->status >= 300) {
      return StatusFromResponse(resp->status, resp->body, "GET " + req.path_and_query);
    }
    return OkStatus();
  }

 private:
  Status AddHeaders(HttpRequest* req, const std::string& content_type) {
    req->headers.emplace_back("Accept", "application/json");
    req->headers.emplace_back("User-Agent", config_.user_agent);
    if (!content_type.empty()) req->headers.emplace_back("Content-Type", content_type);
    JG_ASSIGN_OR_RETURN(std::string token, tokens_->Token());
    if (!token.empty()) {
      req->headers.emplace_back("Authorization", "Bearer " + token);
    } else if (!config_.username.empty() || !config_.password.empty()) {
      // client-go transport/round_trippers.go basicAuthRoundTripper (RFC 7617).
      req->headers.emplace_back("Authorization",
                                "Basic " + crypto::Base64Encode(config_.username + ":" + config_.password));
    }
    return OkStatus();
  }

  static std::chrono::nanoseconds RetryAfter(const HttpResponse& resp) {
    std::string v = resp.Header("retry-after");
    int secs = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (ec != std::errc() || secs <= 0) return std::chrono::nanoseconds(0);
    return std::chrono::seconds(std::min(secs, 60));
  }

  StatusOr<Json> Call(const std::string& method, const std::string& path, const Json* body,
                      const std::string& content_type, bool idempotent) {
    HttpRequest req;
    req.method = method;
    req.path_and_query = path;
    if (body) req.body = body->dump();
    req.timeout = config_.timeout;
    // Retries only for idempotent reads; writes fail with the first error so the caller
    // decides (a POST may have been applied even when its response was lost).
    runtime::BackoffOptions bo;
    bo.initial = std::chrono::milliseconds(200);
    bo.max = std::chrono::seconds(5);
    bo.jitter = 0.5;
    runtime::Backoff backoff(bo, clock_, rand01_);
    const std::string what = method + " " + path;
    for (int attempt = 0;; ++attempt) {
      JG_RETURN_IF_ERROR(limiter_.Wait({}));
      req.headers.clear();
      JG_RETURN_IF_ERROR(AddHeaders(&req, body ? content_type : ""));
      auto resp = transport_->Do(req);
      Status failure;
      std::chrono::nanoseconds wait = backoff.Next();
      if (!resp.ok()) {
        failure = resp.status();
      } else if (resp->status >= 200 && resp->status < 300) {
        if (resp->body.empty()) return Json::object();
        auto j = ParseJson(resp->body);
        if (!j.ok()) return j.status().Annotate(what + ": response");
        return j;
      } else {
        failure = StatusFromResponse(resp->status, resp->body, what);
        wait = std::max(wait, RetryAfter(*resp));
      }
      const bool retry = idempotent && attempt < config_.max_retries && IsRetryable(failure);
      if (!retry) return failure;
      logger_.Debug(
          "retrying API request",
          {{"request", what}, {"attempt", std::to_string(attempt + 1)}, {"error", failure.ToString()}});
      runtime::WaitFor({}, wait);
    }
  }

  ClientImpl(RestConfig config, const runtime::Clock& clock, const runtime::Logger& logger,
             std::shared_ptr<HttpTransport> transport, std::function<double()> rand01,
             std::shared_ptr<TokenSource> tokens)
      : config_(std::move(config)),
        clock_(clock),
        logger_(logger),
        transport_(std::move(transport)),
        limiter_(config_.qps, config_.burst, clock_),
        rand01_(std::move(rand01)),
        tokens_(std::move(tokens)) {}

  const RestConfig config_;
  const runtime::Clock& clock_;
  const runtime::Logger& logger_;
  // Shared with clients made by WithRequestPolicy (one connection pool, one token cache).
  std::shared_ptr<HttpTransport> transport_;
  runtime::TokenBucketRateLimiter limiter_;
  std::function<double()> rand01_;
  std::shared_ptr<TokenSource> tokens_;
};

}  // namespace

StatusOr<std::unique_ptr<Client>> NewClient(const RestConfig& config, ClientDeps deps) {
  if (!deps.clock || !deps.logger) {
    return InvalidArgumentError("NewClient needs a clock and a logger");
  }
  if (config.server.empty()) return InvalidArgumentError("NewClient: the server URL is empty");
  if (!deps.transport) {
    JG_ASSIGN_OR_RETURN(deps.transport, NewCpprestTransport(TransportConfigFor(config)));
  }
  return std::unique_ptr<Client>(new ClientImpl(config, std::move(deps)));
}

}  // namespace joinguard::kube
