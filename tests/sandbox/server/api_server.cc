#include "tests/sandbox/server/api_server.h"

#include <algorithm>
#include <thread>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/protobuf.h"
#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/crd.h"
#include "tests/sandbox/server/patch.h"
#include "tests/sandbox/server/selectors.h"
#include "tests/sandbox/server/tables.h"

namespace joinguard::sandbox {

using nlohmann::json;
using logic::UserInfo;

// A watch that fails after the headers: 200, one ERROR event with the Status, end of stream
// (apiserver pkg/endpoints/handlers/watch.go).
void WriteWatchError(ResponseWriter& w, const Status& s);

namespace {

// Client-certificate users cached per certificate: entries and lifetime.
constexpr size_t kMaxCachedCertUsers = 4096;
constexpr std::chrono::seconds kCertUserCacheTtl{60};

// ---- Errors in apimachinery's shapes (reference/k8s-api.md §3.1) ----

Status ApiErr(StatusCode code, std::string reason, int http, std::string message) {
  return Status(code, std::move(message)).WithReason(std::move(reason), http);
}
Status NotFound(const ResourceType& t, const std::string& name) {
  return ApiErr(StatusCode::kNotFound, "NotFound", 404,
                t.QualifiedResource() + " \"" + name + "\" not found");
}
Status AlreadyExists(const ResourceType& t, const std::string& name) {
  return ApiErr(StatusCode::kAlreadyExists, "AlreadyExists", 409,
                t.QualifiedResource() + " \"" + name + "\" already exists");
}
Status Conflict(const ResourceType& t, const std::string& name, const std::string& why) {
  return ApiErr(StatusCode::kAborted, "Conflict", 409,
                "Operation cannot be fulfilled on " + t.QualifiedResource() + " \"" + name +
                    "\": " + why);
}
const char* kModified =
    "the object has been modified; please apply your changes to the latest version and try again";
Status BadRequest(std::string message) {
  return ApiErr(StatusCode::kInvalidArgument, "BadRequest", 400, std::move(message));
}
Status Invalid(const ResourceType& t, const std::string& name, const std::string& errors) {
  return ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                t.QualifiedKind() + " \"" + name + "\" is invalid: " + errors);
}
Status Forbidden(std::string message) {
  return ApiErr(StatusCode::kPermissionDenied, "Forbidden", 403, std::move(message));
}
Status MethodNotAllowed() {
  return ApiErr(StatusCode::kUnimplemented, "MethodNotAllowed", 405,
                "the server does not allow this method on the requested resource");
}
Status UnknownUrl() {
  return ApiErr(StatusCode::kNotFound, "NotFound", 404,
                "the server could not find the requested resource");
}
Status Unauthorized() {
  return ApiErr(StatusCode::kUnauthenticated, "Unauthorized", 401, "Unauthorized");
}

std::string ReasonForCode(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "Unknown";
  }
}

StatusCode CodeForHttp(int http) {
  switch (http) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAborted;
    case 410: return StatusCode::kOutOfRange;
    case 422: return StatusCode::kInvalidArgument;
    case 429: return StatusCode::kResourceExhausted;
    case 503: return StatusCode::kUnavailable;
    case 504: return StatusCode::kDeadlineExceeded;
    default: return StatusCode::kInternal;
  }
}

HttpResponse JsonResponse(int status, const json& body) {
  return HttpResponse{status, "application/json", body.dump() + "\n", {}};
}

void SendError(ResponseWriter& w, const Status& s, const ResourceType* type,
               const std::string& name) {
  HttpResponse r = JsonResponse(HttpCodeFor(s), StatusJson(s, type, name));
  if (r.status == 401 || r.status == 403) r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (r.status == 429) r.headers.emplace_back("Retry-After", "1");
  w.Send(r);
}

std::string ListKind(const ResourceType& t) { return t.ListKind(); }

bool IsTrue(const std::string& v) { return v == "true" || v == "1"; }

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return Lower(t);
}

// Name rules of ObjectMeta (path-segment safety + DNS subdomain length).
std::string NameProblem(const std::string& name) {
  if (name == "." || name == "..") return "may not be '" + name + "'";
  if (name.find('/') != std::string::npos) return "may not contain '/'";
  if (name.find('%') != std::string::npos) return "may not contain '%'";
  if (name.size() > 253) return "must be no more than 253 characters";
  return "";
}

json DecodeBody(const HttpRequest& req, const ResourceType* type, Status* error) {
  std::string media = MediaType(req.Header("content-type"));
  if (media == std::string(logic::kProtobufContentType)) {
    // Typed clients of kubectl >= 1.32 send protobuf (reference/k8s-api.md §0.1): CSR approval
    // and access reviews are decoded; anything else is 415 as from a JSON-only server.
    auto decoded = logic::DecodeProtobufObject(req.body);
    if (!decoded.ok()) {
      Status s = decoded.status();
      if (s.http_status() == 0) s.WithReason("BadRequest", 400);
      *error = s;
      return nullptr;
    }
    if (type && decoded->value("kind", "") != type->kind) {
      *error = BadRequest("the kind in the protobuf body (" + decoded->value("kind", "") +
                          ") does not match the expected kind (" + type->kind + ")");
      return nullptr;
    }
    return *decoded;
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    *error = BadRequest("the body of the request was in an unknown format - accepted media types "
                        "include: application/json, application/yaml");
    return nullptr;
  }
  return body;
}

// Continue tokens: base64url(JSON {"rv":N,"start":"<ns>/<name>"}).
std::string EncodeContinue(int64_t rv, const std::string& key) {
  return crypto::Base64UrlEncode(json{{"v", "sandbox"}, {"rv", rv}, {"start", key}}.dump());
}

bool DecodeContinue(const std::string& token, int64_t* rv, std::string* key) {
  auto raw = crypto::Base64UrlDecode(token);
  if (!raw.ok()) return false;
  json j = json::parse(*raw, nullptr, false);
  if (!j.is_object() || !j.contains("rv") || !j.contains("start")) return false;
  *rv = j["rv"].get<int64_t>();
  *key = j["start"].get<std::string>();
  return true;
}

std::string ObjectKey(const json& obj) {
  return obj["metadata"].value("namespace", "") + "/" + obj["metadata"].value("name", "");
}

json SecretMergeStringData(json obj) {
  if (obj.contains("stringData") && obj["stringData"].is_object()) {
    for (auto it = obj["stringData"].begin(); it != obj["stringData"].end(); ++it) {
      if (it.value().is_string()) {
        obj["data"][it.key()] = crypto::Base64Encode(it.value().get<std::string>());
      }
    }
    obj.erase("stringData");
  }
  return obj;
}

// Table output for kubectl get (§7.2), with ?includeObject=None|Metadata|Object.
json TableFor(const HttpRequest& req, const ResourceType& type, const std::vector<json>& objects,
              const std::string& rv, const std::string& cont,
              std::chrono::system_clock::time_point now) {
  json table = MakeTable(type, objects, rv, cont, now);
  std::string include = req.Query("includeObject");
  if (include == "Object" || include == "None") {
    for (size_t i = 0; i < table["rows"].size(); ++i) {
      if (include == "None") {
        table["rows"][i].erase("object");
      } else {
        table["rows"][i]["object"] = objects[i];
      }
    }
  }
  return table;
}

}  // namespace

