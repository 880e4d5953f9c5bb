#include "common/grants/join_grant.h"

#include "common/kube/codec_internal.h"

namespace joinguard::grants {
namespace {

using kube::Json;
using namespace kube::codec;  // NOLINT: the codec's field readers and writers

constexpr StringField<JoinGrantSpec> kSpecStrings[] = {
    {"tokenID", &JoinGrantSpec::token_id},
    {"nodeNamePattern", &JoinGrantSpec::node_name_pattern},
};
constexpr TimeField<JoinGrantSpec> kSpecTimes[] = {{"expires", &JoinGrantSpec::expires}};
constexpr StringField<JoinClaim> kClaimStrings[] = {
    {"nodeName", &JoinClaim::node_name, /*always=*/true},
    {"csrName", &JoinClaim::csr_name},
    {"csrUID", &JoinClaim::csr_uid},
};
constexpr TimeField<JoinClaim> kClaimTimes[] = {{"at", &JoinClaim::at}};

Json CanonicalSpec(const JoinGrantSpec& s) {
  Json j = Json::object();
  PutStrings(j, kSpecStrings, s);
  PutStringList(j, "nodeNames", s.node_names);
  j["maxJoins"] = s.max_joins;
  PutTimes(j, kSpecTimes, s);
  if (s.allow_rejoin) j["allowRejoin"] = true;
  return j;
}

Json CanonicalStatus(const JoinGrantStatus& s) {
  Json j = Json::object();
  j["joins"] = s.joins;
  PutStringList(j, "joinedNodes", s.joined_nodes);
  PutObjectList(j, "claims", s.claims, [](Json& cj, const JoinClaim& c) {
    PutStrings(cj, kClaimStrings, c);
    PutTimes(cj, kClaimTimes, c);
  });
  return j;
}

Status DecodeGrant(const Json& j, JoinGrant* out) {
  *out = JoinGrant{};
  JG_RETURN_IF_ERROR(RequireObject(j, "JoinGrant"));
  if (const Json* m = Field(j, "metadata")) JG_RETURN_IF_ERROR(kube::FromJson(*m, &out->metadata));
  if (const Json* s = Field(j, "spec")) {
    JG_RETURN_IF_ERROR(RequireObject(*s, "field spec"));
    JG_RETURN_IF_ERROR(GetStrings(*s, kSpecStrings, &out->spec, "spec"));
    JG_RETURN_IF_ERROR(GetStringList(*s, "nodeNames", &out->spec.node_names, "spec"));
    JG_RETURN_IF_ERROR(GetInt32(*s, "maxJoins", &out->spec.max_joins, "spec"));
    JG_RETURN_IF_ERROR(GetTimes(*s, kSpecTimes, &out->spec, "spec"));
    JG_RETURN_IF_ERROR(GetBool(*s, "allowRejoin", &out->spec.allow_rejoin, "spec"));
  }
  if (const Json* s = Field(j, "status")) {
    JG_RETURN_IF_ERROR(RequireObject(*s, "field status"));
    JG_RETURN_IF_ERROR(GetInt32(*s, "joins", &out->status.joins, "status"));
    JG_RETURN_IF_ERROR(GetStringList(*s, "joinedNodes", &out->status.joined_nodes, "status"));
    JG_RETURN_IF_ERROR(GetObjectList(*s, "claims", &out->status.claims, "status",
                                     [](const Json& c, const std::string& p, JoinClaim* claim) {
                                       JG_RETURN_IF_ERROR(GetStrings(c, kClaimStrings, claim, p));
                                       return GetTimes(c, kClaimTimes, claim, p);
                                     }));
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
