#include "common/grants/join_grant.h"

#include "common/kube/codec_internal.h"

namespace joinguard::grants {
namespace {

using kube::Json;
using namespace kube::codec;  // NOLINT: the codec's field readers and writers

constexpr FieldSpec<JoinGrantSpec> kSpecFields[] = {
    {"tokenID", &JoinGrantSpec::token_id},     {"nodeNamePattern", &JoinGrantSpec::node_name_pattern},
    {"nodeNames", &JoinGrantSpec::node_names}, {"maxJoins", &JoinGrantSpec::max_joins, Encoding::kAlways},
    {"expires", &JoinGrantSpec::expires},      {"allowRejoin", &JoinGrantSpec::allow_rejoin},
};
constexpr FieldSpec<JoinClaim> kClaimFields[] = {
    {"nodeName", &JoinClaim::node_name, Encoding::kAlways},
    {"csrName", &JoinClaim::csr_name},
    {"csrUID", &JoinClaim::csr_uid},
    {"at", &JoinClaim::at},
};
constexpr FieldSpec<JoinGrantStatus> kStatusFields[] = {
    {"joins", &JoinGrantStatus::joins, Encoding::kAlways},
    {"joinedNodes", &JoinGrantStatus::joined_nodes},
};

Json CanonicalSpec(const JoinGrantSpec& s) { return FieldsToJson(kSpecFields, s); }

Json CanonicalStatus(const JoinGrantStatus& s) {
  Json j = FieldsToJson(kStatusFields, s);
  PutObjectList(j, "claims", s.claims, kClaimFields);
  return j;
}

Status DecodeGrant(const Json& j, JoinGrant* out) {
  *out = JoinGrant{};
  JG_RETURN_IF_ERROR(RequireObject(j, "JoinGrant"));
  if (const Json* m = Field(j, "metadata")) JG_RETURN_IF_ERROR(kube::FromJson(*m, &out->metadata));
  if (const Json* s = Field(j, "spec")) {
    JG_RETURN_IF_ERROR(RequireObject(*s, "field spec"));
    JG_RETURN_IF_ERROR(GetFields(*s, kSpecFields, &out->spec, "spec"));
  }
  if (const Json* s = Field(j, "status")) {
    JG_RETURN_IF_ERROR(RequireObject(*s, "field status"));
    JG_RETURN_IF_ERROR(GetFields(*s, kStatusFields, &out->status, "status"));
    JG_RETURN_IF_ERROR(GetObjectList(*s, "claims", &out->status.claims, "status", kClaimFields));
  }
  out->raw = j;
  return OkStatus();
}

// Overwrites the modelled metadata keys of `raw_meta` (keeping managedFields and friends).
Json MergeMeta(const Json& raw_meta, const kube::ObjectMeta& m) {
  Json out = raw_meta.is_object() ? raw_meta : Json::object();
  Json c = kube::ToJson(m);
  for (const char* key : {"name", "generateName", "namespace", "uid", "resourceVersion", "creationTimestamp",
                          "deletionTimestamp", "labels", "annotations", "ownerReferences", "finalizers"}) {
    if (c.contains(key)) {
      out[key] = c[key];
    } else {
      out.erase(key);
    }
  }
  return out;
}

}  // namespace

Json ToJson(const JoinGrant& o) {
  Json out = o.raw.is_object() ? o.raw : Json::object();
  out["apiVersion"] = kJoinGrants.ApiVersion();
  out["kind"] = std::string(kJoinGrants.kind);
  out["metadata"] = MergeMeta(out.contains("metadata") ? out["metadata"] : Json(), o.metadata);
  // spec and status are fully modelled except for fields a newer version may add: keep those.
  Json spec = out.contains("spec") && out["spec"].is_object() ? out["spec"] : Json::object();
  for (const char* key : {"tokenID", "nodeNames", "nodeNamePattern", "maxJoins", "expires", "allowRejoin"})
    spec.erase(key);
  spec.update(CanonicalSpec(o.spec));
  out["spec"] = std::move(spec);
  Json status = out.contains("status") && out["status"].is_object() ? out["status"] : Json::object();
  for (const char* key : {"joins", "joinedNodes", "claims"}) status.erase(key);
  status.update(CanonicalStatus(o.status));
  out["status"] = std::move(status);
  return out;
}

Status FromJson(const Json& j, JoinGrant* out) { return DecodeGrant(j, out).Annotate("JoinGrant"); }

}  // namespace joinguard::grants