int HttpCodeFor(const Status& status) {
  if (status.http_status() > 0) return status.http_status();
  switch (status.code()) {
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kAborted: return 409;
    case StatusCode::kInvalidArgument: return 422;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kOutOfRange: return 410;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kResourceExhausted: return 429;
    default: return 500;
  }
}

json StatusJson(const Status& status, const ResourceType* type, const std::string& name) {
  int code = HttpCodeFor(status);
  std::string reason = status.reason().empty() ? ReasonForCode(code) : status.reason();
  json j = {{"kind", "Status"},        {"apiVersion", "v1"},  {"metadata", json::object()},
            {"status", "Failure"},     {"message", status.message()}, {"reason", reason},
            {"code", code}};
  if (type && code != 401 && code != 400 && code != 500) {
    json details = json::object();
    if (!name.empty()) details["name"] = name;
    if (!type->group.empty()) details["group"] = type->group;
    details["kind"] = reason == "Invalid" ? type->kind : type->resource;
    j["details"] = details;
  } else if (code == 404 && !type) {
    j["details"] = json::object();
  }
  if (code == 429) j["details"]["retryAfterSeconds"] = 1;
  return j;
}

void WriteWatchError(ResponseWriter& w, const Status& s) {
  json ev = {{"type", "ERROR"}, {"object", StatusJson(s, nullptr, "")}};
  ev["object"].erase("details");
  if (!w.BeginStream(200, "application/json")) return;
  w.WriteChunk(ev.dump() + "\n");
  w.EndStream();
}

std::string NowRfc3339(const runtime::Clock& clock) { return logic::FormatRfc3339(clock.Now()); }

std::string RandomUid() {
  auto bytes = crypto::RandomBytes(16);
  std::string b = bytes.ok() ? *bytes : std::string(16, '\0');
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string hex = crypto::HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string RandomNameSuffix(size_t n) {
  // apiserver's names.SimpleNameGenerator alphabet (utilrand.String: no vowels, no 0/1/3).
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  auto bytes = crypto::RandomBytes(n);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    unsigned char b = bytes.ok() ? static_cast<unsigned char>((*bytes)[i]) : static_cast<unsigned char>(i);
    out += kAlphabet[b % (sizeof(kAlphabet) - 1)];
  }
  return out;
}

ApiServer::ApiServer(ApiServerConfig config)
    : config_(std::move(config)),
      registry_(*config_.registry),
      store_(*config_.store),
      clock_(*config_.clock) {}

UserInfo ApiServer::InternalAdmin() {
  UserInfo u;
  u.name = "system:apiserver";
  u.groups = {"system:masters", "system:authenticated"};
  return u;
}

void ApiServer::AddServiceAccountToken(const std::string& ns, const std::string& name,
                                       const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[token] = logic::ServiceAccountUser(ns, name);
}

std::shared_ptr<const logic::RbacObjects> ApiServer::Rbac() const {
  static const std::vector<std::string> kRbacGvrs = {
      "rbac.authorization.k8s.io/v1/roles", "rbac.authorization.k8s.io/v1/clusterroles",
      "rbac.authorization.k8s.io/v1/rolebindings",
      "rbac.authorization.k8s.io/v1/clusterrolebindings"};
  // Counts are read before the lists: a change in between only makes the next call re-read.
  std::vector<int64_t> counts;
  for (const auto& gvr : kRbacGvrs) counts.push_back(store_.ChangeCount(gvr));
  {
    std::lock_guard<std::mutex> lock(rbac_mu_);
    if (rbac_cache_ && counts == rbac_counts_) return rbac_cache_;
  }
  auto r = std::make_shared<logic::RbacObjects>();
  r->roles = store_.List(kRbacGvrs[0], "").items;
  r->cluster_roles = store_.List(kRbacGvrs[1], "").items;
  r->role_bindings = store_.List(kRbacGvrs[2], "").items;
  r->cluster_role_bindings = store_.List(kRbacGvrs[3], "").items;
  std::lock_guard<std::mutex> lock(rbac_mu_);
  rbac_cache_ = r;
  rbac_counts_ = counts;
  return r;
}

logic::AuthzDecision ApiServer::Authorize(const logic::RequestAttributes& attrs) const {
  return logic::Authorize(attrs, *Rbac());
}

ApiServer::Target ApiServer::ResolvePath(const std::string& path) const {
  Target t;
  RequestInfo info = ParseRequestInfo("GET", path, false);
  if (!info.resource_request) return t;
  t.type = registry_.Find(info.group, info.version, info.resource);
  if (!t.type) return t;
  t.name = info.name;
  t.subresource = info.subresource;
  t.ns = info.resource == "namespaces" ? "" : info.ns;
  return t;
}

// ---- Fault injection ----

bool ApiServer::ApplyFaults(const HttpRequest& req, ResponseWriter& w) {
  const bool is_watch = IsTrue(req.Query("watch"));
  std::optional<FaultDecision> d = faults_.Decide(req, is_watch);
  if (!d) return false;
  if (d->latency.count() > 0) std::this_thread::sleep_for(d->latency);  // injected latency
  if (d->status == 0) return false;
  if (d->status == 410 && is_watch) {
    // As the watch cache answers a too-old resourceVersion: 200, one ERROR event, end of stream
    // (apiserver pkg/storage/cacher/cacher.go newErrWatcher).
    WriteWatchError(w, ApiErr(StatusCode::kOutOfRange, "Expired", 410,
                              "too old resource version: injected fault (" +
                                  std::to_string(store_.rv()) + ")"));
    return true;
  }
  Status s = ApiErr(CodeForHttp(d->status), ReasonForCode(d->status), d->status,
                    "injected fault: " + std::to_string(d->status) + " for " + req.method + " " +
                        req.path);
  HttpResponse r = JsonResponse(d->status, StatusJson(s, nullptr, ""));
  if (d->status == 429 || d->status == 503) {
    r.headers.emplace_back("Retry-After", std::to_string(d->retry_after_seconds));
  }
  w.Send(r);
  return true;
}

// ---- Authentication (reference/k8s-api.md §6) ----

