// Codec: certificates.k8s.io/v1 CertificateSigningRequest
// (kubernetes/api certificates/v1/types.go).
#include <algorithm>

#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

using CsrSpec = CertificateSigningRequestSpec;
constexpr FieldSpec<CsrSpec> kCsrSpecFields[] = {
    {"request", &CsrSpec::request, Encoding::kBase64},
    {"signerName", &CsrSpec::signer_name, Encoding::kAlways},
    {"expirationSeconds", &CsrSpec::expiration_seconds},
    {"usages", &CsrSpec::usages},
    {"username", &CsrSpec::username},
    {"uid", &CsrSpec::uid},
    {"groups", &CsrSpec::groups},
    {"extra", &CsrSpec::extra},
};
using CsrCondition = CertificateSigningRequestCondition;
constexpr FieldSpec<CsrCondition> kCsrConditionFields[] = {
    {"type", &CsrCondition::type, Encoding::kAlways},
    {"status", &CsrCondition::status, Encoding::kAlways},
    {"reason", &CsrCondition::reason},
    {"message", &CsrCondition::message},
    {"lastUpdateTime", &CsrCondition::last_update_time},
    {"lastTransitionTime", &CsrCondition::last_transition_time},
};
constexpr FieldSpec<CertificateSigningRequestStatus> kCsrStatusFields[] = {
    {"certificate", &CertificateSigningRequestStatus::certificate, Encoding::kBase64},
};

Json Canonical(const CertificateSigningRequest& o) {
  Json j = CanonicalHead(o);
  j["spec"] = FieldsToJson(kCsrSpecFields, o.spec);
  Json status = FieldsToJson(kCsrStatusFields, o.status);
  PutObjectList(status, "conditions", o.status.conditions, kCsrConditionFields);
  j["status"] = std::move(status);
  return j;
}

}  // namespace

Json ToJson(const CertificateSigningRequest& o) {
  return MergeWithRaw<CertificateSigningRequest>(o, Canonical);
}

Status FromJson(const Json& j, CertificateSigningRequest* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "CertificateSigningRequest", out));
  JG_RETURN_IF_ERROR(GetFields(Sub(j, "spec"), kCsrSpecFields, &out->spec, "spec"));
  const Json& status = Sub(j, "status");
  JG_RETURN_IF_ERROR(
      GetObjectList(status, "conditions", &out->status.conditions, "status", kCsrConditionFields));
  JG_RETURN_IF_ERROR(GetFields(status, kCsrStatusFields, &out->status, "status"));
  out->raw = j;
  return OkStatus();
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
