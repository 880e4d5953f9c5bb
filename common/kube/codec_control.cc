// Codec: coordination.k8s.io/v1 Lease, authorization.k8s.io/v1 SubjectAccessReview,
// rbac.authorization.k8s.io/v1 ClusterRoleBinding and meta/v1 Status
// (kubernetes/api coordination/v1, authorization/v1, rbac/v1; apimachinery pkg/apis/meta/v1).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

constexpr StringField<ResourceAttributes> kResourceAttributeStrings[] = {
    {"namespace", &ResourceAttributes::namespace_},
    {"verb", &ResourceAttributes::verb},
    {"group", &ResourceAttributes::group},
    {"version", &ResourceAttributes::version},
    {"resource", &ResourceAttributes::resource},
    {"subresource", &ResourceAttributes::subresource},
    {"name", &ResourceAttributes::name},
};
constexpr StringField<NonResourceAttributes> kNonResourceAttributeStrings[] = {
    {"path", &NonResourceAttributes::path},
    {"verb", &NonResourceAttributes::verb},
};
constexpr StringField<SubjectAccessReview> kReviewSpecStrings[] = {
    {"user", &SubjectAccessReview::user},
    {"uid", &SubjectAccessReview::uid},
};
constexpr StringField<SubjectAccessReview> kReviewStatusStrings[] = {
    {"reason", &SubjectAccessReview::reason},
    {"evaluationError", &SubjectAccessReview::evaluation_error},
};
constexpr StringField<RoleRef> kRoleRefStrings[] = {
    {"apiGroup", &RoleRef::api_group, /*always=*/true},
    {"kind", &RoleRef::kind, /*always=*/true},
    {"name", &RoleRef::name, /*always=*/true},
};
constexpr StringField<Subject> kSubjectStrings[] = {
    {"kind", &Subject::kind, /*always=*/true},
    {"apiGroup", &Subject::api_group},
    {"name", &Subject::name, /*always=*/true},
    {"namespace", &Subject::namespace_},
};
constexpr StringField<ApiStatus> kApiStatusStrings[] = {
    {"status", &ApiStatus::status},
    {"message", &ApiStatus::message},
    {"reason", &ApiStatus::reason},
};
constexpr StringField<ApiStatus> kApiStatusDetailStrings[] = {
    {"name", &ApiStatus::name},
    {"group", &ApiStatus::group},
    {"kind", &ApiStatus::kind},
    {"uid", &ApiStatus::uid},
};
constexpr StringField<StatusCause> kCauseStrings[] = {
    {"reason", &StatusCause::reason},
    {"message", &StatusCause::message},
    {"field", &StatusCause::field},
};

Json Canonical(const Lease& o) {
  Json j = CanonicalHead(o);
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
  Json j = CanonicalHead(o);
  Json spec = Json::object();
  if (o.resource_attributes) {
    Json ra = Json::object();
    PutStrings(ra, kResourceAttributeStrings, *o.resource_attributes);
    spec["resourceAttributes"] = std::move(ra);
  }
  if (o.non_resource_attributes) {
    Json na = Json::object();
    PutStrings(na, kNonResourceAttributeStrings, *o.non_resource_attributes);
    spec["nonResourceAttributes"] = std::move(na);
  }
  PutStrings(spec, kReviewSpecStrings, o);
  PutStringList(spec, "groups", o.groups);
  PutExtra(spec, "extra", o.extra);
  j["spec"] = std::move(spec);
  Json status = Json::object();
  status["allowed"] = o.allowed;  // no omitempty upstream
  if (o.denied) status["denied"] = true;
  PutStrings(status, kReviewStatusStrings, o);
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const ClusterRoleBinding& o) {
  Json j = CanonicalHead(o);
  Json rr = Json::object();
  PutStrings(rr, kRoleRefStrings, o.role_ref);
  j["roleRef"] = std::move(rr);
  PutObjectList(j, "subjects", o.subjects,
                [](Json& sj, const Subject& s) { PutStrings(sj, kSubjectStrings, s); });
  return j;
}