StatusOr<UserInfo> ApiServer::Authenticate(const HttpRequest& req) const {
  if (!req.peer_cert_der.empty()) {
    const auto now = clock_.Now();
    {
      std::lock_guard<std::mutex> lock(authn_mu_);
      auto it = cert_users_.find(req.peer_cert_der);
      if (it != cert_users_.end() && now < it->second.valid_until) return it->second.user;
    }
    auto cert = crypto::Certificate::FromDer(req.peer_cert_der);
    if (!cert.ok()) return Unauthorized();
    if (!crypto::VerifyCertificate(*cert, {*config_.ca_cert}, {}, clock_.Now()).ok()) {
      return Unauthorized();
    }
    auto ekus = cert->ExtendedKeyUsages();
    if (!ekus.empty() && std::find(ekus.begin(), ekus.end(), "client auth") == ekus.end() &&
        std::find(ekus.begin(), ekus.end(), "any") == ekus.end()) {
      return Unauthorized();
    }
    if (cert->CommonName().empty()) return Unauthorized();
    UserInfo user = logic::UserFromClientCert(cert->CommonName(), cert->Organizations());
    user.extra["authentication.kubernetes.io/credential-id"] = {
        "X509SHA256=" + crypto::HexEncode(crypto::Sha256(req.peer_cert_der))};
    // Verified certificates are remembered (bounded, and never past their NotAfter) so a
    // keep-alive client does not pay a chain verification per request.
    std::lock_guard<std::mutex> lock(authn_mu_);
    if (cert_users_.size() >= kMaxCachedCertUsers) cert_users_.clear();
    cert_users_[req.peer_cert_der] =
        CachedCertUser{user, std::min(now + kCertUserCacheTtl, cert->NotAfter())};
    return user;
  }
  std::string auth = req.Header("authorization");
  if (auth.size() >= 7 && Lower(auth.substr(0, 7)) == "bearer ") {
    std::string token = auth.substr(7);
    while (!token.empty() && token.front() == ' ') token.erase(token.begin());
    while (!token.empty() && token.back() == ' ') token.pop_back();
    if (token.empty()) return Unauthorized();
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = tokens_.find(token);
      if (it != tokens_.end()) return it->second;
    }
    auto user = logic::AuthenticateBootstrapToken(
        token,
        [this](const std::string& name) { return store_.Get("/v1/secrets", "kube-system", name); },
        clock_.Now());
    if (user) return *user;
    return Unauthorized();
  }
  return logic::AnonymousUser();
}

StatusOr<UserInfo> ApiServer::Impersonate(const HttpRequest& req, UserInfo user) const {
  std::vector<std::string> users = req.Headers("impersonate-user");
  std::vector<std::string> groups = req.Headers("impersonate-group");
  std::string uid = req.Header("impersonate-uid");
  std::map<std::string, std::vector<std::string>> extra;
  for (const auto& [k, v] : req.headers) {
    if (k.rfind("impersonate-extra-", 0) == 0) extra[PercentDecode(k.substr(18), false)].push_back(v);
  }
  if (users.empty()) {
    if (!groups.empty() || !extra.empty() || !uid.empty()) {
      return BadRequest("requested impersonation of groups, extra or uid without impersonating a user");
    }
    return user;
  }
  auto rbac = Rbac();
  auto check = [&](logic::RequestAttributes attrs) -> Status {
    attrs.user = user;
    attrs.verb = "impersonate";
    if (!logic::Authorize(attrs, *rbac).allowed) return Forbidden(logic::ForbiddenMessage(attrs));
    return OkStatus();
  };
  UserInfo out;
  out.name = users.front();
  logic::RequestAttributes a;
  constexpr std::string_view kSaPrefix = "system:serviceaccount:";
  if (out.name.rfind(kSaPrefix, 0) == 0) {
    std::string rest = out.name.substr(kSaPrefix.size());
    auto colon = rest.find(':');
    a.resource = "serviceaccounts";
    a.ns = rest.substr(0, colon);
    a.name = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (groups.empty()) out.groups = {"system:serviceaccounts", "system:serviceaccounts:" + a.ns};
  } else {
    a.resource = "users";
    a.name = out.name;
  }
  JG_RETURN_IF_ERROR(check(a));
  for (const auto& g : groups) {
    logic::RequestAttributes ga;
    ga.resource = "groups";
    ga.name = g;
    JG_RETURN_IF_ERROR(check(ga));
    out.groups.push_back(g);
  }
  if (!uid.empty()) {
    logic::RequestAttributes ua;
    ua.api_group = "authentication.k8s.io";
    ua.resource = "uids";
    ua.name = uid;
    JG_RETURN_IF_ERROR(check(ua));
    out.uid = uid;
  }
  for (const auto& [k, vals] : extra) {
    for (const auto& v : vals) {
      logic::RequestAttributes ea;
      ea.api_group = "authentication.k8s.io";
      ea.resource = "userextras";
      ea.subresource = k;
      ea.name = v;
      JG_RETURN_IF_ERROR(check(ea));
    }
  }
  out.extra = extra;
  if (out.name == "system:anonymous") {
    out.groups.push_back("system:unauthenticated");
  } else {
    logic::AddAuthenticatedGroup(out);
  }
  return out;
}

// ---- Entry point ----

void ApiServer::Handle(const HttpRequest& req, ResponseWriter& w) {
  try {
    if (HandleAdminRequest(config_.admin_token, faults_, req, w)) return;
    if (ApplyFaults(req, w)) return;
    auto user = Authenticate(req);
    if (!user.ok()) {
      SendError(w, user.status(), nullptr, "");
      return;
    }
    auto effective = Impersonate(req, *user);
    if (!effective.ok()) {
      SendError(w, effective.status(), nullptr, "");
      return;
    }
    RequestInfo info = ParseRequestInfo(req.method, req.path, IsTrue(req.Query("watch")));
    logic::RequestAttributes attrs;
    attrs.user = *effective;
    attrs.resource_request = info.resource_request;
    attrs.verb = info.verb;
    attrs.api_group = info.group;
    attrs.resource = info.resource;
    attrs.subresource = info.subresource;
    attrs.name = info.name;
    attrs.ns = info.ns;
    attrs.path = info.path;
    if (info.resource_request && (info.verb == "list" || info.verb == "watch") && info.name.empty()) {
      // A collection request scoped to one name via fieldSelector is authorized for that name
      // (upstream RequestInfo does the same for metadata.name=).
      std::string fs = req.Query("fieldSelector");
      if (fs.rfind("metadata.name=", 0) == 0 && fs.find(',') == std::string::npos) {
        attrs.name = fs.substr(14);
      }
    }
    if (!Authorize(attrs).allowed) {
      const ResourceType* type =
          info.resource_request ? registry_.Find(info.group, info.version, info.resource) : nullptr;
      Status s = Forbidden(logic::ForbiddenMessage(attrs));
      json body = StatusJson(s, nullptr, "");
      if (info.resource_request) {
        json details = json::object();
        if (!info.name.empty()) details["name"] = info.name;
        if (!info.group.empty()) details["group"] = info.group;
        details["kind"] = type ? type->resource : info.resource;
        body["details"] = details;
      }
      HttpResponse r = JsonResponse(403, body);
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
      w.Send(r);
      return;
    }
    if (!info.resource_request) {
      HandleNonResource(req, info, w);
    } else {
      HandleResource(req, info, *effective, w);
    }
  } catch (const std::exception& e) {
    // Programming errors in a handler must not take the server down; answer 500.
    SendError(w, InternalError(std::string("sandbox internal error: ") + e.what()), nullptr, "");
  }
}

