#include "tests/sandbox/logic/signer.h"

#include <algorithm>
#include <set>

#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/pem.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/pem.h"
#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

std::set<std::string> UsageSet(const json& csr) {
  std::set<std::string> out;
  const json& spec = csr["spec"];
  if (spec.contains("usages") && spec["usages"].is_array()) {
    for (const auto& u : spec["usages"]) {
      if (u.is_string()) out.insert(u.get<std::string>());
    }
  }
  return out;
}

bool OrgIsSystemNodes(const crypto::ParsedCsr& req) {
  auto orgs = req.Organizations();
  return orgs.size() == 1 && orgs[0] == "system:nodes";
}

bool CnIsNode(const crypto::ParsedCsr& req) { return req.CommonName().rfind("system:node:", 0) == 0; }

}  // namespace

std::optional<std::string> ValidateKubeletClientCsr(const crypto::ParsedCsr& req,
                                                    const std::set<std::string>& usages) {
  if (!OrgIsSystemNodes(req)) return "subject organization is not system:nodes";
  if (!req.dns_names().empty()) return "DNS subjectAltNames are not allowed";
  if (!req.emails().empty()) return "Email subjectAltNames are not allowed";
  if (!req.ip_addresses().empty()) return "IP subjectAltNames are not allowed";
  if (!req.uris().empty()) return "URI subjectAltNames are not allowed";
  if (!CnIsNode(req)) return "subject common name does not begin with system:node:";
  const std::set<std::string> full = {"client auth", "digital signature", "key encipherment"};
  const std::set<std::string> no_rsa = {"client auth", "digital signature"};
  if (usages != full && usages != no_rsa) {
    return "usages did not match [client auth digital signature key encipherment]";
  }
  return std::nullopt;
}

std::optional<std::string> ValidateKubeletServingCsr(const crypto::ParsedCsr& req,
                                                     const std::set<std::string>& usages) {
  if (!OrgIsSystemNodes(req)) return "subject organization is not system:nodes";
  if (req.dns_names().empty() && req.ip_addresses().empty()) return "DNS or IP subjectAltName is required";
  if (!req.emails().empty()) return "Email subjectAltNames are not allowed";
  if (!req.uris().empty()) return "URI subjectAltNames are not allowed";
  const std::set<std::string> full = {"digital signature", "key encipherment", "server auth"};
  const std::set<std::string> no_rsa = {"digital signature", "server auth"};
  if (usages != full && usages != no_rsa) {
    return "usages did not match [digital signature key encipherment server auth]";
  }
  if (!CnIsNode(req)) return "subject common name does not begin with system:node:";
  return std::nullopt;
}

std::chrono::seconds SignerDuration(const nlohmann::json& csr) {
  const std::chrono::seconds kCertTtl = std::chrono::hours(24 * 365);
  const json& spec = csr["spec"];
  if (!spec.contains("expirationSeconds") || !spec["expirationSeconds"].is_number_integer()) {
    return kCertTtl;
  }
  std::chrono::seconds requested(spec["expirationSeconds"].get<long long>());
  if (requested > kCertTtl) return kCertTtl;
  if (requested < std::chrono::minutes(10)) return std::chrono::minutes(10);
  return requested;
}

static std::optional<nlohmann::json> SignCsrImpl(const nlohmann::json& csr, const CaMaterial& ca,
                                                 std::chrono::system_clock::time_point now,
                                                 const crypto::ParsedCsr* parsed) {
  if (!csr.is_object() || !csr.contains("spec") || !csr["spec"].is_object()) return std::nullopt;
  const std::string signer = csr["spec"].value("signerName", "");
  if (signer != kKubeletClientSigner && signer != kKubeletServingSigner) return std::nullopt;
  // certificate_controller: nothing to do once issued.
  if (csr.contains("status") && csr["status"].is_object() &&
      !csr["status"].value("certificate", "").empty()) {
    return std::nullopt;
  }
  // IsCertificateRequestApproved (Approved present, Denied absent) and not Failed.
  bool approved = false, denied = false;
  if (csr.contains("status") && csr["status"].contains("conditions") &&
      csr["status"]["conditions"].is_array()) {
    for (const auto& c : csr["status"]["conditions"]) {
      if (!c.is_object()) continue;
      const std::string type = c.value("type", "");
      if (type == "Approved") approved = true;
      if (type == "Denied") denied = true;
    }
  }
  if (!approved || denied || CsrHasCondition(csr, "Failed")) return std::nullopt;

  std::optional<crypto::ParsedCsr> own;
  if (parsed == nullptr) {
    auto pem = CsrRequestPem(csr);
    if (!pem.ok()) return std::nullopt;
    auto block = PemDecode(*pem, nullptr);
    if (!block || block->type != "CERTIFICATE REQUEST") return std::nullopt;
    auto fresh = crypto::ParsedCsr::FromDer(block->bytes);
    if (!fresh.ok()) return std::nullopt;  // upstream: retryable error, never signed
    own.emplace(*std::move(fresh));
    parsed = &*own;
  }
  const crypto::ParsedCsr* req = parsed;

  const std::set<std::string> usages = UsageSet(csr);
  std::optional<std::string> invalid = signer == kKubeletClientSigner
                                           ? ValidateKubeletClientCsr(*req, usages)
                                           : ValidateKubeletServingCsr(*req, usages);
  json out = csr;
  const std::string now_str = FormatRfc3339(now);
  if (invalid) {
    SetCsrCondition(out, "Failed", "SignerValidationFailure", *invalid, now_str);
    return out;
  }
  // PermissiveSigningPolicy: NotBefore = now-5m; NotAfter = now+ttl (ttl < 8h) or
  // now+ttl-5m, clamped to the CA's NotAfter.
  const std::chrono::seconds backdate = std::chrono::minutes(5);
  const std::chrono::seconds ttl = SignerDuration(csr);
  std::chrono::system_clock::time_point not_after =
      now + (ttl < std::chrono::hours(8) ? ttl : ttl - backdate);
  const auto ca_not_after = ca.cert.NotAfter();
  if (!(now < ca_not_after)) return std::nullopt;  // refusing to sign with an expired CA
  if (!(not_after < ca_not_after)) not_after = ca_not_after;

  crypto::CertificateProfile profile;
  profile.validity = std::chrono::duration_cast<std::chrono::seconds>(not_after - now);
  profile.usages.assign(usages.begin(), usages.end());
  profile.is_ca = false;
  profile.backdate = backdate;
  // The DER goes straight into status.certificate: no read-back into a Certificate.
  auto der = crypto::SignCsrDer(*req, ca.cert, ca.key, profile, now);
  if (!der.ok()) return std::nullopt;
  out["status"]["certificate"] = crypto::Base64Encode(crypto::PemEncode("CERTIFICATE", *der));
  return out;
}

std::optional<nlohmann::json> SignCsr(const nlohmann::json& csr, const CaMaterial& ca,
                                      std::chrono::system_clock::time_point now,
                                      const crypto::ParsedCsr* parsed) {
  try {
    return SignCsrImpl(csr, ca, now, parsed);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // malformed object: nothing the signer can do
  }
}

}  // namespace joinguard::sandbox::logic