Json Canonical(const ApiStatus& o) {
  Json j = Json::object();
  j["apiVersion"] = "v1";
  j["kind"] = "Status";
  j["metadata"] = Json::object();
  PutStrings(j, kApiStatusStrings, o);
  Json d = Json::object();
  PutStrings(d, kApiStatusDetailStrings, o);
  PutObjectList(d, "causes", o.causes,
                [](Json& cj, const StatusCause& c) { PutStrings(cj, kCauseStrings, c); });
  if (o.retry_after_seconds != 0) d["retryAfterSeconds"] = o.retry_after_seconds;
  if (!d.empty()) j["details"] = std::move(d);
  if (o.code != 0) j["code"] = o.code;
  return j;
}

}  // namespace

Json ToJson(const Lease& o) { return MergeWithRaw<Lease>(o, Canonical); }

Status FromJson(const Json& j, Lease* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Lease", out));
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
  JG_RETURN_IF_ERROR(DecodeHead(j, "SubjectAccessReview", out));
  const Json& spec = Sub(j, "spec");
  if (const Json* ra = Field(spec, "resourceAttributes")) {
    ResourceAttributes a;
    JG_RETURN_IF_ERROR(GetStrings(*ra, kResourceAttributeStrings, &a, "spec.resourceAttributes"));
    out->resource_attributes = std::move(a);
  }
  if (const Json* na = Field(spec, "nonResourceAttributes")) {
    NonResourceAttributes a;
    JG_RETURN_IF_ERROR(GetStrings(*na, kNonResourceAttributeStrings, &a, "spec.nonResourceAttributes"));
    out->non_resource_attributes = std::move(a);
  }
  JG_RETURN_IF_ERROR(GetStrings(spec, kReviewSpecStrings, out, "spec"));
  JG_RETURN_IF_ERROR(GetStringList(spec, "groups", &out->groups, "spec"));
  JG_RETURN_IF_ERROR(GetExtra(spec, "extra", &out->extra, "spec"));
  const Json& status = Sub(j, "status");
  JG_RETURN_IF_ERROR(GetBool(status, "allowed", &out->allowed, "status"));
  JG_RETURN_IF_ERROR(GetBool(status, "denied", &out->denied, "status"));
  JG_RETURN_IF_ERROR(GetStrings(status, kReviewStatusStrings, out, "status"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ClusterRoleBinding& o) { return MergeWithRaw<ClusterRoleBinding>(o, Canonical); }

Status FromJson(const Json& j, ClusterRoleBinding* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "ClusterRoleBinding", out));
  JG_RETURN_IF_ERROR(GetStrings(Sub(j, "roleRef"), kRoleRefStrings, &out->role_ref, "roleRef"));
  JG_RETURN_IF_ERROR(
      GetObjectList(j, "subjects", &out->subjects, "", [](const Json& sj, const std::string& p, Subject* s) {
        return GetStrings(sj, kSubjectStrings, s, p);
      }));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ApiStatus& o) { return MergeWithRaw<ApiStatus>(o, Canonical); }

Status FromJson(const Json& j, ApiStatus* out) {
  *out = ApiStatus{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Status"));
  JG_RETURN_IF_ERROR(GetStrings(j, kApiStatusStrings, out, ""));
  JG_RETURN_IF_ERROR(GetInt32(j, "code", &out->code, ""));
  const Json& d = Sub(j, "details");
  JG_RETURN_IF_ERROR(GetStrings(d, kApiStatusDetailStrings, out, "details"));
  JG_RETURN_IF_ERROR(GetInt32(d, "retryAfterSeconds", &out->retry_after_seconds, "details"));
  JG_RETURN_IF_ERROR(GetObjectList(d, "causes", &out->causes, "details",
                                   [](const Json& cj, const std::string& p, StatusCause* c) {
                                     return GetStrings(cj, kCauseStrings, c, p);
                                   }));
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