void ApiServer::HandleNonResource(const HttpRequest& req, const RequestInfo& info,
                                  ResponseWriter& w) {
  const std::string& p = info.path;
  if (req.method != "GET" && req.method != "HEAD") {
    SendError(w, UnknownUrl(), nullptr, "");
    return;
  }
  if (p == "/healthz" || p == "/readyz" || p == "/livez" || p.rfind("/healthz/", 0) == 0 ||
      p.rfind("/readyz/", 0) == 0 || p.rfind("/livez/", 0) == 0) {
    w.Send(HttpResponse{200, "text/plain; charset=utf-8", "ok", {{"X-Content-Type-Options", "nosniff"}}});
    return;
  }
  if (p == "/version" || p == "/version/") {
    std::string minor = config_.version_minor;
    w.Send(JsonResponse(200, {{"major", "1"},
                              {"minor", minor},
                              {"gitVersion", "v1." + minor + ".0"},
                              {"gitCommit", "0000000000000000000000000000000000000000"},
                              {"gitTreeState", "clean"},
                              {"buildDate", "2026-01-01T00:00:00Z"},
                              {"goVersion", "go1.22.0"},
                              {"compiler", "gc"},
                              {"platform", "linux/amd64"}}));
    return;
  }
  if (p == "/api" || p == "/api/") {
    w.Send(JsonResponse(200, registry_.ApiVersions(config_.server_address ? config_.server_address() : "")));
    return;
  }
  if (p == "/apis" || p == "/apis/") {
    w.Send(JsonResponse(200, registry_.ApiGroupList()));
    return;
  }
  if (!info.version.empty()) {
    json list = registry_.ApiResourceList(info.group, info.version);
    if (!list.is_null()) {
      w.Send(JsonResponse(200, list));
      return;
    }
  } else if (info.api_prefix == "apis") {
    std::string group = p.substr(6);
    while (!group.empty() && group.back() == '/') group.pop_back();
    json g = registry_.ApiGroup(group);
    if (!g.is_null()) {
      w.Send(JsonResponse(200, g));
      return;
    }
  }
  // /openapi/v2, /openapi/v3 and everything else: 404, kubectl falls back (§0.3).
  w.Send(JsonResponse(404, StatusJson(UnknownUrl(), nullptr, "")));
}

Status ApiServer::CheckNamespaceExists(const std::string& ns) const {
  if (!store_.Get("/v1/namespaces", "", ns)) {
    return ApiErr(StatusCode::kNotFound, "NotFound", 404, "namespaces \"" + ns + "\" not found");
  }
  return OkStatus();
}

void ApiServer::HandleResource(const HttpRequest& req, const RequestInfo& info,
                               const UserInfo& user, ResponseWriter& w) {
  const ResourceType* type = registry_.Find(info.group, info.version, info.resource);
  if (!type || info.parts.size() > 3 ||
      (!info.subresource.empty() && !type->HasSubresource(info.subresource))) {
    SendError(w, UnknownUrl(), nullptr, "");
    return;
  }
  bool is_namespace_type = type->resource == "namespaces";
  // Scope checks: a namespaced resource needs /namespaces/<ns>/ for named requests and creates;
  // a cluster-scoped one must not have it.
  std::string ns = is_namespace_type ? "" : info.ns;
  if (!type->namespaced && !ns.empty()) {
    SendError(w, UnknownUrl(), nullptr, "");
    return;
  }
  if (type->namespaced && ns.empty() && (!info.name.empty() || info.verb == "create")) {
    SendError(w, UnknownUrl(), nullptr, "");
    return;
  }
  if (!type->stored) {
    if (info.verb == "create") {
      HandleReview(req, *type, user, w);
    } else {
      SendError(w, MethodNotAllowed(), type, "");
    }
    return;
  }
  const std::string& verb = info.verb;
  if (verb == "list") return HandleList(req, *type, info, w);
  if (verb == "watch") return HandleWatch(req, *type, info, w);
  if (verb == "deletecollection") return HandleDeleteCollection(req, *type, info, w);
  if (verb == "get") {
    auto obj = Get(*type, ns, info.name);
    if (!obj.ok()) return SendError(w, obj.status(), type, info.name);
    if (WantsTable(req.Header("accept"))) {
      return w.Send(JsonResponse(200, TableFor(req, *type, {*obj},
                                               (*obj)["metadata"].value("resourceVersion", ""), "",
                                               clock_.Now())));
    }
    return w.Send(JsonResponse(200, *obj));
  }
  if (verb == "create") {
    if (!info.name.empty()) return SendError(w, MethodNotAllowed(), type, info.name);
    Status err;
    json body = DecodeBody(req, type, &err);
    if (!err.ok()) return SendError(w, err, type, "");
    if (type->namespaced && body.is_object() && body.contains("metadata") &&
        body["metadata"].is_object() && body["metadata"].contains("namespace") &&
        body["metadata"]["namespace"].is_string() &&
        !body["metadata"]["namespace"].get<std::string>().empty() &&
        body["metadata"]["namespace"].get<std::string>() != ns) {
      return SendError(w, BadRequest("the namespace of the provided object does not match the "
                                     "namespace sent on the request"), type, "");
    }
    std::string name = body.is_object() && body.contains("metadata") && body["metadata"].is_object()
                           ? body["metadata"].value("name", "")
                           : "";
    auto created = Create(*type, ns, std::move(body), user);
    if (!created.ok()) return SendError(w, created.status(), type, name);
    return w.Send(JsonResponse(201, *created));
  }
  if (verb == "update") {
    Status err;
    json body = DecodeBody(req, type, &err);
    if (!err.ok()) return SendError(w, err, type, info.name);
    auto updated = Update(*type, ns, info.name, info.subresource, std::move(body), user);
    if (!updated.ok()) return SendError(w, updated.status(), type, info.name);
    return w.Send(JsonResponse(200, *updated));
  }
  if (verb == "patch") {
    auto patched = Patch(*type, ns, info.name, info.subresource, req.Header("content-type"),
                         req.body, req, user);
    if (!patched.ok()) return SendError(w, patched.status(), type, info.name);
    return w.Send(JsonResponse(200, *patched));
  }
  if (verb == "delete") {
    if (!info.subresource.empty()) return SendError(w, MethodNotAllowed(), type, info.name);
    json options = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (options.is_discarded()) return SendError(w, BadRequest("invalid DeleteOptions body"), type, info.name);
    auto deleted = Delete(*type, ns, info.name, options);
    if (!deleted.ok()) return SendError(w, deleted.status(), type, info.name);
    return w.Send(JsonResponse(200, *deleted));
  }
  SendError(w, MethodNotAllowed(), type, info.name);
}

// ---- REST operations ----

StatusOr<json> ApiServer::Get(const ResourceType& type, const std::string& ns,
                              const std::string& name) {
  auto obj = store_.Get(type.Gvr(), ns, name);
  if (!obj) return NotFound(type, name);
  return *obj;
}

