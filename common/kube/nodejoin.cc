#include "common/kube/nodejoin.h"

#include <algorithm>
#include <iterator>

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

// Metadata fields the codec does not decode but a write must send back as read.
constexpr const char* kRawMetadataKept[] = {"managedFields", "generation"};
// Top-level fields ToJson rebuilds from the decoded object.
constexpr std::string_view kRebuiltTopLevel[] = {"apiVersion", "kind", "metadata", "spec", "status"};

}  // namespace

Json ToJson(const NodeJoin& o) {
  Json j = o.raw.is_object() ? o.raw : Json::object();
  j["apiVersion"] = NodeJoin::kResource.ApiVersion();
  j["kind"] = std::string(NodeJoin::kResource.kind);
  // Metadata through the core codec (keeps its field handling in one place).
  Json meta = ToJson(o.metadata);
  if (j.contains("metadata") && j["metadata"].is_object()) {
    for (const char* k : kRawMetadataKept) {
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

void DropRebuiltRaw(NodeJoin& o) {
  if (!o.raw.is_object()) return;
  Json kept = Json::object();
  for (auto& [key, value] : o.raw.items()) {
    if (std::find(std::begin(kRebuiltTopLevel), std::end(kRebuiltTopLevel), key) ==
        std::end(kRebuiltTopLevel)) {
      kept[key] = std::move(value);
    }
  }
  if (const Json& meta = Sub(o.raw, "metadata"); meta.is_object()) {
    for (const char* k : kRawMetadataKept) {
      if (meta.contains(k)) kept["metadata"][k] = meta[k];
    }
  }
  o.raw = std::move(kept);
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
