// Codec: coordination.k8s.io/v1 Lease, authorization.k8s.io/v1 SubjectAccessReview,
// rbac.authorization.k8s.io/v1 ClusterRoleBinding and meta/v1 Status
// (kubernetes/api coordination/v1, authorization/v1, rbac/v1; apimachinery pkg/apis/meta/v1).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

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

}  // namespace

Json ToJson(const Lease& o) { return MergeWithRaw<Lease>(o, Canonical); }

Status FromJson(const Json& j, Lease* out) {
  *out = Lease{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Lease"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(GetOptString(spec, "holderIdentity", &out->spec.holder_identity, "spec"));
  JG_RETURN_IF_ERROR(GetOptInt32(spec, "leaseDurationSeconds", &out->spec.lease_duration_seconds, "spec"));
  JG_RETURN_IF_ERROR(GetTime(spec, "acquireTime", &out->spec.acquire_time, "spec"));
  JG_RETURN_IF_ERROR(GetTime(spec, "renewTime", &out->spec.renew_time, "spec"));
  JG_RETURN_IF_ERROR(GetOptInt32(spec, "leaseTransitions", &out->spec.lease_transitions, "spec"));
  JG_RETURN_IF_ERROR(GetOptString(spec, "strategy", &out->spec.strategy, "spec"));
  JG_RETURN_IF_ERROR(GetOptString(spec, "preferredHolder", &out->spec.preferred_holder, "spec"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const SubjectAccessReview& o) { return MergeWithRaw<SubjectAccessReview>(o, Canonical); }

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

Json ToJson(const ClusterRoleBinding& o) { return MergeWithRaw<ClusterRoleBinding>(o, Canonical); }

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
      JG_RETURN_IF_ERROR(RequireObject((*subs)[i], "field " + p));
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

Json ToJson(const ApiStatus& o) { return MergeWithRaw<ApiStatus>(o, Canonical); }

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
      JG_RETURN_IF_ERROR(RequireObject((*cs)[i], "field " + p));
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

}  // namespace joinguard::kube
