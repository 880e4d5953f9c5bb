// The ONE JSON codec for the objects in objects.h.
//
// Each type has a Canonical() serialiser (modelled fields only, empties omitted) and a
// FromJson(). ToJson() keeps unknown fields: it re-decodes `raw`, serialises that canonically
// (c0), diffs c0 against the canonical form of the current object (c1) and applies that JSON
// patch to `raw`. Unchanged fields therefore keep their original representation and unknown
// fields survive a read-modify-write.
#include <algorithm>

#include "common/crypto/encoding.h"
#include "common/kube/objects.h"

namespace joinguard::kube {
namespace {

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status TypeError(std::string_view path, std::string_view key, std::string_view want) {
  return InvalidArgumentError("field " + Join(path, key) + ": expected " + std::string(want));
}

Status GetString(const Json& obj, const char* key, std::string* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "a string");
  *out = f->get<std::string>();
  return OkStatus();
}

Status GetOptString(const Json& obj, const char* key, std::optional<std::string>* out,
                    std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "a string");
  *out = f->get<std::string>();
  return OkStatus();
}

Status GetBool(const Json& obj, const char* key, bool* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_boolean()) return TypeError(path, key, "a boolean");
  *out = f->get<bool>();
  return OkStatus();
}

Status GetInt32(const Json& obj, const char* key, int32_t* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_number_integer()) return TypeError(path, key, "an integer");
  *out = f->get<int32_t>();
  return OkStatus();
}

Status GetOptInt32(const Json& obj, const char* key, std::optional<int32_t>* out,
                   std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_number_integer()) return TypeError(path, key, "an integer");
  *out = f->get<int32_t>();
  return OkStatus();
}

Status GetTime(const Json& obj, const char* key, std::optional<Time>* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "an RFC 3339 time string");
  if (f->get_ref<const std::string&>().empty()) return OkStatus();
  auto t = ParseTime(f->get<std::string>());
  if (!t.ok()) return t.status().Annotate("field " + Join(path, key));
  *out = *t;
  return OkStatus();
}

Status GetBytes(const Json& obj, const char* key, std::string* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "a base64 string");
  auto b = crypto::Base64Decode(f->get<std::string>());
  if (!b.ok()) return b.status().Annotate("field " + Join(path, key) + ": invalid base64");
  *out = std::move(*b);
  return OkStatus();
}

Status GetStringList(const Json& obj, const char* key, std::vector<std::string>* out,
                     std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_array()) return TypeError(path, key, "an array of strings");
  out->clear();
  for (const auto& v : *f) {
    if (!v.is_string()) return TypeError(path, key, "an array of strings");
    out->push_back(v.get<std::string>());
  }
  return OkStatus();
}

Status GetStringMap(const Json& obj, const char* key, StringMap* out, std::string_view path,
                    bool base64 = false) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_object()) return TypeError(path, key, "an object of strings");
  out->clear();
  for (auto it = f->begin(); it != f->end(); ++it) {
    if (!it->is_string()) return TypeError(Join(path, key), it.key(), "a string");
    if (base64) {
      auto b = crypto::Base64Decode(it->get<std::string>());
      if (!b.ok()) {
        return b.status().Annotate("field " + Join(Join(path, key), it.key()) + ": invalid base64");
      }
      (*out)[it.key()] = std::move(*b);
    } else {
      (*out)[it.key()] = it->get<std::string>();
    }
  }
  return OkStatus();
}

Status GetExtra(const Json& obj, const char* key, ExtraMap* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_object()) return TypeError(path, key, "an object of string arrays");
  out->clear();
  for (auto it = f->begin(); it != f->end(); ++it) {
    std::vector<std::string> values;
    Json wrapper = Json::object({{"v", *it}});
    JG_RETURN_IF_ERROR(GetStringList(wrapper, "v", &values, Join(Join(path, key), it.key())));
    (*out)[it.key()] = std::move(values);
  }
  return OkStatus();
}

