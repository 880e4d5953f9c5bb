// The update strategy shared by PUT and PATCH: preconditions, resourceVersion, identity
// fields, status subresource rules, CSR validation/admission, CRD and custom-resource strategies.
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

StatusOr<json> ApiServer::ComputeUpdate(const ResourceType& type, const std::string& subresource,
                                        const json& old, json obj, const UserInfo& user,
                                        const logic::RbacObjects& rbac, bool is_patch) {
  const std::string name = old["metadata"].value("name", "");
  if (!obj.is_object()) return BadRequest("the body of the request must be a JSON object");
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  json& meta = obj["metadata"];
  std::string body_name = meta.value("name", "");
  if (!body_name.empty() && body_name != name) {
    return BadRequest("the name of the object (" + body_name + ") does not match the name on the URL (" +
                      name + ")");
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
    return Conflict(type, name,
                    "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + old_uid);
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
    // Strategy + validation + admission from the logic module (k8s
    // pkg/registry/certificates/certificates/strategy.go).
    auto authorize = [&rbac](const logic::RequestAttributes& a) { return logic::Authorize(a, rbac).allowed; };
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
    obj = WithEstablishedStatus(std::move(obj), old.value("status", json::object()), NowRfc3339(clock_));
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

}  // namespace joinguard::sandbox