StatusOr<json> ApiServer::Create(const ResourceType& type, const std::string& ns, json obj,
                                 const UserInfo& user, bool keep_csr_requester) {
  if (!obj.is_object()) return BadRequest("the body of the request must be a JSON object");
  if (obj.contains("kind") && obj["kind"].is_string() && obj["kind"] != type.kind) {
    return BadRequest("the kind in the data (" + obj["kind"].get<std::string>() +
                      ") does not match the expected kind (" + type.kind + ")");
  }
  obj["apiVersion"] = type.ApiVersion();
  obj["kind"] = type.kind;
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  json& meta = obj["metadata"];
  if (type.namespaced) {
    meta["namespace"] = ns;
    JG_RETURN_IF_ERROR(CheckNamespaceExists(ns));
  } else {
    meta.erase("namespace");
  }
  std::string name = meta.value("name", "");
  std::string generate = meta.value("generateName", "");
  if (name.empty() && generate.empty()) {
    return Invalid(type, "", "metadata.name: Required value: name or generateName is required");
  }
  if (!name.empty()) {
    std::string problem = NameProblem(name);
    if (!problem.empty()) {
      return Invalid(type, name, "metadata.name: Invalid value: \"" + name + "\": " + problem);
    }
  }
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  meta.erase("managedFields");
  meta["uid"] = RandomUid();
  meta["creationTimestamp"] = NowRfc3339(clock_);
  // Type strategies (PrepareForCreate).
  if (type.resource == "namespaces") {
    obj["spec"]["finalizers"] = {"kubernetes"};
    obj["status"] = {{"phase", "Active"}};
  } else if (type.resource == "secrets") {
    obj = SecretMergeStringData(std::move(obj));
    if (!obj.contains("type")) obj["type"] = "Opaque";
  } else if (type.resource == "deployments") {
    obj["metadata"]["generation"] = 1;
    obj["status"] = json::object();
  } else if (type.resource == "certificatesigningrequests") {
    UserInfo requester = user;
    if (keep_csr_requester && obj.contains("spec") && obj["spec"].is_object() &&
        obj["spec"].contains("username")) {
      const json& spec = obj["spec"];
      requester = UserInfo{};
      requester.name = spec.value("username", "");
      requester.uid = spec.value("uid", "");
      if (spec.contains("groups")) requester.groups = spec["groups"].get<std::vector<std::string>>();
      if (spec.contains("extra")) {
        requester.extra = spec["extra"].get<std::map<std::string, std::vector<std::string>>>();
      }
    }
    std::string shown = name.empty() ? generate : name;
    Status s = logic::PrepareCsrForCreate(obj, requester);
    if (!s.ok()) {
      if (s.http_status() == 0) s.WithReason("Invalid", 422);
      return s;
    }
    if (!requester.extra.empty() && !obj["spec"].contains("extra")) obj["spec"]["extra"] = requester.extra;
  } else if (type.Gvr() == kCrdGvr) {
    DefaultCrd(obj);
    JG_RETURN_IF_ERROR(ValidateCrdOrInvalid(type, obj));
    obj = WithEstablishedStatus(std::move(obj), nullptr, NowRfc3339(clock_));
  } else if (type.custom()) {
    PrepareCustomResourceForCreate(type, obj);
  }
  for (int attempt = 0;; ++attempt) {
    if (!generate.empty() && name.empty()) {
      obj["metadata"]["name"] = generate + RandomNameSuffix();
    } else {
      obj["metadata"]["name"] = name;
    }
    if (type.resource == "namespaces") {
      // Upstream's namespace strategy labels every namespace with its name.
      obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = obj["metadata"]["name"];
    }
    auto created = store_.Create(type.Gvr(), obj);
    if (created.ok()) {
      if (type.Gvr() == kCrdGvr) {
        registry_.SetCustomTypes((*created)["metadata"].value("name", ""), TypesForCrd(*created));
      }
      return created;
    }
    if (created.status().code() == StatusCode::kAlreadyExists) {
      if (!name.empty() || attempt >= 8) {
        return AlreadyExists(type, obj["metadata"]["name"].get<std::string>());
      }
      continue;  // generateName collision: retry with a new suffix
    }
    return created.status();
  }
}

