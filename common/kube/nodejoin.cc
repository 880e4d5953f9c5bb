#include "common/kube/nodejoin.h"

namespace joinguard::kube {
namespace {

Status ReadString(const Json& obj, const char* key, std::string* out, std::string_view path) {
  if (!obj.is_object()) return OkStatus();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return OkStatus();
  if (!it->is_string()) {
    return InvalidArgumentError("field " + std::string(path) + "." + key + ": expected a string");
  }
  *out = it->get<std::string>();
  return OkStatus();
}

const Json& Section(const Json& obj, const char* key) {
  static const Json* const kNull = new Json();
  if (!obj.is_object()) return *kNull;
  auto it = obj.find(key);
  return it == obj.end() ? *kNull : *it;
}

void Put(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

}  // namespace

Json ToJson(const NodeJoin& o) {
  Json j = o.raw.is_object() ? o.raw : Json::object();
  j["apiVersion"] = NodeJoin::kResource.ApiVersion();
  j["kind"] = std::string(NodeJoin::kResource.kind);
  // Metadata through the core codec (keeps its field handling in one place).
  Json meta = ToJson(o.metadata);
  if (j.contains("metadata") && j["metadata"].is_object()) {
    for (const char* k : {"managedFields", "generation"}) {
      if (j["metadata"].contains(k)) meta[k] = j["metadata"][k];
    }
  }
  j["metadata"] = std::move(meta);
  Json spec = Json::object();
  Put(spec, "nodeName", o.spec.node_name);
  Put(spec, "tokenID", o.spec.token_id);
  Put(spec, "requester", o.spec.requester);
  Put(spec, "csrName", o.spec.csr_name);
  Put(spec, "csrUID", o.spec.csr_uid);
  Put(spec, "grant", o.spec.grant);
  j["spec"] = std::move(spec);
  Json status = Json::object();
  Put(status, "phase", o.status.phase);
  if (o.status.approved_at) status["approvedAt"] = FormatTime(*o.status.approved_at);
  if (status.empty()) {
    j.erase("status");
  } else {
    j["status"] = std::move(status);
  }
  return j;
}

Status FromJson(const Json& j, NodeJoin* out) {
  *out = NodeJoin{};
  if (!j.is_object()) return InvalidArgumentError("NodeJoin: expected a JSON object");
  JG_RETURN_IF_ERROR(FromJson(Section(j, "metadata"), &out->metadata));
  const Json& spec = Section(j, "spec");
  if (!spec.is_null() && !spec.is_object()) return InvalidArgumentError("field spec: expected an object");
  JG_RETURN_IF_ERROR(ReadString(spec, "nodeName", &out->spec.node_name, "spec"));
  JG_RETURN_IF_ERROR(ReadString(spec, "tokenID", &out->spec.token_id, "spec"));
  JG_RETURN_IF_ERROR(ReadString(spec, "requester", &out->spec.requester, "spec"));
  JG_RETURN_IF_ERROR(ReadString(spec, "csrName", &out->spec.csr_name, "spec"));
  JG_RETURN_IF_ERROR(ReadString(spec, "csrUID", &out->spec.csr_uid, "spec"));
  JG_RETURN_IF_ERROR(ReadString(spec, "grant", &out->spec.grant, "spec"));
  const Json& status = Section(j, "status");
  if (!status.is_null() && !status.is_object())
    return InvalidArgumentError("field status: expected an object");
  JG_RETURN_IF_ERROR(ReadString(status, "phase", &out->status.phase, "status"));
  std::string approved_at;
  JG_RETURN_IF_ERROR(ReadString(status, "approvedAt", &approved_at, "status"));
  if (!approved_at.empty()) {
    StatusOr<Time> t = ParseTime(approved_at);
    if (!t.ok()) return t.status().Annotate("field status.approvedAt");
    out->status.approved_at = *t;
  }
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
