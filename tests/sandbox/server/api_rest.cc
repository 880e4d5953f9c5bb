// REST operations on stored objects: get, create (with the type strategies), update, patch,
// delete (apiserver pkg/registry/generic/registry/store.go), and the CRD hooks.
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

// ---- REST operations ----

StatusOr<ObjectRef> ApiServer::Get(const ResourceType& type, const std::string& ns, const std::string& name) {
  ObjectRef obj = store_.GetRef(type.Gvr(), ns, name);
  if (!obj) return NotFound(type, name);
  return obj;
}

StatusOr<ObjectRef> ApiServer::Create(const ResourceType& type, const std::string& ns, json obj,
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
  std::shared_ptr<const crypto::ParsedCsr> csr_parse;  // a CSR's request, as validation parsed it
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
    Status s = logic::PrepareCsrForCreate(obj, requester, &csr_parse);
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
      const std::string signer = csr_parse ? obj["spec"].value("signerName", "") : "";
      if (signer == logic::kKubeletClientSigner || signer == logic::kKubeletServingSigner) {
        csr_parses_.Put(obj["spec"]["request"].get_ref<const std::string&>(), std::move(csr_parse));
      }
      if (type.Gvr() == kCrdGvr) {
        json crd = (*created)->Parse();
        registry_.SetCustomTypes(crd["metadata"].value("name", ""), TypesForCrd(crd));
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

StatusOr<ObjectRef> ApiServer::Update(const ResourceType& type, const std::string& ns,
                                      const std::string& name, const std::string& subresource, json obj,
                                      const UserInfo& user) {
  if (obj.is_object() && obj.contains("kind") && obj["kind"].is_string() && obj["kind"] != type.kind) {
    return BadRequest("the kind in the data (" + obj["kind"].get<std::string>() +
                      ") does not match the expected kind (" + type.kind + ")");
  }
  if (type.namespaced && obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object()) {
    std::string body_ns = obj["metadata"].value("namespace", "");
    if (!body_ns.empty() && body_ns != ns) {
      return BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
  }
  auto rbac = Rbac();
  auto result = store_.Update(type.Gvr(), ns, name, [&](const json& old) {
    return ComputeUpdate(type, subresource, old, obj, user, *rbac, false);
  });
  if (!result.ok() && result.status().code() == StatusCode::kNotFound && result.status().http_status() == 0) {
    return NotFound(type, name);
  }
  if (result.ok() && type.Gvr() == kCrdGvr) registry_.SetCustomTypes(name, TypesForCrd((*result)->Parse()));
  return result;
}

StatusOr<ObjectRef> ApiServer::Patch(const ResourceType& type, const std::string& ns, const std::string& name,
                                     const std::string& subresource, const std::string& content_type,
                                     const std::string& body, const HttpRequest& req, const UserInfo& user) {
  std::string media = MediaType(content_type);
  json patch = json::parse(body, nullptr, false);
  if (patch.is_discarded()) return BadRequest("error decoding patch: invalid JSON");
  if (media == "application/apply-patch+yaml") {
    if (req.Query("fieldManager").empty()) {
      return ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
                    "required for apply patch");
    }
    if (!store_.Contains(type.Gvr(), ns, name)) {
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
  if (!result.ok() && result.status().code() == StatusCode::kNotFound && result.status().http_status() == 0) {
    return NotFound(type, name);
  }
  if (result.ok() && type.Gvr() == kCrdGvr) registry_.SetCustomTypes(name, TypesForCrd((*result)->Parse()));
  return result;
}

StatusOr<json> ApiServer::Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                                 const json& options) {
  std::string want_uid, want_rv, deleted_uid;
  if (options.is_object() && options.contains("preconditions") && options["preconditions"].is_object()) {
    want_uid = options["preconditions"].value("uid", "");
    want_rv = options["preconditions"].value("resourceVersion", "");
  }
  auto deleted = store_.Delete(type.Gvr(), ns, name, [&](const json& cur) -> Status {
    std::string uid = cur["metadata"].value("uid", "");
    std::string rv = cur["metadata"].value("resourceVersion", "");
    deleted_uid = uid;
    if (!want_uid.empty() && want_uid != uid) {
      return Conflict(
          type, name,
          "Precondition failed: UID in precondition: " + want_uid + ", UID in object meta: " + uid);
    }
    if (!want_rv.empty() && want_rv != rv) {
      return Conflict(type, name,
                      "Precondition failed: ResourceVersion in precondition: " + want_rv +
                          ", ResourceVersion in object meta: " + rv);
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
    json out = (*deleted)->Parse();
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
  json details = {{"name", name}, {"kind", type.resource}, {"uid", deleted_uid}};
  if (!type.group.empty()) details["group"] = type.group;
  return json{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", json::object()},
              {"status", "Success"},
              {"details", details}};
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

}  // namespace joinguard::sandbox