StatusOr<json> ApiServer::ComputeUpdate(const ResourceType& type, const std::string& subresource,
                                        const json& old, json obj, const UserInfo& user,
                                        const logic::RbacObjects& rbac, bool is_patch) {
  const std::string name = old["metadata"].value("name", "");
  if (!obj.is_object()) return BadRequest("the body of the request must be a JSON object");
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  json& meta = obj["metadata"];
  std::string body_name = meta.value("name", "");
  if (!body_name.empty() && body_name != name) {
    return BadRequest("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + name + ")");
  }
  // An update carrying metadata.uid is preconditioned on it (apiserver
  // pkg/registry/rest/update.go defaultUpdatedObjectInfo.Preconditions, checked by the storage
  // before the resourceVersion: pkg/storage/interfaces.go Preconditions.Check → 409). A patch has
  // no precondition; changing the uid there is an immutable-field error (ValidateObjectMetaUpdate).
  const std::string old_uid = old["metadata"].value("uid", "");
  if (meta.contains("uid") && meta["uid"].is_string() && !meta["uid"].get<std::string>().empty() &&
      meta["uid"].get<std::string>() != old_uid) {
    const std::string uid = meta["uid"].get<std::string>();
    if (is_patch) {
      return Invalid(type, name, "metadata.uid: Invalid value: \"" + uid + "\": field is immutable");
    }
    return Conflict(type, name, "Precondition failed: UID in precondition: " + uid +
                                    ", UID in object meta: " + old_uid);
  }
  std::string want_rv = meta.contains("resourceVersion") && meta["resourceVersion"].is_string()
                            ? meta["resourceVersion"].get<std::string>()
                            : "";
  std::string have_rv = old["metadata"].value("resourceVersion", "");
  if (!want_rv.empty() && want_rv != have_rv) return Conflict(type, name, kModified);
  if (want_rv.empty() && !is_patch && type.requires_rv_on_update) {
    return Invalid(type, name,
                   "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
  }
  // Identity fields are kept from the stored object.
  obj["apiVersion"] = type.ApiVersion();
  obj["kind"] = type.kind;
  meta["name"] = name;
  for (const char* f : {"uid", "creationTimestamp", "namespace", "generation"}) {
    if (old["metadata"].contains(f)) {
      meta[f] = old["metadata"][f];
    } else {
      meta.erase(f);
    }
  }
  meta["resourceVersion"] = have_rv;
  meta.erase("managedFields");
  if (type.resource == "secrets") obj = SecretMergeStringData(std::move(obj));

  bool has_status_sub = type.HasSubresource("status");
  if (type.resource == "certificatesigningrequests") {
    // Strategy + validation + admission from the logic module (reference/k8s-api.md §1.3-1.7).
    auto authorize = [&rbac](const logic::RequestAttributes& a) {
      return logic::Authorize(a, rbac).allowed;
    };
    Status s;
    if (subresource.empty()) {
      s = logic::ValidateCsrMainUpdate(old, obj);
    } else if (subresource == "approval") {
      JG_RETURN_IF_ERROR(logic::AdmitCsrApproval(old, user, authorize));
      s = logic::ValidateCsrApprovalUpdate(old, obj, clock_.Now());
    } else if (subresource == "status") {
      s = logic::ValidateCsrStatusUpdate(old, obj, clock_.Now());
      if (s.ok()) s = logic::AdmitCsrStatusUpdate(old, obj, user, authorize);
    }
    if (!s.ok()) {
      if (s.http_status() == 0) s.WithReason("Invalid", 422);
      return s;
    }
    return obj;
  }
  if (type.Gvr() == kCrdGvr && subresource.empty()) {
    DefaultCrd(obj);
    JG_RETURN_IF_ERROR(ValidateCrdOrInvalid(type, obj));
    obj = WithEstablishedStatus(std::move(obj), old.value("status", json::object()),
                                NowRfc3339(clock_));
    return obj;
  }
  if (subresource == "status") {
    // Status strategy: only status changes.
    json out = old;
    if (obj.contains("status")) {
      out["status"] = obj["status"];
    } else {
      out.erase("status");
    }
    return out;
  }
  if (has_status_sub) {
    // Main resource strategy: status changes are ignored.
    if (old.contains("status")) {
      obj["status"] = old["status"];
    } else {
      obj.erase("status");
    }
  }
  if (type.custom()) PrepareCustomResourceForUpdate(type, old, obj);
  if (type.resource == "deployments") {
    json a = old.value("spec", json::object()), b = obj.value("spec", json::object());
    int64_t gen = old["metadata"].value("generation", 1);
    obj["metadata"]["generation"] = a == b ? gen : gen + 1;
  }
  if (type.resource == "namespaces") {
    obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
    obj["spec"] = old.value("spec", json::object());
  }
  return obj;
}

StatusOr<json> ApiServer::Update(const ResourceType& type, const std::string& ns,
                                 const std::string& name, const std::string& subresource,
                                 json obj, const UserInfo& user) {
  if (obj.is_object() && obj.contains("kind") && obj["kind"].is_string() && obj["kind"] != type.kind) {
    return BadRequest("the kind in the data (" + obj["kind"].get<std::string>() +
                      ") does not match the expected kind (" + type.kind + ")");
  }
  if (type.namespaced && obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()) {
    std::string body_ns = obj["metadata"].value("namespace", "");
    if (!body_ns.empty() && body_ns != ns) {
      return BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
  }
  auto rbac = Rbac();
  auto result = store_.Update(type.Gvr(), ns, name, [&](const json& old) {
    return ComputeUpdate(type, subresource, old, obj, user, *rbac, false);
  });
  if (!result.ok() && result.status().code() == StatusCode::kNotFound &&
      result.status().http_status() == 0) {
    return NotFound(type, name);
  }
  if (result.ok() && type.Gvr() == kCrdGvr) registry_.SetCustomTypes(name, TypesForCrd(*result));
  return result;
}

StatusOr<json> ApiServer::Patch(const ResourceType& type, const std::string& ns,
                                const std::string& name, const std::string& subresource,
                                const std::string& content_type, const std::string& body,
                                const HttpRequest& req, const UserInfo& user) {
  std::string media = MediaType(content_type);
  json patch = json::parse(body, nullptr, false);
  if (patch.is_discarded()) return BadRequest("error decoding patch: invalid JSON");
  if (media == "application/apply-patch+yaml") {
    if (req.Query("fieldManager").empty()) {
      return ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
                    "required for apply patch");
    }
    if (!store_.Get(type.Gvr(), ns, name)) {
      if (!subresource.empty()) return NotFound(type, name);
      if (patch.is_object()) patch["metadata"]["name"] = name;
      return Create(type, ns, patch, user);
    }
    media = "application/merge-patch+json";
  }
  if (media != "application/merge-patch+json" && media != "application/json-patch+json" &&
      media != "application/strategic-merge-patch+json") {
    return ApiErr(StatusCode::kInvalidArgument, "UnsupportedMediaType", 415,
                  "the body of the request was in an unknown format - accepted media types include: "
                  "application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml, application/strategic-merge-patch+json");
  }
  auto rbac = Rbac();
  auto result = store_.Update(type.Gvr(), ns, name, [&](const json& old) -> StatusOr<json> {
    json patched;
    if (media == "application/merge-patch+json") {
      patched = ApplyMergePatch(old, patch);
    } else if (media == "application/json-patch+json") {
      auto r = ApplyJsonPatch(old, patch);
      if (!r.ok()) {
        return ApiErr(StatusCode::kInvalidArgument, "Invalid", 422, r.status().message());
      }
      patched = *std::move(r);
    } else {
      auto r = ApplyStrategicMergePatch(old, patch);
      if (!r.ok()) {
        return ApiErr(StatusCode::kInvalidArgument, "Invalid", 422, r.status().message());
      }
      patched = *std::move(r);
    }
    // A patch is unconditional unless it carries metadata.resourceVersion itself.
    bool patch_has_rv = false;
    if (patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object() &&
        patch["metadata"].contains("resourceVersion")) {
      patch_has_rv = true;
    }
    if (!patch_has_rv && patched.is_object() && patched.contains("metadata") &&
        patched["metadata"].is_object()) {
      patched["metadata"]["resourceVersion"] = old["metadata"].value("resourceVersion", "");
    }
    return ComputeUpdate(type, subresource, old, std::move(patched), user, *rbac, true);
  });
  if (!result.ok() && result.status().code() == StatusCode::kNotFound &&
      result.status().http_status() == 0) {
    return NotFound(type, name);
  }
  if (result.ok() && type.Gvr() == kCrdGvr) registry_.SetCustomTypes(name, TypesForCrd(*result));
  return result;
}

StatusOr<json> ApiServer::Delete(const ResourceType& type, const std::string& ns,
                                 const std::string& name, const json& options) {
  std::string want_uid, want_rv;
  if (options.is_object() && options.contains("preconditions") && options["preconditions"].is_object()) {
    want_uid = options["preconditions"].value("uid", "");
    want_rv = options["preconditions"].value("resourceVersion", "");
  }
  auto deleted = store_.Delete(type.Gvr(), ns, name, [&](const json& cur) -> Status {
    std::string uid = cur["metadata"].value("uid", "");
    std::string rv = cur["metadata"].value("resourceVersion", "");
    if (!want_uid.empty() && want_uid != uid) {
      return Conflict(type, name, "Precondition failed: UID in precondition: " + want_uid +
                                      ", UID in object meta: " + uid);
    }
    if (!want_rv.empty() && want_rv != rv) {
      return Conflict(type, name, "Precondition failed: ResourceVersion in precondition: " +
                                      want_rv + ", ResourceVersion in object meta: " + rv);
    }
    return OkStatus();
  });
  if (!deleted.ok()) {
    if (deleted.status().code() == StatusCode::kNotFound && deleted.status().http_status() == 0) {
      return NotFound(type, name);
    }
    return deleted.status();
  }
  if (type.resource == "namespaces") {
    // Namespace deletion is immediate here (no finalizer phase): remove its contents.
    for (const ResourceType* t : registry_.All()) {
      if (!t->namespaced || !t->stored) continue;
      for (const auto& obj : store_.List(t->Gvr(), name).items) {
        store_.Delete(t->Gvr(), name, obj["metadata"].value("name", "")).status().IgnoreError();
      }
    }
    json out = *deleted;
    out["metadata"]["deletionTimestamp"] = NowRfc3339(clock_);
    out["status"]["phase"] = "Terminating";
    return out;
  }
  if (type.Gvr() == kCrdGvr) {
    // Deleting a CRD deletes its custom objects (upstream's customresourcecleanup finalizer);
    // here immediately, after the types stop being served.
    for (const ResourceType* t : registry_.SetCustomTypes(name, {})) DeleteAllOf(t->Gvr());
  }
  // The generic registry answers Status Success unless ReturnDeletedObject
  // (apiserver pkg/registry/generic/registry/store.go finalizeDelete).
  json details = {{"name", name}, {"kind", type.resource},
                  {"uid", (*deleted)["metadata"].value("uid", "")}};
  if (!type.group.empty()) details["group"] = type.group;
  return json{{"kind", "Status"},   {"apiVersion", "v1"}, {"metadata", json::object()},
              {"status", "Success"}, {"details", details}};
}

void ApiServer::DeleteAllOf(const std::string& gvr) {
  for (const auto& obj : store_.List(gvr, "").items) {
    store_.Delete(gvr, obj["metadata"].value("namespace", ""), obj["metadata"].value("name", ""))
        .status()
        .IgnoreError();
  }
}

void ApiServer::RegisterStoredCustomResources() {
  for (const auto& crd : store_.List(kCrdGvr, "").items) {
    if (!ValidateCrd(crd).empty()) continue;
    registry_.SetCustomTypes(crd["metadata"].value("name", ""), TypesForCrd(crd));
  }
}

Status ApiServer::ValidateCrdOrInvalid(const ResourceType& type, const json& crd) const {
  std::vector<std::string> errors = ValidateCrd(crd);
  if (errors.empty()) return OkStatus();
  std::string joined = errors.size() == 1 ? errors[0] : "[";
  if (errors.size() > 1) {
    for (size_t i = 0; i < errors.size(); ++i) joined += (i ? ", " : "") + errors[i];
    joined += "]";
  }
  return Invalid(type, crd["metadata"].value("name", ""), joined);
}

// ---- list / watch / deletecollection ----

namespace {

struct Selectors {
  LabelSelector labels;
  FieldSelector fields;
};

StatusOr<Selectors> ParseSelectors(const HttpRequest& req, const ResourceType& type) {
  auto labels = LabelSelector::Parse(req.Query("labelSelector"));
  if (!labels.ok()) return BadRequest(labels.status().message());
  auto fields = FieldSelector::Parse(req.Query("fieldSelector"), type.extra_field_labels);
  if (!fields.ok()) return BadRequest(fields.status().message());
  return Selectors{*std::move(labels), *std::move(fields)};
}

bool Matches(const Selectors& s, const json& obj) {
  return s.labels.Matches(obj) && s.fields.Matches(obj);
}

}  // namespace

void ApiServer::HandleList(const HttpRequest& req, const ResourceType& type,
                           const RequestInfo& info, ResponseWriter& w) {
  auto sel = ParseSelectors(req, type);
  if (!sel.ok()) return SendError(w, sel.status(), &type, "");
  std::string ns = type.resource == "namespaces" ? "" : info.ns;
  int64_t limit = 0;
  if (req.HasQuery("limit")) limit = std::max<int64_t>(0, ParseResourceVersion(req.Query("limit")));
  std::string start_key;
  int64_t list_rv = -1;
  if (!req.Query("continue").empty()) {
    if (!DecodeContinue(req.Query("continue"), &list_rv, &start_key)) {
      return SendError(w, BadRequest("continue key is not valid: invalid continue token"), &type, "");
    }
  }
  std::string rv_match = req.Query("resourceVersionMatch");
  if (!rv_match.empty() && rv_match != "Exact" && rv_match != "NotOlderThan") {
    return SendError(w, ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                               "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: "
                               "Unsupported value: \"" + rv_match + "\""), &type, "");
  }
  Store::ListResult all = store_.List(type.Gvr(), ns, start_key);
  if (list_rv < 0) list_rv = all.rv;
  json items = json::array();
  std::string last_key;
  size_t matched_after = 0;
  bool more = false;
  for (const auto& obj : all.items) {
    if (!Matches(*sel, obj)) continue;
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
      more = true;
      ++matched_after;
      continue;
    }
    items.push_back(obj);
    last_key = ObjectKey(obj);
  }
  json meta = {{"resourceVersion", std::to_string(list_rv)}};
  if (more) {
    meta["continue"] = EncodeContinue(list_rv, last_key);
    if (req.Query("labelSelector").empty() && req.Query("fieldSelector").empty()) {
      meta["remainingItemCount"] = matched_after;
    }
  }
  if (WantsTable(req.Header("accept"))) {
    return w.Send(JsonResponse(200, TableFor(req, type, items.get<std::vector<json>>(),
                                             meta["resourceVersion"].get<std::string>(),
                                             meta.value("continue", ""),
                                             clock_.Now())));
  }
  w.Send(JsonResponse(200, {{"kind", ListKind(type)},
                            {"apiVersion", type.ApiVersion()},
                            {"metadata", meta},
                            {"items", items}}));
}

