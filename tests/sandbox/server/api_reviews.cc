// SubjectAccessReview, SelfSubjectAccessReview and SelfSubjectReview (create-only, never
// stored; k8s pkg/registry/authorization, pkg/registry/authentication/selfsubjectreview).
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

// ---- SubjectAccessReview / SelfSubjectAccessReview (k8s pkg/apis/authorization/validation/validation.go)
// ----

void ApiServer::HandleReview(const HttpRequest& req, const ResourceType& type, const UserInfo& user,
                             ResponseWriter& w) {
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
    errors.push_back(
        "spec.resourceAttributes: Invalid value: \"null\": exactly one of "
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
