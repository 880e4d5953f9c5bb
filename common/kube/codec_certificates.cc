// Codec: certificates.k8s.io/v1 CertificateSigningRequest
// (kubernetes/api certificates/v1/types.go).
#include <algorithm>

#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

using CsrCondition = CertificateSigningRequestCondition;
constexpr StringField<CsrCondition> kCsrConditionStrings[] = {
    {"type", &CsrCondition::type, /*always=*/true},
    {"status", &CsrCondition::status, /*always=*/true},
    {"reason", &CsrCondition::reason},
    {"message", &CsrCondition::message},
};
constexpr TimeField<CsrCondition> kCsrConditionTimes[] = {
    {"lastUpdateTime", &CsrCondition::last_update_time},
    {"lastTransitionTime", &CsrCondition::last_transition_time},
};

Json Canonical(const CertificateSigningRequest& o) {
  Json j = CanonicalHead(o);
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
  PutObjectList(status, "conditions", o.status.conditions, [](Json& cj, const CsrCondition& c) {
    PutStrings(cj, kCsrConditionStrings, c);
    PutTimes(cj, kCsrConditionTimes, c);
  });
  PutBytes(status, "certificate", o.status.certificate);
  j["status"] = std::move(status);
  return j;
}

}  // namespace

Json ToJson(const CertificateSigningRequest& o) {
  return MergeWithRaw<CertificateSigningRequest>(o, Canonical);
}

Status FromJson(const Json& j, CertificateSigningRequest* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "CertificateSigningRequest", out));
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
  JG_RETURN_IF_ERROR(GetObjectList(status, "conditions", &out->status.conditions, "status",
                                   [](const Json& c, const std::string& p, CsrCondition* cond) {
                                     JG_RETURN_IF_ERROR(GetStrings(c, kCsrConditionStrings, cond, p));
                                     return GetTimes(c, kCsrConditionTimes, cond, p);
                                   }));
  JG_RETURN_IF_ERROR(GetBytes(status, "certificate", &out->status.certificate, "status"));
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