void ApiServer::HandleDeleteCollection(const HttpRequest& req, const ResourceType& type,
                                       const RequestInfo& info, ResponseWriter& w) {
  auto sel = ParseSelectors(req, type);
  if (!sel.ok()) return SendError(w, sel.status(), &type, "");
  std::string ns = type.resource == "namespaces" ? "" : info.ns;
  json items = json::array();
  for (const auto& obj : store_.List(type.Gvr(), ns).items) {
    if (!Matches(*sel, obj)) continue;
    auto deleted = store_.Delete(type.Gvr(), obj["metadata"].value("namespace", ""),
                                 obj["metadata"].value("name", ""));
    if (deleted.ok()) items.push_back(*deleted);
  }
  w.Send(JsonResponse(200, {{"kind", ListKind(type)},
                            {"apiVersion", type.ApiVersion()},
                            {"metadata", {{"resourceVersion", std::to_string(store_.rv())}}},
                            {"items", items}}));
}

void ApiServer::HandleWatch(const HttpRequest& req, const ResourceType& type,
                            const RequestInfo& info, ResponseWriter& w) {
  auto sel = ParseSelectors(req, type);
  if (!sel.ok()) return SendError(w, sel.status(), &type, "");
  if (IsTrue(req.Query("sendInitialEvents"))) {
    // Watch-list streaming is not implemented: refuse it so clients fall back to list+watch
    // (reference/k8s-api.md §2.1), never silently ignore it.
    return SendError(w, ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                               "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: "
                               "Forbidden: sendInitialEvents is not supported by this server"),
                     &type, "");
  }
  if (!req.Query("resourceVersionMatch").empty()) {
    return SendError(w, ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                               "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: "
                               "Forbidden: resourceVersionMatch is forbidden for watch unless "
                               "sendInitialEvents is provided"),
                     &type, "");
  }
  std::string ns = type.resource == "namespaces" ? "" : info.ns;
  std::string only_name = info.name;
  std::string rv_text = req.Query("resourceVersion");
  int64_t from_rv = -1;
  bool initial = rv_text.empty() || rv_text == "0";
  if (!initial) {
    from_rv = ParseResourceVersion(rv_text);
    if (from_rv < 0) {
      return SendError(w, BadRequest("resourceVersion: Invalid value: \"" + rv_text +
                                     "\": must be a non-negative integer"), &type, "");
    }
  }
  std::chrono::seconds timeout(0);
  if (req.HasQuery("timeoutSeconds")) {
    timeout = std::chrono::seconds(std::max<int64_t>(0, ParseResourceVersion(req.Query("timeoutSeconds"))));
  }
  if (timeout.count() <= 0) {
    std::lock_guard<std::mutex> lock(mu_);
    timeout = std::chrono::seconds(1800 + static_cast<int64_t>(rng_() % 1800));
  }
  bool bookmarks = IsTrue(req.Query("allowWatchBookmarks"));
  const bool table = WantsTable(req.Header("accept"));
  const std::string gvr = type.Gvr();
  auto error_event = [&](const Status& s) { WriteWatchError(w, s); };
  int64_t start_rv = store_.rv();
  if (faults_.TakeForcedGone()) {
    error_event(ApiErr(StatusCode::kOutOfRange, "Expired", 410,
                       "too old resource version: " + std::to_string(std::max<int64_t>(from_rv, 0)) +
                           " (" + std::to_string(start_rv) + ")"));
    return;
  }
  auto sub = store_.Subscribe(
      [gvr, ns](const StoreEvent& e) { return e.gvr == gvr && (ns.empty() || e.ns == ns); },
      initial ? -1 : from_rv, initial ? gvr : "", ns);
  if (!sub.ok()) {
    error_event(ApiErr(StatusCode::kOutOfRange, "Expired", 410, sub.status().message()));
    return;
  }
  if (!w.BeginStream(200, "application/json")) {
    store_.Unsubscribe(*sub);
    return;
  }
  int64_t last_rv = initial ? start_rv : std::max(from_rv, int64_t{0});
  auto matches = [&](const json& obj) {
    if (obj.is_null()) return false;
    if (!only_name.empty() && obj["metadata"].value("name", "") != only_name) return false;
    return Matches(*sel, obj);
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto next_bookmark = std::chrono::steady_clock::now() + config_.bookmark_interval;
  // The watch cache also bookmarks ~2 s before the deadline so the client resumes from a fresh
  // resourceVersion (apiserver cache_watcher.go nextBookmarkTime).
  if (timeout > std::chrono::seconds(4)) {
    next_bookmark = std::min(next_bookmark, deadline - std::chrono::seconds(2));
  }
  int sent = 0;
  const int close_after = faults_.close_watches_after();
  bool open = true;
  while (open) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto wake = std::min(deadline, now + std::chrono::seconds(1));
    if (bookmarks) wake = std::min(wake, next_bookmark);
    StoreEvent e;
    auto r = (*sub)->Next(&e, wake);
    if (r == Subscription::Result::kClosed) break;
    if (r == Subscription::Result::kEvent) {
      last_rv = std::max(last_rv, e.rv);
      std::string out_type;
      if (e.type == "ADDED") {
        if (matches(e.object)) out_type = "ADDED";
      } else if (e.type == "MODIFIED") {
        bool now_m = matches(e.object), old_m = matches(e.old_object);
        if (now_m && old_m) out_type = "MODIFIED";
        else if (now_m) out_type = "ADDED";
        else if (old_m) out_type = "DELETED";
      } else if (e.type == "DELETED") {
        if (matches(e.old_object)) out_type = "DELETED";
      }
      if (!out_type.empty()) {
        json ev = {{"type", out_type}, {"object", e.object}};
        if (table) {
          ev["object"] = TableFor(req, type, {e.object},
                                  e.object["metadata"].value("resourceVersion", ""), "", clock_.Now());
        }
        if (!w.WriteChunk(ev.dump() + "\n")) break;
        ++sent;
        if (close_after > 0 && sent >= close_after) break;
      }
      continue;
    }
    now = std::chrono::steady_clock::now();
    if (bookmarks && now >= next_bookmark) {
      json bm = {{"type", "BOOKMARK"},
                 {"object",
                  {{"kind", type.kind},
                   {"apiVersion", type.ApiVersion()},
                   {"metadata", {{"resourceVersion", std::to_string(last_rv)}, {"creationTimestamp", nullptr}}}}}};
      if (!w.WriteChunk(bm.dump() + "\n")) break;
      next_bookmark = now + config_.bookmark_interval;
      if (deadline - now > std::chrono::seconds(2)) {
        next_bookmark = std::min(next_bookmark, deadline - std::chrono::seconds(2));
      }
    }
    if (w.PeerClosed()) open = false;
  }
  store_.Unsubscribe(*sub);
  w.EndStream();
}

