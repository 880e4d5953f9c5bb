#include "common/grants/join_grant.h"

#include "common/kube/meta_time.h"

namespace joinguard::grants {
namespace {

using kube::Json;

// Field readers: a missing or null field leaves the default; a wrong type is an error naming
// the field (same contract as common/kube/codec.cc).
const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status TypeError(const std::string& field, std::string_view want) {
  return InvalidArgumentError("JoinGrant field " + field + ": expected " + std::string(want));
}

Status GetString(const Json& obj, const char* key, std::string* out, const std::string& path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path + "." + key, "a string");
  *out = f->get<std::string>();
  return OkStatus();
}

Status GetInt32(const Json& obj, const char* key, int32_t* out, const std::string& path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_number_integer()) return TypeError(path + "." + key, "an integer");
  int64_t v = f->get<int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) return TypeError(path + "." + key, "a 32-bit integer");
  *out = static_cast<int32_t>(v);
  return OkStatus();
}

Status GetBool(const Json& obj, const char* key, bool* out, const std::string& path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_boolean()) return TypeError(path + "." + key, "true or false");
  *out = f->get<bool>();
  return OkStatus();
}

Status GetTime(const Json& obj, const char* key, std::optional<kube::Time>* out, const std::string& path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path + "." + key, "an RFC 3339 time string");
  if (f->get_ref<const std::string&>().empty()) return OkStatus();
  auto t = kube::ParseTime(f->get<std::string>());
  if (!t.ok()) return t.status().Annotate("JoinGrant field " + path + "." + key);
  *out = *t;
  return OkStatus();
}

Status GetStringList(const Json& obj, const char* key, std::vector<std::string>* out,
                     const std::string& path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_array()) return TypeError(path + "." + key, "an array of strings");
  out->clear();
  for (const auto& v : *f) {
    if (!v.is_string()) return TypeError(path + "." + key, "an array of strings");
    out->push_back(v.get<std::string>());
  }
  return OkStatus();
}

Json CanonicalSpec(const JoinGrantSpec& s) {
  Json j = Json::object();
  if (!s.token_id.empty()) j["tokenID"] = s.token_id;
  if (!s.node_names.empty()) j["nodeNames"] = s.node_names;
  if (!s.node_name_pattern.empty()) j["nodeNamePattern"] = s.node_name_pattern;
  j["maxJoins"] = s.max_joins;
  if (s.expires) j["expires"] = kube::FormatTime(*s.expires);
  if (s.allow_rejoin) j["allowRejoin"] = true;
  return j;
}

Json CanonicalStatus(const JoinGrantStatus& s) {
  Json j = Json::object();
  j["joins"] = s.joins;
  if (!s.joined_nodes.empty()) j["joinedNodes"] = s.joined_nodes;
  if (!s.claims.empty()) {
    Json cs = Json::array();
    for (const JoinClaim& c : s.claims) {
      Json cj = Json::object();
      cj["nodeName"] = c.node_name;
      if (!c.csr_name.empty()) cj["csrName"] = c.csr_name;
      if (!c.csr_uid.empty()) cj["csrUID"] = c.csr_uid;
      if (c.at) cj["at"] = kube::FormatTime(*c.at);
      cs.push_back(std::move(cj));
    }
    j["claims"] = std::move(cs);
  }
  return j;
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

Status FromJson(const Json& j, JoinGrant* out) {
  *out = JoinGrant{};
  if (!j.is_object()) return InvalidArgumentError("JoinGrant: expected a JSON object");
  if (const Json* m = Field(j, "metadata")) JG_RETURN_IF_ERROR(kube::FromJson(*m, &out->metadata));
  if (const Json* s = Field(j, "spec")) {
    if (!s->is_object()) return TypeError("spec", "an object");
    JG_RETURN_IF_ERROR(GetString(*s, "tokenID", &out->spec.token_id, "spec"));
    JG_RETURN_IF_ERROR(GetStringList(*s, "nodeNames", &out->spec.node_names, "spec"));
    JG_RETURN_IF_ERROR(GetString(*s, "nodeNamePattern", &out->spec.node_name_pattern, "spec"));
    JG_RETURN_IF_ERROR(GetInt32(*s, "maxJoins", &out->spec.max_joins, "spec"));
    JG_RETURN_IF_ERROR(GetTime(*s, "expires", &out->spec.expires, "spec"));
    JG_RETURN_IF_ERROR(GetBool(*s, "allowRejoin", &out->spec.allow_rejoin, "spec"));
  }
  if (const Json* s = Field(j, "status")) {
    if (!s->is_object()) return TypeError("status", "an object");
    JG_RETURN_IF_ERROR(GetInt32(*s, "joins", &out->status.joins, "status"));
    JG_RETURN_IF_ERROR(GetStringList(*s, "joinedNodes", &out->status.joined_nodes, "status"));
    if (const Json* cs = Field(*s, "claims")) {
      if (!cs->is_array()) return TypeError("status.claims", "an array of objects");
      for (size_t i = 0; i < cs->size(); ++i) {
        const Json& c = (*cs)[i];
        std::string p = "status.claims[" + std::to_string(i) + "]";
        if (!c.is_object()) return TypeError(p, "an object");
        JoinClaim claim;
        JG_RETURN_IF_ERROR(GetString(c, "nodeName", &claim.node_name, p));
        JG_RETURN_IF_ERROR(GetString(c, "csrName", &claim.csr_name, p));
        JG_RETURN_IF_ERROR(GetString(c, "csrUID", &claim.csr_uid, p));
        JG_RETURN_IF_ERROR(GetTime(c, "at", &claim.at, p));
        out->status.claims.push_back(std::move(claim));
      }
    }
  }
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::grants