const Json& Sub(const Json& obj, const char* key) {
  static const Json* const kEmpty = new Json(Json::object());  // leaked on purpose: no dtor
  const Json* f = Field(obj, key);
  return f ? *f : *kEmpty;
}

// ---- writers ----
void PutString(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void PutStringList(Json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}
void PutStringMap(Json& j, const char* key, const StringMap& m, bool base64 = false) {
  if (m.empty()) return;
  Json o = Json::object();
  for (const auto& [k, v] : m) o[k] = base64 ? crypto::Base64Encode(v) : v;
  j[key] = std::move(o);
}
void PutExtra(Json& j, const char* key, const ExtraMap& m) {
  if (m.empty()) return;
  Json o = Json::object();
  for (const auto& [k, v] : m) o[k] = v;
  j[key] = std::move(o);
}
void PutTime(Json& j, const char* key, const std::optional<Time>& t) {
  if (t) j[key] = FormatTime(*t);
}
void PutMicroTime(Json& j, const char* key, const std::optional<Time>& t) {
  if (t) j[key] = FormatMicroTime(*t);
}
void PutBytes(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = crypto::Base64Encode(v);
}

Json Header(const Resource& r) {
  Json j = Json::object();
  j["apiVersion"] = r.ApiVersion();
  j["kind"] = std::string(r.kind);
  return j;
}

// ---- canonical serialisers ----
Json CanonicalMeta(const ObjectMeta& m) {
  Json j = Json::object();
  PutString(j, "name", m.name);
  PutString(j, "generateName", m.generate_name);
  PutString(j, "namespace", m.namespace_);
  PutString(j, "uid", m.uid);
  PutString(j, "resourceVersion", m.resource_version);
  PutTime(j, "creationTimestamp", m.creation_timestamp);
  PutTime(j, "deletionTimestamp", m.deletion_timestamp);
  PutStringMap(j, "labels", m.labels);
  PutStringMap(j, "annotations", m.annotations);
  if (m.owner_references.is_array() && !m.owner_references.empty()) {
    j["ownerReferences"] = m.owner_references;
  }
  if (m.finalizers.is_array() && !m.finalizers.empty()) j["finalizers"] = m.finalizers;
  return j;
}

Json CanonicalRef(const ObjectReference& r) {
  Json j = Json::object();
  PutString(j, "kind", r.kind);
  PutString(j, "namespace", r.namespace_);
  PutString(j, "name", r.name);
  PutString(j, "uid", r.uid);
  PutString(j, "apiVersion", r.api_version);
  PutString(j, "resourceVersion", r.resource_version);
  PutString(j, "fieldPath", r.field_path);
  return j;
}

Json Canonical(const CertificateSigningRequest& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  Json spec = Json::object();
  PutBytes(spec, "request", o.spec.request);
  spec["signerName"] = o.spec.signer_name;  // no omitempty upstream
  if (o.spec.expiration_seconds) spec["expirationSeconds"] = *o.spec.expiration_seconds;
  PutStringList(spec, "usages", o.spec.usages);
  PutString(spec, "username", o.spec.username);
  PutString(spec, "uid", o.spec.uid);
  PutStringList(spec, "groups", o.spec.groups);
  PutExtra(spec, "extra", o.spec.extra);
  j["spec"] = std::move(spec);
  Json status = Json::object();
  if (!o.status.conditions.empty()) {
    Json conds = Json::array();
    for (const auto& c : o.status.conditions) {
      Json cj = Json::object();
      cj["type"] = c.type;
      cj["status"] = c.status;
      PutString(cj, "reason", c.reason);
      PutString(cj, "message", c.message);
      PutTime(cj, "lastUpdateTime", c.last_update_time);
      PutTime(cj, "lastTransitionTime", c.last_transition_time);
      conds.push_back(std::move(cj));
    }
    status["conditions"] = std::move(conds);
  }
  PutBytes(status, "certificate", o.status.certificate);
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const ConfigMap& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  PutStringMap(j, "data", o.data);
  PutStringMap(j, "binaryData", o.binary_data, /*base64=*/true);
  return j;
}

Json Canonical(const Secret& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  PutString(j, "type", o.type);
  PutStringMap(j, "data", o.data, /*base64=*/true);
  PutStringMap(j, "stringData", o.string_data);
  return j;
}

Json Canonical(const Node& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  Json spec = Json::object();
  PutString(spec, "providerID", o.provider_id);
  if (o.unschedulable) spec["unschedulable"] = true;
  j["spec"] = std::move(spec);
  Json status = Json::object();
  if (!o.addresses.empty()) {
    Json a = Json::array();
    for (const auto& ad : o.addresses) a.push_back({{"type", ad.type}, {"address", ad.address}});
    status["addresses"] = std::move(a);
  }
  if (!o.conditions.empty()) {
    Json conds = Json::array();
    for (const auto& c : o.conditions) {
      Json cj = Json::object();
      cj["type"] = c.type;
      cj["status"] = c.status;
      PutString(cj, "reason", c.reason);
      PutString(cj, "message", c.message);
      PutTime(cj, "lastHeartbeatTime", c.last_heartbeat_time);
      PutTime(cj, "lastTransitionTime", c.last_transition_time);
      conds.push_back(std::move(cj));
    }
    status["conditions"] = std::move(conds);
  }
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const Event& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  j["involvedObject"] = CanonicalRef(o.involved_object);
  PutString(j, "reason", o.reason);
  PutString(j, "message", o.message);
  PutString(j, "type", o.type);
  Json src = Json::object();
  PutString(src, "component", o.source.component);
  PutString(src, "host", o.source.host);
  if (!src.empty()) j["source"] = std::move(src);
  PutTime(j, "firstTimestamp", o.first_timestamp);
  PutTime(j, "lastTimestamp", o.last_timestamp);
  if (o.count != 0) j["count"] = o.count;
  PutMicroTime(j, "eventTime", o.event_time);
  PutString(j, "reportingComponent", o.reporting_component);
  PutString(j, "reportingInstance", o.reporting_instance);
  return j;
}

Json Canonical(const Lease& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  Json spec = Json::object();
  if (o.spec.holder_identity) spec["holderIdentity"] = *o.spec.holder_identity;
  if (o.spec.lease_duration_seconds) spec["leaseDurationSeconds"] = *o.spec.lease_duration_seconds;
  PutMicroTime(spec, "acquireTime", o.spec.acquire_time);
  PutMicroTime(spec, "renewTime", o.spec.renew_time);
  if (o.spec.lease_transitions) spec["leaseTransitions"] = *o.spec.lease_transitions;
  if (o.spec.strategy) spec["strategy"] = *o.spec.strategy;
  if (o.spec.preferred_holder) spec["preferredHolder"] = *o.spec.preferred_holder;
  j["spec"] = std::move(spec);
  return j;
}

Json Canonical(const SubjectAccessReview& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  Json spec = Json::object();
  if (o.resource_attributes) {
    const auto& a = *o.resource_attributes;
    Json ra = Json::object();
    PutString(ra, "namespace", a.namespace_);
    PutString(ra, "verb", a.verb);
    PutString(ra, "group", a.group);
    PutString(ra, "version", a.version);
    PutString(ra, "resource", a.resource);
    PutString(ra, "subresource", a.subresource);
    PutString(ra, "name", a.name);
    spec["resourceAttributes"] = std::move(ra);
  }
  if (o.non_resource_attributes) {
    Json na = Json::object();
    PutString(na, "path", o.non_resource_attributes->path);
    PutString(na, "verb", o.non_resource_attributes->verb);
    spec["nonResourceAttributes"] = std::move(na);
  }
  PutString(spec, "user", o.user);
  PutStringList(spec, "groups", o.groups);
  PutString(spec, "uid", o.uid);
  PutExtra(spec, "extra", o.extra);
  j["spec"] = std::move(spec);
  Json status = Json::object();
  status["allowed"] = o.allowed;  // no omitempty upstream
  if (o.denied) status["denied"] = true;
  PutString(status, "reason", o.reason);
  PutString(status, "evaluationError", o.evaluation_error);
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const ClusterRoleBinding& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  Json rr = Json::object();
  rr["apiGroup"] = o.role_ref.api_group;
  rr["kind"] = o.role_ref.kind;
  rr["name"] = o.role_ref.name;
  j["roleRef"] = std::move(rr);
  if (!o.subjects.empty()) {
    Json subs = Json::array();
    for (const auto& s : o.subjects) {
      Json sj = Json::object();
      sj["kind"] = s.kind;
      PutString(sj, "apiGroup", s.api_group);
      sj["name"] = s.name;
      PutString(sj, "namespace", s.namespace_);
      subs.push_back(std::move(sj));
    }
    j["subjects"] = std::move(subs);
  }
  return j;
}

Json Canonical(const ApiStatus& o) {
  Json j = Json::object();
  j["apiVersion"] = "v1";
  j["kind"] = "Status";
  j["metadata"] = Json::object();
  PutString(j, "status", o.status);
  PutString(j, "message", o.message);
  PutString(j, "reason", o.reason);
  Json d = Json::object();
  PutString(d, "name", o.name);
  PutString(d, "group", o.group);
  PutString(d, "kind", o.kind);
  PutString(d, "uid", o.uid);
  if (!o.causes.empty()) {
    Json cs = Json::array();
    for (const auto& c : o.causes) {
      Json cj = Json::object();
      PutString(cj, "reason", c.reason);
      PutString(cj, "message", c.message);
      PutString(cj, "field", c.field);
      cs.push_back(std::move(cj));
    }
    d["causes"] = std::move(cs);
  }
  if (o.retry_after_seconds != 0) d["retryAfterSeconds"] = o.retry_after_seconds;
  if (!d.empty()) j["details"] = std::move(d);
  if (o.code != 0) j["code"] = o.code;
  return j;
}

// See the file comment.
template <typename T>
Json MergeWithRaw(const T& o) {
  Json c1 = Canonical(o);
  if (!o.raw.is_object() || o.raw.empty()) return c1;
  T original;
  if (!FromJson(o.raw, &original).ok()) {
    Json out = o.raw;
    for (auto it = c1.begin(); it != c1.end(); ++it) out[it.key()] = it.value();
    return out;
  }
  Json c0 = Canonical(original);
  try {
    Json out = o.raw.patch(Json::diff(c0, c1));
    out["apiVersion"] = c1["apiVersion"];
    out["kind"] = c1["kind"];
    return out;
  } catch (const std::exception&) {
    Json out = o.raw;
    for (auto it = c1.begin(); it != c1.end(); ++it) out[it.key()] = it.value();
    return out;
  }
}

Status RequireObject(const Json& j, std::string_view what) {
  if (!j.is_object()) return InvalidArgumentError(std::string(what) + ": expected a JSON object");
  return OkStatus();
}

}  // namespace