// ---- SubjectAccessReview / SelfSubjectAccessReview (§5.1) ----

void ApiServer::HandleReview(const HttpRequest& req, const ResourceType& type,
                             const UserInfo& user, ResponseWriter& w) {
  Status err;
  json body = DecodeBody(req, &type, &err);
  if (!err.ok()) return SendError(w, err, &type, "");
  if (type.resource == "selfsubjectreviews") {
    // The answer is the requester's own identity (pkg/registry/authentication/selfsubjectreview).
    json user_info = {{"username", user.name}, {"groups", user.groups}};
    if (!user.uid.empty()) user_info["uid"] = user.uid;
    if (!user.extra.empty()) user_info["extra"] = user.extra;
    json out = {{"apiVersion", type.ApiVersion()},
                {"kind", type.kind},
                {"metadata", {{"creationTimestamp", nullptr}}},
                {"status", {{"userInfo", user_info}}}};
    return w.Send(JsonResponse(201, out));
  }
  if (!body.is_object() || !body.contains("spec") || !body["spec"].is_object()) {
    return SendError(w, Invalid(type, "", "spec: Required value"), &type, "");
  }
  const json& spec = body["spec"];
  bool has_res = spec.contains("resourceAttributes") && spec["resourceAttributes"].is_object();
  bool has_nonres = spec.contains("nonResourceAttributes") && spec["nonResourceAttributes"].is_object();
  std::vector<std::string> errors;
  if (has_res == has_nonres) {
    errors.push_back("spec.resourceAttributes: Invalid value: \"null\": exactly one of "
                     "nonResourceAttributes or resourceAttributes must be specified");
  }
  logic::RequestAttributes attrs;
  if (type.resource == "subjectaccessreviews") {
    attrs.user.name = spec.value("user", "");
    attrs.user.uid = spec.value("uid", "");
    if (spec.contains("groups") && spec["groups"].is_array()) {
      attrs.user.groups = spec["groups"].get<std::vector<std::string>>();
    }
    if (spec.contains("extra") && spec["extra"].is_object()) {
      attrs.user.extra = spec["extra"].get<std::map<std::string, std::vector<std::string>>>();
    }
    if (attrs.user.name.empty() && attrs.user.groups.empty()) {
      errors.push_back("spec.user: Invalid value: \"\": at least one of user or group must be specified");
    }
  } else {
    attrs.user = user;
  }
  if (body.contains("metadata") && body["metadata"].is_object() && !body["metadata"].empty()) {
    json m = body["metadata"];
    m.erase("creationTimestamp");
    if (!m.empty()) errors.push_back("metadata: Invalid value: " + m.dump() + ": must be empty");
  }
  if (!errors.empty()) {
    std::string joined = errors.size() == 1 ? errors[0] : "[";
    if (errors.size() > 1) {
      for (size_t i = 0; i < errors.size(); ++i) joined += (i ? ", " : "") + errors[i];
      joined += "]";
    }
    return SendError(w, Invalid(type, "", joined), &type, "");
  }
  if (has_res) {
    const json& ra = spec["resourceAttributes"];
    attrs.resource_request = true;
    attrs.verb = ra.value("verb", "");
    attrs.api_group = ra.value("group", "");
    attrs.resource = ra.value("resource", "");
    attrs.subresource = ra.value("subresource", "");
    attrs.name = ra.value("name", "");
    attrs.ns = ra.value("namespace", "");
  } else {
    const json& na = spec["nonResourceAttributes"];
    attrs.resource_request = false;
    attrs.verb = na.value("verb", "");
    attrs.path = na.value("path", "");
  }
  logic::AuthzDecision d = Authorize(attrs);
  json out = body;
  out["apiVersion"] = type.ApiVersion();
  out["kind"] = type.kind;
  out["metadata"] = {{"creationTimestamp", nullptr}};
  out["status"] = {{"allowed", d.allowed}};
  if (!d.reason.empty()) out["status"]["reason"] = d.reason;
  w.Send(JsonResponse(201, out));
}

}  // namespace joinguard::sandbox
