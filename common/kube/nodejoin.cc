#include "common/kube/nodejoin.h"

#include "common/kube/codec_internal.h"

namespace joinguard::kube {
namespace {

using namespace codec;  // NOLINT: the codec's own field helpers

constexpr FieldSpec<NodeJoinSpec> kSpecFields[] = {
    {"nodeName", &NodeJoinSpec::node_name},  {"tokenID", &NodeJoinSpec::token_id},
    {"requester", &NodeJoinSpec::requester}, {"csrName", &NodeJoinSpec::csr_name},
    {"csrUID", &NodeJoinSpec::csr_uid},      {"grant", &NodeJoinSpec::grant},
};
constexpr FieldSpec<NodeJoinStatus> kStatusFields[] = {
    {"phase", &NodeJoinStatus::phase},
    {"approvedAt", &NodeJoinStatus::approved_at},
};

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
  j["spec"] = FieldsToJson(kSpecFields, o.spec);
  Json status = FieldsToJson(kStatusFields, o.status);
  if (status.empty()) {
    j.erase("status");
  } else {
    j["status"] = std::move(status);
  }
  return j;
}

Status FromJson(const Json& j, NodeJoin* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "NodeJoin", out));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(RequireObject(spec, "field spec"));
  JG_RETURN_IF_ERROR(GetFields(spec, kSpecFields, &out->spec, "spec"));
  const Json& status = Sub(j, "status");
  JG_RETURN_IF_ERROR(RequireObject(status, "field status"));
  JG_RETURN_IF_ERROR(GetFields(status, kStatusFields, &out->status, "status"));
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
