// Codec: certificates.k8s.io/v1 CertificateSigningRequest
// (kubernetes/api certificates/v1/types.go).
#include <algorithm>

#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

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

}  // namespace

Json ToJson(const CertificateSigningRequest& o) {
  return MergeWithRaw<CertificateSigningRequest>(o, Canonical);
}

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