// ---- public ----

Json ToJson(const ObjectMeta& m) { return CanonicalMeta(m); }

Status FromJson(const Json& j, ObjectMeta* out) {
  *out = ObjectMeta{};
  if (j.is_null()) return OkStatus();
  JG_RETURN_IF_ERROR(RequireObject(j, "metadata"));
  const std::string p = "metadata";
  JG_RETURN_IF_ERROR(GetString(j, "name", &out->name, p));
  JG_RETURN_IF_ERROR(GetString(j, "generateName", &out->generate_name, p));
  JG_RETURN_IF_ERROR(GetString(j, "namespace", &out->namespace_, p));
  JG_RETURN_IF_ERROR(GetString(j, "uid", &out->uid, p));
  JG_RETURN_IF_ERROR(GetString(j, "resourceVersion", &out->resource_version, p));
  JG_RETURN_IF_ERROR(GetTime(j, "creationTimestamp", &out->creation_timestamp, p));
  JG_RETURN_IF_ERROR(GetTime(j, "deletionTimestamp", &out->deletion_timestamp, p));
  JG_RETURN_IF_ERROR(GetStringMap(j, "labels", &out->labels, p));
  JG_RETURN_IF_ERROR(GetStringMap(j, "annotations", &out->annotations, p));
  if (const Json* f = Field(j, "ownerReferences")) out->owner_references = *f;
  if (const Json* f = Field(j, "finalizers")) out->finalizers = *f;
  return OkStatus();
}

