// The ApiServer entry point: fault injection, authentication, RBAC, routing to the handlers.
#include "tests/sandbox/server/api_server.h"
#include "tests/sandbox/server/api_helpers.h"

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

using logic::UserInfo;
using nlohmann::json;
using namespace api_internal;

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
      "rbac.authorization.k8s.io/v1/rolebindings", "rbac.authorization.k8s.io/v1/clusterrolebindings"};
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
    WriteWatchError(w,
                    ApiErr(StatusCode::kOutOfRange, "Expired", 410,
                           "too old resource version: injected fault (" + std::to_string(store_.rv()) + ")"));
    return true;
  }
  Status s = ApiErr(CodeForHttp(d->status), ReasonForCode(d->status), d->status,
                    "injected fault: " + std::to_string(d->status) + " for " + req.method + " " + req.path);
  HttpResponse r = JsonResponse(d->status, StatusJson(s, nullptr, ""));
  if (d->status == 429 || d->status == 503) {
    r.headers.emplace_back("Retry-After", std::to_string(d->retry_after_seconds));
  }
  w.Send(r);
  return true;
}

// ---- Entry point ----

void ApiServer::Handle(const HttpRequest& req, ResponseWriter& w) {
  try {
    if (HandleAdminRequest(config_.admin_token, faults_, config_.connection_stats, req, w)) return;
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

Status ApiServer::CheckNamespaceExists(const std::string& ns) const {
  if (!store_.Contains("/v1/namespaces", "", ns)) {
    return ApiErr(StatusCode::kNotFound, "NotFound", 404, "namespaces \"" + ns + "\" not found");
  }
  return OkStatus();
}

void ApiServer::HandleResource(const HttpRequest& req, const RequestInfo& info, const UserInfo& user,
                               ResponseWriter& w) {
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
      json parsed = (*obj)->Parse();
      return w.Send(
          JsonResponse(200, TableFor(req, *type, {parsed}, std::to_string((*obj)->rv), "", clock_.Now())));
    }
    return w.Send(ObjectResponse(200, **obj));
  }
  if (verb == "create") {
    if (!info.name.empty()) return SendError(w, MethodNotAllowed(), type, info.name);
    Status err;
    json body = DecodeBody(req, type, &err);
    if (!err.ok()) return SendError(w, err, type, "");
    if (type->namespaced && body.is_object() && body.contains("metadata") && body["metadata"].is_object() &&
        body["metadata"].contains("namespace") && body["metadata"]["namespace"].is_string() &&
        !body["metadata"]["namespace"].get<std::string>().empty() &&
        body["metadata"]["namespace"].get<std::string>() != ns) {
      return SendError(w,
                       BadRequest("the namespace of the provided object does not match the "
                                  "namespace sent on the request"),
                       type, "");
    }
    std::string name = body.is_object() && body.contains("metadata") && body["metadata"].is_object()
                           ? body["metadata"].value("name", "")
                           : "";
    auto created = Create(*type, ns, std::move(body), user);
    if (!created.ok()) return SendError(w, created.status(), type, name);
    return w.Send(ObjectResponse(201, **created));
  }
  if (verb == "update") {
    Status err;
    json body = DecodeBody(req, type, &err);
    if (!err.ok()) return SendError(w, err, type, info.name);
    auto updated = Update(*type, ns, info.name, info.subresource, std::move(body), user);
    if (!updated.ok()) return SendError(w, updated.status(), type, info.name);
    return w.Send(ObjectResponse(200, **updated));
  }
  if (verb == "patch") {
    auto patched =
        Patch(*type, ns, info.name, info.subresource, req.Header("content-type"), req.body, req, user);
    if (!patched.ok()) return SendError(w, patched.status(), type, info.name);
    return w.Send(ObjectResponse(200, **patched));
  }
  if (verb == "delete") {
    if (!info.subresource.empty()) return SendError(w, MethodNotAllowed(), type, info.name);
    json options = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (options.is_discarded())
      return SendError(w, BadRequest("invalid DeleteOptions body"), type, info.name);
    auto deleted = Delete(*type, ns, info.name, options);
    if (!deleted.ok()) return SendError(w, deleted.status(), type, info.name);
    return w.Send(JsonResponse(200, *deleted));
  }
  SendError(w, MethodNotAllowed(), type, info.name);
}

}  // namespace joinguard::sandbox
