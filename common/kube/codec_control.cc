// Codec: coordination.k8s.io/v1 Lease, authorization.k8s.io/v1 SubjectAccessReview,
// rbac.authorization.k8s.io/v1 ClusterRoleBinding and meta/v1 Status
// (kubernetes/api coordination/v1, authorization/v1, rbac/v1; apimachinery pkg/apis/meta/v1).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

constexpr FieldSpec<LeaseSpec> kLeaseSpecFields[] = {
    {"holderIdentity", &LeaseSpec::holder_identity},
    {"leaseDurationSeconds", &LeaseSpec::lease_duration_seconds},
    {"acquireTime", &LeaseSpec::acquire_time, Encoding::kMicroTime},
    {"renewTime", &LeaseSpec::renew_time, Encoding::kMicroTime},
    {"leaseTransitions", &LeaseSpec::lease_transitions},
    {"strategy", &LeaseSpec::strategy},
    {"preferredHolder", &LeaseSpec::preferred_holder},
};
constexpr FieldSpec<ResourceAttributes> kResourceAttributesFields[] = {
    {"namespace", &ResourceAttributes::namespace_},
    {"verb", &ResourceAttributes::verb},
    {"group", &ResourceAttributes::group},
    {"version", &ResourceAttributes::version},
    {"resource", &ResourceAttributes::resource},
    {"subresource", &ResourceAttributes::subresource},
    {"name", &ResourceAttributes::name},
};
constexpr FieldSpec<NonResourceAttributes> kNonResourceAttributesFields[] = {
    {"path", &NonResourceAttributes::path},
    {"verb", &NonResourceAttributes::verb},
};
constexpr FieldSpec<SubjectAccessReview> kReviewSpecFields[] = {
    {"user", &SubjectAccessReview::user},
    {"uid", &SubjectAccessReview::uid},
    {"groups", &SubjectAccessReview::groups},
    {"extra", &SubjectAccessReview::extra},
};
constexpr FieldSpec<SubjectAccessReview> kReviewStatusFields[] = {
    {"allowed", &SubjectAccessReview::allowed, Encoding::kAlways},
    {"denied", &SubjectAccessReview::denied},
    {"reason", &SubjectAccessReview::reason},
    {"evaluationError", &SubjectAccessReview::evaluation_error},
};
constexpr FieldSpec<RoleRef> kRoleRefFields[] = {
    {"apiGroup", &RoleRef::api_group, Encoding::kAlways},
    {"kind", &RoleRef::kind, Encoding::kAlways},
    {"name", &RoleRef::name, Encoding::kAlways},
};
constexpr FieldSpec<Subject> kSubjectFields[] = {
    {"kind", &Subject::kind, Encoding::kAlways},
    {"apiGroup", &Subject::api_group},
    {"name", &Subject::name, Encoding::kAlways},
    {"namespace", &Subject::namespace_},
};
constexpr FieldSpec<ApiStatus> kApiStatusFields[] = {
    {"status", &ApiStatus::status},
    {"message", &ApiStatus::message},
    {"reason", &ApiStatus::reason},
    {"code", &ApiStatus::code},
};
constexpr FieldSpec<ApiStatus> kApiStatusDetailsFields[] = {
    {"name", &ApiStatus::name},
    {"group", &ApiStatus::group},
    {"kind", &ApiStatus::kind},
    {"uid", &ApiStatus::uid},
    {"retryAfterSeconds", &ApiStatus::retry_after_seconds},
};
constexpr FieldSpec<StatusCause> kStatusCauseFields[] = {
    {"reason", &StatusCause::reason},
    {"message", &StatusCause::message},
    {"field", &StatusCause::field},
};

Json Canonical(const Lease& o) {
  Json j = CanonicalHead(o);
  j["spec"] = FieldsToJson(kLeaseSpecFields, o.spec);
  return j;
}

Json Canonical(const SubjectAccessReview& o) {
  Json j = CanonicalHead(o);
  Json spec = FieldsToJson(kReviewSpecFields, o);
  if (o.resource_attributes) {
    spec["resourceAttributes"] = FieldsToJson(kResourceAttributesFields, *o.resource_attributes);
  }
  if (o.non_resource_attributes) {
    spec["nonResourceAttributes"] = FieldsToJson(kNonResourceAttributesFields, *o.non_resource_attributes);
  }
  j["spec"] = std::move(spec);
  j["status"] = FieldsToJson(kReviewStatusFields, o);
  return j;
}

Json Canonical(const ClusterRoleBinding& o) {
  Json j = CanonicalHead(o);
  j["roleRef"] = FieldsToJson(kRoleRefFields, o.role_ref);
  PutObjectList(j, "subjects", o.subjects, kSubjectFields);
  return j;
}

Json Canonical(const ApiStatus& o) {
  Json j = FieldsToJson(kApiStatusFields, o);
  j["apiVersion"] = "v1";
  j["kind"] = "Status";
  j["metadata"] = Json::object();
  Json d = FieldsToJson(kApiStatusDetailsFields, o);
  PutObjectList(d, "causes", o.causes, kStatusCauseFields);
  if (!d.empty()) j["details"] = std::move(d);
  return j;
}

}  // namespace

Json ToJson(const Lease& o) { return MergeWithRaw<Lease>(o, Canonical); }

Status FromJson(const Json& j, Lease* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Lease", out));
  JG_RETURN_IF_ERROR(GetFields(Sub(j, "spec"), kLeaseSpecFields, &out->spec, "spec"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const SubjectAccessReview& o) { return MergeWithRaw<SubjectAccessReview>(o, Canonical); }

Status FromJson(const Json& j, SubjectAccessReview* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "SubjectAccessReview", out));
  const Json& spec = Sub(j, "spec");
  if (const Json* ra = Field(spec, "resourceAttributes")) {
    ResourceAttributes a;
    JG_RETURN_IF_ERROR(GetFields(*ra, kResourceAttributesFields, &a, "spec.resourceAttributes"));
    out->resource_attributes = std::move(a);
  }
  if (const Json* na = Field(spec, "nonResourceAttributes")) {
    NonResourceAttributes a;
    JG_RETURN_IF_ERROR(GetFields(*na, kNonResourceAttributesFields, &a, "spec.nonResourceAttributes"));
    out->non_resource_attributes = std::move(a);
  }
  JG_RETURN_IF_ERROR(GetFields(spec, kReviewSpecFields, out, "spec"));
  JG_RETURN_IF_ERROR(GetFields(Sub(j, "status"), kReviewStatusFields, out, "status"));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ClusterRoleBinding& o) { return MergeWithRaw<ClusterRoleBinding>(o, Canonical); }

Status FromJson(const Json& j, ClusterRoleBinding* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "ClusterRoleBinding", out));
  JG_RETURN_IF_ERROR(GetFields(Sub(j, "roleRef"), kRoleRefFields, &out->role_ref, "roleRef"));
  JG_RETURN_IF_ERROR(GetObjectList(j, "subjects", &out->subjects, "", kSubjectFields));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const ApiStatus& o) { return MergeWithRaw<ApiStatus>(o, Canonical); }

Status FromJson(const Json& j, ApiStatus* out) {
  *out = ApiStatus{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Status"));
  JG_RETURN_IF_ERROR(GetFields(j, kApiStatusFields, out, ""));
  const Json& d = Sub(j, "details");
  JG_RETURN_IF_ERROR(GetFields(d, kApiStatusDetailsFields, out, "details"));
  JG_RETURN_IF_ERROR(GetObjectList(d, "causes", &out->causes, "details", kStatusCauseFields));
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