Json ToJson(const ObjectReference& r) { return CanonicalRef(r); }

Status FromJson(const Json& j, ObjectReference* out) {
  *out = ObjectReference{};
  if (j.is_null()) return OkStatus();
  JG_RETURN_IF_ERROR(RequireObject(j, "object reference"));
  const std::string p = "involvedObject";
  JG_RETURN_IF_ERROR(GetString(j, "kind", &out->kind, p));
  JG_RETURN_IF_ERROR(GetString(j, "namespace", &out->namespace_, p));
  JG_RETURN_IF_ERROR(GetString(j, "name", &out->name, p));
  JG_RETURN_IF_ERROR(GetString(j, "uid", &out->uid, p));
  JG_RETURN_IF_ERROR(GetString(j, "apiVersion", &out->api_version, p));
  JG_RETURN_IF_ERROR(GetString(j, "resourceVersion", &out->resource_version, p));
  JG_RETURN_IF_ERROR(GetString(j, "fieldPath", &out->field_path, p));
  return OkStatus();
}

Json ToJson(const CertificateSigningRequest& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, CertificateSigningRequest* out) {
  *out = CertificateSigningRequest{};
  JG_RETURN_IF_ERROR(RequireObject(j, "CertificateSigningRequest"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(GetBytes(spec, "request", &out->spec.request, "spec"));
  JG_RETURN_IF_ERROR(GetString(spec, "signerName", &out->spec.signer_name, "spec"));
  JG_RETURN_IF_ERROR(GetOptInt32(spec, "expirationSeconds", &out->spec.expiration_seconds, "spec"));
  JG_RETURN_IF_ERROR(GetStringList(spec, "usages", &out->spec.usages, "spec"));
  JG_RETURN_IF_ERROR(GetString(spec, "username", &out->spec.username, "spec"));
  JG_RETURN_IF_ERROR(GetString(spec, "uid", &out->spec.uid, "spec"));
  JG_RETURN_IF_ERROR(GetStringList(spec, "groups", &out->spec.groups, "spec"));
  JG_RETURN_IF_ERROR(GetExtra(spec, "extra", &out->spec.extra, "spec"));
  const Json& status = Sub(j, "status");
  if (const Json* conds = Field(status, "conditions")) {
    if (!conds->is_array()) return TypeError("status", "conditions", "an array");
    for (size_t i = 0; i < conds->size(); ++i) {
      const Json& c = (*conds)[i];
      const std::string p = "status.conditions[" + std::to_string(i) + "]";
      if (!c.is_object()) return InvalidArgumentError("field " + p + ": expected an object");
      CertificateSigningRequestCondition cond;
      JG_RETURN_IF_ERROR(GetString(c, "type", &cond.type, p));
      JG_RETURN_IF_ERROR(GetString(c, "status", &cond.status, p));
      JG_RETURN_IF_ERROR(GetString(c, "reason", &cond.reason, p));
      JG_RETURN_IF_ERROR(GetString(c, "message", &cond.message, p));
      JG_RETURN_IF_ERROR(GetTime(c, "lastUpdateTime", &cond.last_update_time, p));
      JG_RETURN_IF_ERROR(GetTime(c, "lastTransitionTime", &cond.last_transition_time, p));
      out->status.conditions.push_back(std::move(cond));
    }
  }
  JG_RETURN_IF_ERROR(GetBytes(status, "certificate", &out->status.certificate, "status"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ConfigMap& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, ConfigMap* out) {
  *out = ConfigMap{};
  JG_RETURN_IF_ERROR(RequireObject(j, "ConfigMap"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  JG_RETURN_IF_ERROR(GetStringMap(j, "data", &out->data, ""));
  JG_RETURN_IF_ERROR(GetStringMap(j, "binaryData", &out->binary_data, "", /*base64=*/true));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Secret& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, Secret* out) {
  *out = Secret{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Secret"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  JG_RETURN_IF_ERROR(GetString(j, "type", &out->type, ""));
  JG_RETURN_IF_ERROR(GetStringMap(j, "data", &out->data, "", /*base64=*/true));
  JG_RETURN_IF_ERROR(GetStringMap(j, "stringData", &out->string_data, ""));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Node& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, Node* out) {
  *out = Node{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Node"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(GetString(spec, "providerID", &out->provider_id, "spec"));
  JG_RETURN_IF_ERROR(GetBool(spec, "unschedulable", &out->unschedulable, "spec"));
  const Json& status = Sub(j, "status");
  if (const Json* addrs = Field(status, "addresses")) {
    if (!addrs->is_array()) return TypeError("status", "addresses", "an array");
    for (size_t i = 0; i < addrs->size(); ++i) {
      const std::string p = "status.addresses[" + std::to_string(i) + "]";
      NodeAddress a;
      JG_RETURN_IF_ERROR(GetString((*addrs)[i], "type", &a.type, p));
      JG_RETURN_IF_ERROR(GetString((*addrs)[i], "address", &a.address, p));
      out->addresses.push_back(std::move(a));
    }
  }
  if (const Json* conds = Field(status, "conditions")) {
    if (!conds->is_array()) return TypeError("status", "conditions", "an array");
    for (size_t i = 0; i < conds->size(); ++i) {
      const Json& c = (*conds)[i];
      const std::string p = "status.conditions[" + std::to_string(i) + "]";
      NodeCondition cond;
      JG_RETURN_IF_ERROR(GetString(c, "type", &cond.type, p));
      JG_RETURN_IF_ERROR(GetString(c, "status", &cond.status, p));
      JG_RETURN_IF_ERROR(GetString(c, "reason", &cond.reason, p));
      JG_RETURN_IF_ERROR(GetString(c, "message", &cond.message, p));
      JG_RETURN_IF_ERROR(GetTime(c, "lastHeartbeatTime", &cond.last_heartbeat_time, p));
      JG_RETURN_IF_ERROR(GetTime(c, "lastTransitionTime", &cond.last_transition_time, p));
      out->conditions.push_back(std::move(cond));
    }
  }
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Event& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, Event* out) {
  *out = Event{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Event"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "involvedObject"), &out->involved_object));
  JG_RETURN_IF_ERROR(GetString(j, "reason", &out->reason, ""));
  JG_RETURN_IF_ERROR(GetString(j, "message", &out->message, ""));
  JG_RETURN_IF_ERROR(GetString(j, "type", &out->type, ""));
  const Json& src = Sub(j, "source");
  JG_RETURN_IF_ERROR(GetString(src, "component", &out->source.component, "source"));
  JG_RETURN_IF_ERROR(GetString(src, "host", &out->source.host, "source"));
  JG_RETURN_IF_ERROR(GetTime(j, "firstTimestamp", &out->first_timestamp, ""));
  JG_RETURN_IF_ERROR(GetTime(j, "lastTimestamp", &out->last_timestamp, ""));
  JG_RETURN_IF_ERROR(GetInt32(j, "count", &out->count, ""));
  JG_RETURN_IF_ERROR(GetTime(j, "eventTime", &out->event_time, ""));
  JG_RETURN_IF_ERROR(GetString(j, "reportingComponent", &out->reporting_component, ""));
  JG_RETURN_IF_ERROR(GetString(j, "reportingInstance", &out->reporting_instance, ""));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Lease& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, Lease* out) {
  *out = Lease{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Lease"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(GetOptString(spec, "holderIdentity", &out->spec.holder_identity, "spec"));
  JG_RETURN_IF_ERROR(
      GetOptInt32(spec, "leaseDurationSeconds", &out->spec.lease_duration_seconds, "spec"));
  JG_RETURN_IF_ERROR(GetTime(spec, "acquireTime", &out->spec.acquire_time, "spec"));
  JG_RETURN_IF_ERROR(GetTime(spec, "renewTime", &out->spec.renew_time, "spec"));
  JG_RETURN_IF_ERROR(GetOptInt32(spec, "leaseTransitions", &out->spec.lease_transitions, "spec"));
  JG_RETURN_IF_ERROR(GetOptString(spec, "strategy", &out->spec.strategy, "spec"));
  JG_RETURN_IF_ERROR(GetOptString(spec, "preferredHolder", &out->spec.preferred_holder, "spec"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const SubjectAccessReview& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, SubjectAccessReview* out) {
  *out = SubjectAccessReview{};
  JG_RETURN_IF_ERROR(RequireObject(j, "SubjectAccessReview"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& spec = Sub(j, "spec");
  if (const Json* ra = Field(spec, "resourceAttributes")) {
    ResourceAttributes a;
    const std::string p = "spec.resourceAttributes";
    JG_RETURN_IF_ERROR(GetString(*ra, "namespace", &a.namespace_, p));
    JG_RETURN_IF_ERROR(GetString(*ra, "verb", &a.verb, p));
    JG_RETURN_IF_ERROR(GetString(*ra, "group", &a.group, p));
    JG_RETURN_IF_ERROR(GetString(*ra, "version", &a.version, p));
    JG_RETURN_IF_ERROR(GetString(*ra, "resource", &a.resource, p));
    JG_RETURN_IF_ERROR(GetString(*ra, "subresource", &a.subresource, p));
    JG_RETURN_IF_ERROR(GetString(*ra, "name", &a.name, p));
    out->resource_attributes = std::move(a);
  }
  if (const Json* na = Field(spec, "nonResourceAttributes")) {
    NonResourceAttributes a;
    JG_RETURN_IF_ERROR(GetString(*na, "path", &a.path, "spec.nonResourceAttributes"));
    JG_RETURN_IF_ERROR(GetString(*na, "verb", &a.verb, "spec.nonResourceAttributes"));
    out->non_resource_attributes = std::move(a);
  }
  JG_RETURN_IF_ERROR(GetString(spec, "user", &out->user, "spec"));
  JG_RETURN_IF_ERROR(GetStringList(spec, "groups", &out->groups, "spec"));
  JG_RETURN_IF_ERROR(GetString(spec, "uid", &out->uid, "spec"));
  JG_RETURN_IF_ERROR(GetExtra(spec, "extra", &out->extra, "spec"));
  const Json& status = Sub(j, "status");
  JG_RETURN_IF_ERROR(GetBool(status, "allowed", &out->allowed, "status"));
  JG_RETURN_IF_ERROR(GetBool(status, "denied", &out->denied, "status"));
  JG_RETURN_IF_ERROR(GetString(status, "reason", &out->reason, "status"));
  JG_RETURN_IF_ERROR(GetString(status, "evaluationError", &out->evaluation_error, "status"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ClusterRoleBinding& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, ClusterRoleBinding* out) {
  *out = ClusterRoleBinding{};
  JG_RETURN_IF_ERROR(RequireObject(j, "ClusterRoleBinding"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& rr = Sub(j, "roleRef");
  JG_RETURN_IF_ERROR(GetString(rr, "apiGroup", &out->role_ref.api_group, "roleRef"));
  JG_RETURN_IF_ERROR(GetString(rr, "kind", &out->role_ref.kind, "roleRef"));
  JG_RETURN_IF_ERROR(GetString(rr, "name", &out->role_ref.name, "roleRef"));
  if (const Json* subs = Field(j, "subjects")) {
    if (!subs->is_array()) return TypeError("", "subjects", "an array");
    for (size_t i = 0; i < subs->size(); ++i) {
      const std::string p = "subjects[" + std::to_string(i) + "]";
      Subject s;
      JG_RETURN_IF_ERROR(GetString((*subs)[i], "kind", &s.kind, p));
      JG_RETURN_IF_ERROR(GetString((*subs)[i], "apiGroup", &s.api_group, p));
      JG_RETURN_IF_ERROR(GetString((*subs)[i], "name", &s.name, p));
      JG_RETURN_IF_ERROR(GetString((*subs)[i], "namespace", &s.namespace_, p));
      out->subjects.push_back(std::move(s));
    }
  }
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ApiStatus& o) { return MergeWithRaw(o); }

Status FromJson(const Json& j, ApiStatus* out) {
  *out = ApiStatus{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Status"));
  JG_RETURN_IF_ERROR(GetString(j, "status", &out->status, ""));
  JG_RETURN_IF_ERROR(GetString(j, "message", &out->message, ""));
  JG_RETURN_IF_ERROR(GetString(j, "reason", &out->reason, ""));
  JG_RETURN_IF_ERROR(GetInt32(j, "code", &out->code, ""));
  const Json& d = Sub(j, "details");
  JG_RETURN_IF_ERROR(GetString(d, "name", &out->name, "details"));
  JG_RETURN_IF_ERROR(GetString(d, "group", &out->group, "details"));
  JG_RETURN_IF_ERROR(GetString(d, "kind", &out->kind, "details"));
  JG_RETURN_IF_ERROR(GetString(d, "uid", &out->uid, "details"));
  JG_RETURN_IF_ERROR(GetInt32(d, "retryAfterSeconds", &out->retry_after_seconds, "details"));
  if (const Json* cs = Field(d, "causes")) {
    if (!cs->is_array()) return TypeError("details", "causes", "an array");
    for (size_t i = 0; i < cs->size(); ++i) {
      const std::string p = "details.causes[" + std::to_string(i) + "]";
      StatusCause c;
      JG_RETURN_IF_ERROR(GetString((*cs)[i], "reason", &c.reason, p));
      JG_RETURN_IF_ERROR(GetString((*cs)[i], "message", &c.message, p));
      JG_RETURN_IF_ERROR(GetString((*cs)[i], "field", &c.field, p));
      out->causes.push_back(std::move(c));
    }
  }
  out->raw = j;
  return OkStatus();
}

StatusOr<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    std::string head(text.substr(0, 80));
    return InvalidArgumentError("invalid JSON (starts with \"" + head + "\")");
  }
  return j;
}

ObjectMeta MetaOf(const Json& object) {
  ObjectMeta m;
  if (object.is_object()) {
    auto it = object.find("metadata");
    if (it != object.end()) FromJson(*it, &m).IgnoreError();
  }
  return m;
}

const CertificateSigningRequestCondition* FindCondition(const CertificateSigningRequest& csr,
                                                        std::string_view type) {
  for (const auto& c : csr.status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool HasTrueCondition(const CertificateSigningRequest& csr, std::string_view type) {
  return std::any_of(csr.status.conditions.begin(), csr.status.conditions.end(),
                     [&](const auto& c) { return c.type == type && c.status == "True"; });
}

}  // namespace joinguard::kube
