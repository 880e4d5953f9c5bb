#include "tests/sandbox/logic/csr.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <set>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key_usage.h"
#include "tests/sandbox/logic/pem.h"
#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

constexpr std::string_view kKindGroup = "CertificateSigningRequest.certificates.k8s.io";

// The certificates/v1 usages the apiserver accepts, sorted as its NotSupported error lists them
// (kubernetes/kubernetes pkg/apis/certificates/validation: sets.List(allValidUsages)).
const std::set<std::string>& ValidUsages() {
  static const auto* const kUsages = [] {
    auto* usages = new std::set<std::string>;
    for (const crypto::KeyUsage& u : crypto::KeyUsages()) usages->insert(std::string(u.name));
    return usages;
  }();
  return *kUsages;
}

std::string SupportedList(const std::set<std::string>& values) {
  std::string out = "supported values: ";
  bool first = true;
  for (const auto& v : values) {
    if (!first) out += ", ";
    first = false;
    out += GoQuote(v);
  }
  return out;
}

std::string Name(const json& obj) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  return obj["metadata"].value("name", "");
}

json& Spec(json& csr) {
  if (!csr.contains("spec") || !csr["spec"].is_object()) csr["spec"] = json::object();
  return csr["spec"];
}

const json& Conditions(const json& csr) {
  static const json kEmpty = json::array();
  if (!csr.is_object() || !csr.contains("status") || !csr["status"].is_object()) return kEmpty;
  const json& s = csr["status"];
  if (!s.contains("conditions") || !s["conditions"].is_array()) return kEmpty;
  return s["conditions"];
}

std::string CondStr(const json& c, const char* key) {
  if (!c.is_object() || !c.contains(key) || !c[key].is_string()) return "";
  return c[key].get<std::string>();
}

std::string CertificateB64(const json& csr) {
  if (!csr.is_object() || !csr.contains("status") || !csr["status"].is_object()) return "";
  const json& s = csr["status"];
  if (!s.contains("certificate") || !s["certificate"].is_string()) return "";
  return s["certificate"].get<std::string>();
}

std::vector<json> FindConditions(const json& csr, std::string_view type) {
  std::vector<json> out;
  for (const auto& c : Conditions(csr)) {
    if (CondStr(c, "type") == type) out.push_back(c);
  }
  return out;
}

// validateCSR: first PEM block must be CERTIFICATE REQUEST, parse, and its signature verify.
// `parsed_out` (optional) receives the parse of a request that passes.
std::optional<std::string> RequestError(const std::string& pem,
                                        std::shared_ptr<const crypto::ParsedCsr>* parsed_out = nullptr) {
  auto block = PemDecode(pem, nullptr);
  if (!block || block->type != "CERTIFICATE REQUEST") {
    return "PEM block type must be CERTIFICATE REQUEST";
  }
  auto parsed = crypto::ParsedCsr::FromDer(block->bytes);
  if (!parsed.ok()) return "x509: " + parsed.status().message();
  if (parsed_out != nullptr && parsed->signature_valid()) {
    *parsed_out = std::make_shared<const crypto::ParsedCsr>(*std::move(parsed));
    return std::nullopt;
  }
  if (!parsed->signature_valid()) {
    switch (parsed->key_info().algorithm) {
      case crypto::KeyAlgorithm::kEcdsa:
        return "x509: ECDSA verification failure";
      case crypto::KeyAlgorithm::kEd25519:
        return "x509: Ed25519 verification failure";
      case crypto::KeyAlgorithm::kRsa:
        return "crypto/rsa: verification error";
      default:
        return "x509: signature verification failure";
    }
  }
  return std::nullopt;
}

std::optional<std::string> CertificateError(const std::string& pem) {
  if (pem.empty()) return std::nullopt;
  std::string_view data = pem;
  int blocks = 0;
  while (true) {
    std::string_view rest;
    auto block = PemDecode(data, &rest);
    if (!block) break;
    if (block->type != "CERTIFICATE") {
      return "only CERTIFICATE PEM blocks are allowed, found " + GoQuote(block->type);
    }
    if (!block->headers.empty()) return "no PEM block headers are permitted";
    ++blocks;
    auto cert = crypto::Certificate::FromDer(block->bytes);
    if (!cert.ok()) return "x509: " + cert.status().message();
    data = rest;
  }
  if (blocks == 0) return "must contain at least one CERTIFICATE PEM block";
  return std::nullopt;
}

// Signer name rules (k8s pkg/apis/core/validation ValidateSignerName).
void ValidateSignerName(const std::string& signer, std::vector<FieldError>& errs) {
  const std::string field = "spec.signerName";
  if (signer.empty()) {
    errs.push_back({field, "Required value", "", ""});
    return;
  }
  if (signer == kLegacyUnknownSigner) {
    errs.push_back({field, "Invalid value", GoQuote(signer),
                    "the legacy signerName is not allowed via this API version"});
    return;
  }
  const size_t slash = signer.find('/');
  if (slash == std::string::npos || signer.find('/', slash + 1) != std::string::npos) {
    errs.push_back({field, "Invalid value", GoQuote(signer),
                    "must be a fully qualified domain and path of the form 'example.com/signer-name'"});
    return;
  }
  const std::string domain = signer.substr(0, slash);
  const std::string path = signer.substr(slash + 1);
  if (domain.size() > 253) {
    errs.push_back({field, "Too long", "", "may not be more than 253 bytes"});
  }
  size_t labels = 0;
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string label = domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    ++labels;
    bool ok = !label.empty() && label.size() <= 63;
    for (size_t i = 0; ok && i < label.size(); ++i) {
      char c = label[i];
      bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && !(c == '-' && i != 0 && i + 1 != label.size())) ok = false;
    }
    if (!ok) {
      errs.push_back({field, "Invalid value", GoQuote(domain),
                      "validating label " + GoQuote(label) +
                          ": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                          "characters or '-', and must start and end with an alphanumeric character "
                          "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"});
      break;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (labels < 2) {
    errs.push_back({field, "Invalid value", GoQuote(domain),
                    "should be a domain with at least two segments separated by dots"});
  }
  if (path.size() > 253 + 63 + 1) {
    errs.push_back({field, "Too long", "", "may not be more than 317 bytes"});
  }
  bool path_ok = !path.empty();
  for (size_t i = 0; path_ok && i < path.size(); ++i) {
    char c = path[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    bool edge = i == 0 || i + 1 == path.size();
    if (!alnum && (edge || (c != '-' && c != '_' && c != '.'))) path_ok = false;
  }
  if (!path_ok) {
    errs.push_back({field, "Invalid value", GoQuote(path),
                    "validating path: a valid path segment must consist of alphanumeric characters, "
                    "'-', '_' or '.', and must start and end with an alphanumeric character"});
  }
}

void ValidateConditions(const json& csr, std::vector<FieldError>& errs) {
  std::set<std::string> seen;
  bool approved = false, denied = false;
  const json& conds = Conditions(csr);
  for (size_t i = 0; i < conds.size(); ++i) {
    const json& c = conds[i];
    const std::string base = "status.conditions[" + std::to_string(i) + "]";
    const std::string type = CondStr(c, "type");
    const std::string status = CondStr(c, "status");
    if (type.empty()) errs.push_back({base + ".type", "Required value", "", ""});
    const bool true_only = type == "Approved" || type == "Denied" || type == "Failed";
    if (status.empty()) {
      errs.push_back({base + ".status", "Required value", "", ""});
    } else if (true_only ? status != "True"
                         : (status != "True" && status != "False" && status != "Unknown")) {
      errs.push_back({base + ".status", "Unsupported value", GoQuote(status),
                      true_only ? SupportedList({"True"}) : SupportedList({"False", "True", "Unknown"})});
    }
    if (type == "Approved") {
      approved = true;
      if (denied) {
        errs.push_back({base + ".type", "Invalid value", GoQuote(type),
                        "Approved and Denied conditions are mutually exclusive"});
      }
    } else if (type == "Denied") {
      denied = true;
      if (approved) {
        errs.push_back({base + ".type", "Invalid value", GoQuote(type),
                        "Approved and Denied conditions are mutually exclusive"});
      }
    }
    if (seen.count(type)) errs.push_back({base + ".type", "Duplicate value", GoQuote(type), ""});
    seen.insert(type);
  }
}

// spec.request when it is a non-empty string, else "".
const std::string& RequestB64(const json& csr) {
  static const std::string kNone;
  if (!csr.is_object() || !csr.contains("spec") || !csr["spec"].is_object()) return kNone;
  const json& spec = csr["spec"];
  if (!spec.contains("request") || !spec["request"].is_string()) return kNone;
  return spec["request"].get_ref<const std::string&>();
}

// validateCertificateSigningRequest: everything checked on create and on every update. On an
// update (`old_csr` set):
// - a spec.request equal to the stored one is not parsed and verified again. The request is
//   immutable (every update strategy copies spec from the stored object) and the stored one
//   passed this same check when it was created, so the result cannot differ; the PKCS#10 parse
//   and signature check are most of an approval's cost. Upstream re-runs validateCSR here, and
//   skips re-parsing unchanged PEM elsewhere for the same reason (ClusterTrustBundle:
//   k8s pkg/apis/certificates/validation/validation.go ValidateClusterTrustBundleUpdate).
// - an unchanged status.certificate is not parsed again (allowArbitraryCertificate: "tolerate
//   updates that don't touch status.certificate", same file); nor one in `issued_certificate`,
//   which the caller (the sandbox's own signer) has just issued itself.
Status ValidateCsrObject(const json& csr, std::vector<FieldError>& errs, const json* old_csr = nullptr,
                         std::string_view issued_certificate = {},
                         std::shared_ptr<const crypto::ParsedCsr>* parsed_request = nullptr) {
  if (!csr.is_object())
    return InvalidArgumentError("CertificateSigningRequest must be a JSON object")
        .WithReason("BadRequest", 400);
  const json spec = csr.contains("spec") && csr["spec"].is_object() ? csr["spec"] : json::object();
  // spec.request
  const std::string& request = RequestB64(csr);
  if (old_csr == nullptr || request.empty() || request != RequestB64(*old_csr)) {
    auto pem = CsrRequestPem(csr);
    if (!pem.ok()) return pem.status();
    if (auto err = RequestError(*pem, parsed_request)) {
      errs.push_back({"spec.request", "Invalid value", "[]byte{...}", *err});
    }
  }
  // spec.usages
  std::vector<std::string> usages;
  if (spec.contains("usages") && spec["usages"].is_array()) {
    for (const auto& u : spec["usages"]) usages.push_back(u.is_string() ? u.get<std::string>() : u.dump());
  }
  if (usages.empty()) errs.push_back({"spec.usages", "Required value", "", ""});
  for (size_t i = 0; i < usages.size(); ++i) {
    if (!ValidUsages().count(usages[i])) {
      errs.push_back({"spec.usages[" + std::to_string(i) + "]", "Unsupported value", GoQuote(usages[i]),
                      SupportedList(ValidUsages())});
    }
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < usages.size(); ++i) {
    if (seen.count(usages[i])) {
      errs.push_back({"spec.usages[" + std::to_string(i) + "]", "Duplicate value", GoQuote(usages[i]), ""});
    }
    seen.insert(usages[i]);
  }
  // spec.signerName
  ValidateSignerName(spec.contains("signerName") && spec["signerName"].is_string()
                         ? spec["signerName"].get<std::string>()
                         : "",
                     errs);
  // spec.expirationSeconds
  if (spec.contains("expirationSeconds") && !spec["expirationSeconds"].is_null()) {
    const json& e = spec["expirationSeconds"];
    // The field is an int32 (kubernetes/api certificates/v1/types.go): Go's JSON decoder refuses
    // strings, fractions and out-of-range numbers, and the create/update handlers answer 400
    // (apiserver pkg/endpoints/handlers/rest.go transformDecodeError).
    const bool in_range = (e.is_number_integer() && !e.is_number_unsigned() &&
                           e.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                           e.get<int64_t>() <= std::numeric_limits<int32_t>::max()) ||
                          (e.is_number_unsigned() &&
                           e.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()));
    if (!in_range) {
      const std::string value = e.is_number()    ? "number " + e.dump()
                                : e.is_boolean() ? std::string("bool")
                                                 : std::string(e.type_name());
      return InvalidArgumentError(
                 "CertificateSigningRequest in version \"v1\" cannot be handled as a "
                 "CertificateSigningRequest: json: cannot unmarshal " +
                 value +
                 " into Go struct field CertificateSigningRequestSpec.spec.expirationSeconds of "
                 "type int32")
          .WithReason("BadRequest", 400);
    }
    if (e.get<long long>() < 600) {
      errs.push_back({"spec.expirationSeconds", "Invalid value", std::to_string(e.get<long long>()),
                      "may not specify a duration less than 600 seconds (10 minutes)"});
    }
  }
  ValidateConditions(csr, errs);
  // status.certificate
  const std::string cert_b64 = CertificateB64(csr);
  const bool cert_known_good = (old_csr != nullptr && cert_b64 == CertificateB64(*old_csr)) ||
                               (!issued_certificate.empty() && cert_b64 == issued_certificate);
  if (!cert_b64.empty() && !cert_known_good) {
    auto cert_pem = crypto::Base64Decode(cert_b64);
    if (!cert_pem.ok()) {
      return InvalidArgumentError(
                 "CertificateSigningRequest in version \"v1\" cannot be handled as a "
                 "CertificateSigningRequest: status.certificate is not valid base64")
          .WithReason("BadRequest", 400);
    }
    if (auto err = CertificateError(*cert_pem)) {
      errs.push_back({"status.certificate", "Invalid value", "\"<certificate data>\"", *err});
    }
  }
  return OkStatus();
}

void ValidateMetaUpdate(const json& old_csr, json& new_csr, std::vector<FieldError>& errs) {
  if (!new_csr.contains("metadata") || !new_csr["metadata"].is_object()) new_csr["metadata"] = json::object();
  json& nm = new_csr["metadata"];
  const json om = old_csr.value("metadata", json::object());
  if (nm.value("name", "") != om.value("name", "")) {
    errs.push_back({"metadata.name", "Invalid value", GoQuote(nm.value("name", "")), "field is immutable"});
  }
  if (!nm.contains("uid") || nm["uid"].is_null() || nm["uid"] == "") {
    if (om.contains("uid")) nm["uid"] = om["uid"];
  } else if (nm["uid"] != om.value("uid", json(""))) {
    errs.push_back({"metadata.uid", "Invalid value",
                    GoQuote(nm["uid"].is_string() ? nm["uid"].get<std::string>() : ""),
                    "field is immutable"});
  }
  if (om.contains("creationTimestamp")) {
    nm["creationTimestamp"] = om["creationTimestamp"];
  }
}

void PopulateConditionTimestamps(json& new_csr, const json& old_csr, const std::string& now) {
  if (!new_csr.contains("status") || !new_csr["status"].is_object()) return;
  json& status = new_csr["status"];
  if (!status.contains("conditions") || !status["conditions"].is_array()) return;
  for (auto& c : status["conditions"]) {
    if (!c.is_object()) continue;
    if (CondStr(c, "lastUpdateTime").empty()) c["lastUpdateTime"] = now;
    if (CondStr(c, "lastTransitionTime").empty()) {
      std::string last = now;
      for (const auto& oc : Conditions(old_csr)) {
        if (CondStr(oc, "type") == CondStr(c, "type") && CondStr(oc, "status") == CondStr(c, "status") &&
            !CondStr(oc, "lastTransitionTime").empty()) {
          last = CondStr(oc, "lastTransitionTime");
          break;
        }
      }
      c["lastTransitionTime"] = last;
    }
  }
}

// validateCertificateSigningRequestUpdate with the given options.
Status ValidateUpdate(const json& old_csr, json& new_csr, bool allow_approval, bool allow_certificate,
                      std::string_view issued_certificate = {}) {
  std::vector<FieldError> errs;
  JG_RETURN_IF_ERROR(ValidateCsrObject(new_csr, errs, &old_csr, issued_certificate));
  std::vector<FieldError> meta_errs;
  ValidateMetaUpdate(old_csr, new_csr, meta_errs);
  for (const char* t : {"Approved", "Denied", "Failed"}) {
    if (FindConditions(new_csr, t).size() < FindConditions(old_csr, t).size()) {
      errs.push_back({"status.conditions", "Forbidden", "",
                      std::string("updates may not remove a condition of type ") + GoQuote(t)});
    }
  }
  if (!allow_approval) {
    for (const char* t : {"Approved", "Denied"}) {
      auto o = FindConditions(old_csr, t);
      auto n = FindConditions(new_csr, t);
      if (n.size() < o.size()) continue;
      if (n.size() > o.size()) {
        errs.push_back({"status.conditions", "Forbidden", "",
                        std::string("updates may not add a condition of type ") + GoQuote(t)});
      } else if (o != n) {
        errs.push_back({"status.conditions", "Forbidden", "",
                        std::string("updates may not modify a condition of type ") + GoQuote(t)});
      }
    }
  }
  const std::string old_cert = CertificateB64(old_csr);
  if (CertificateB64(new_csr) != old_cert) {
    if (!allow_certificate) {
      errs.push_back({"status.certificate", "Forbidden", "", "updates may not set certificate content"});
    } else if (!old_cert.empty()) {
      errs.push_back(
          {"status.certificate", "Forbidden", "", "updates may not modify existing certificate content"});
    }
  }
  errs.insert(errs.end(), meta_errs.begin(), meta_errs.end());
  if (!errs.empty()) return InvalidError(kKindGroup, Name(old_csr), errs);
  return OkStatus();
}

json StatusOf(const json& csr) {
  if (csr.is_object() && csr.contains("status") && csr["status"].is_object()) return csr["status"];
  return json::object();
}

Status ForbiddenCsr(const json& csr, const std::string& why) {
  return PermissionDeniedError("certificatesigningrequests.certificates.k8s.io " + GoQuote(Name(csr)) +
                               " is forbidden: " + why)
      .WithReason("Forbidden", 403);
}

bool AuthorizedForSigner(const UserInfo& user, const std::string& verb, const std::string& signer,
                         const AuthorizeFn& authorize) {
  RequestAttributes attrs;
  attrs.user = user;
  attrs.verb = verb;
  attrs.api_group = "certificates.k8s.io";
  attrs.resource = "signers";
  attrs.name = signer;
  if (authorize(attrs)) return true;
  const size_t slash = signer.find('/');
  attrs.name = signer.substr(0, slash) + "/*";
  return authorize(attrs);
}

std::string SignerOf(const json& csr) {
  if (!csr.is_object() || !csr.contains("spec") || !csr["spec"].is_object()) return "";
  return csr["spec"].value("signerName", "");
}

}  // namespace

StatusOr<std::string> CsrRequestPem(const json& csr) {
  std::string b64;
  if (csr.is_object() && csr.contains("spec") && csr["spec"].is_object() && csr["spec"].contains("request") &&
      csr["spec"]["request"].is_string()) {
    b64 = csr["spec"]["request"].get<std::string>();
  }
  auto pem = crypto::Base64Decode(b64);
  if (!pem.ok()) {
    return InvalidArgumentError(
               "CertificateSigningRequest in version \"v1\" cannot be handled as a "
               "CertificateSigningRequest: spec.request: illegal base64 data")
        .WithReason("BadRequest", 400);
  }
  return *pem;
}

bool CsrHasCondition(const json& csr, std::string_view type) {
  for (const auto& c : Conditions(csr)) {
    if (CondStr(c, "type") == type && CondStr(c, "status") == "True") return true;
  }
  return false;
}

void SetCsrCondition(json& csr, const std::string& type, const std::string& reason,
                     const std::string& message, const std::string& now_rfc3339) {
  if (!csr.contains("status") || !csr["status"].is_object()) csr["status"] = json::object();
  json& status = csr["status"];
  if (!status.contains("conditions") || !status["conditions"].is_array())
    status["conditions"] = json::array();
  json cond = {{"type", type},
               {"status", "True"},
               {"reason", reason},
               {"message", message},
               {"lastUpdateTime", now_rfc3339},
               {"lastTransitionTime", now_rfc3339}};
  for (auto& c : status["conditions"]) {
    if (CondStr(c, "type") == type) {
      if (CondStr(c, "status") == "True" && !CondStr(c, "lastTransitionTime").empty()) {
        cond["lastTransitionTime"] = c["lastTransitionTime"];
      }
      c = cond;
      return;
    }
  }
  status["conditions"].push_back(cond);
}

namespace {
Status SubjectRestriction(const json& csr, const crypto::ParsedCsr* already_parsed) {
  if (SignerOf(csr) != kKubeApiserverClientSigner) return OkStatus();
  std::optional<crypto::ParsedCsr> own;
  if (already_parsed == nullptr) {
    auto pem = CsrRequestPem(csr);
    if (!pem.ok()) return OkStatus();  // validation reports it
    auto block = PemDecode(*pem, nullptr);
    if (!block) return OkStatus();
    auto parsed = crypto::ParsedCsr::FromDer(block->bytes);
    if (!parsed.ok()) return OkStatus();
    own.emplace(*std::move(parsed));
    already_parsed = &*own;
  }
  for (const auto& o : already_parsed->Organizations()) {
    if (o == kSystemMasters) {
      return ForbiddenCsr(
          csr, "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed");
    }
  }
  return OkStatus();
}
}  // namespace

Status AdmitCsrSubjectRestriction(const json& csr) { return SubjectRestriction(csr, nullptr); }

static Status PrepareCsrForCreateImpl(json& csr, const UserInfo& user,
                                      std::shared_ptr<const crypto::ParsedCsr>* parsed_request) {
  if (!csr.is_object()) {
    return InvalidArgumentError("CertificateSigningRequest must be a JSON object")
        .WithReason("BadRequest", 400);
  }
  json& spec = Spec(csr);
  // Strategy PrepareForCreate: requester identity from the authenticated user.
  spec.erase("username");
  spec.erase("uid");
  spec.erase("groups");
  spec.erase("extra");
  if (!user.name.empty()) spec["username"] = user.name;
  if (!user.uid.empty()) spec["uid"] = user.uid;
  if (!user.groups.empty()) spec["groups"] = user.groups;
  if (!user.extra.empty()) spec["extra"] = user.extra;
  csr["status"] = json::object();
  std::vector<FieldError> errs;
  const json meta = csr.value("metadata", json::object());
  if (meta.value("name", "").empty() && meta.value("generateName", "").empty()) {
    errs.push_back({"metadata.name", "Required value", "", "name or generateName is required"});
  }
  // The parse that validation makes is kept: the subject restriction and (through the caller)
  // the signer read it instead of parsing the same request again.
  std::shared_ptr<const crypto::ParsedCsr> parsed;
  JG_RETURN_IF_ERROR(ValidateCsrObject(csr, errs, nullptr, {}, &parsed));
  if (!errs.empty()) return InvalidError(kKindGroup, Name(csr), errs);
  JG_RETURN_IF_ERROR(SubjectRestriction(csr, parsed.get()));
  if (parsed_request != nullptr) *parsed_request = std::move(parsed);
  return OkStatus();
}

static Status ValidateCsrApprovalUpdateImpl(const json& old_csr, json& new_csr,
                                            std::chrono::system_clock::time_point now) {
  if (!new_csr.is_object())
    return InvalidArgumentError("CertificateSigningRequest must be a JSON object")
        .WithReason("BadRequest", 400);
  // csrApprovalStrategy.PrepareForUpdate: only conditions come from the request.
  json conditions = Conditions(new_csr);
  new_csr["spec"] = old_csr.value("spec", json::object());
  json status = StatusOf(old_csr);
  if (conditions.empty()) {
    status.erase("conditions");
  } else {
    status["conditions"] = conditions;
  }
  new_csr["status"] = status;
  PopulateConditionTimestamps(new_csr, old_csr, FormatRfc3339(now));
  return ValidateUpdate(old_csr, new_csr, /*allow_approval=*/true, /*allow_certificate=*/false);
}

static Status ValidateCsrStatusUpdateImpl(const json& old_csr, json& new_csr,
                                          std::chrono::system_clock::time_point now,
                                          std::string_view issued_certificate) {
  if (!new_csr.is_object())
    return InvalidArgumentError("CertificateSigningRequest must be a JSON object")
        .WithReason("BadRequest", 400);
  // csrStatusStrategy.PrepareForUpdate: spec kept; existing Approved/Denied copied back.
  new_csr["spec"] = old_csr.value("spec", json::object());
  json status = StatusOf(new_csr);
  json merged = json::array();
  std::set<std::string> present;
  for (const auto& c : Conditions(new_csr)) {
    const std::string type = CondStr(c, "type");
    if (type == "Approved" || type == "Denied") {
      auto old = FindConditions(old_csr, type);
      present.insert(type);
      if (!old.empty()) {
        merged.push_back(old.front());
        continue;
      }
    }
    merged.push_back(c);
  }
  for (const auto& oc : Conditions(old_csr)) {
    const std::string type = CondStr(oc, "type");
    if ((type == "Approved" || type == "Denied") && !present.count(type)) merged.push_back(oc);
  }
  if (merged.empty()) {
    status.erase("conditions");
  } else {
    status["conditions"] = merged;
  }
  new_csr["status"] = status;
  PopulateConditionTimestamps(new_csr, old_csr, FormatRfc3339(now));
  return ValidateUpdate(old_csr, new_csr, /*allow_approval=*/false, /*allow_certificate=*/true,
                        issued_certificate);
}

static Status ValidateCsrMainUpdateImpl(const json& old_csr, json& new_csr);

namespace {
Status MalformedObject(const nlohmann::json::exception& e) {
  return InvalidArgumentError(
             std::string("CertificateSigningRequest in version \"v1\" cannot be handled as a "
                         "CertificateSigningRequest: ") +
             e.what())
      .WithReason("BadRequest", 400);
}
}  // namespace

Status PrepareCsrForCreate(json& csr, const UserInfo& user,
                           std::shared_ptr<const crypto::ParsedCsr>* parsed_request) {
  try {
    return PrepareCsrForCreateImpl(csr, user, parsed_request);
  } catch (const nlohmann::json::exception& e) {
    return MalformedObject(e);
  }
}

Status ValidateCsrApprovalUpdate(const json& old_csr, json& new_csr,
                                 std::chrono::system_clock::time_point now) {
  try {
    return ValidateCsrApprovalUpdateImpl(old_csr, new_csr, now);
  } catch (const nlohmann::json::exception& e) {
    return MalformedObject(e);
  }
}

Status ValidateCsrStatusUpdate(const json& old_csr, json& new_csr, std::chrono::system_clock::time_point now,
                               std::string_view issued_certificate) {
  try {
    return ValidateCsrStatusUpdateImpl(old_csr, new_csr, now, issued_certificate);
  } catch (const nlohmann::json::exception& e) {
    return MalformedObject(e);
  }
}

Status ValidateCsrMainUpdate(const json& old_csr, json& new_csr) {
  try {
    return ValidateCsrMainUpdateImpl(old_csr, new_csr);
  } catch (const nlohmann::json::exception& e) {
    return MalformedObject(e);
  }
}

Status ValidateCsrApprovalUpdate(const json& old_csr, json& new_csr) {
  return ValidateCsrApprovalUpdate(old_csr, new_csr, std::chrono::system_clock::now());
}

Status ValidateCsrStatusUpdate(const json& old_csr, json& new_csr) {
  return ValidateCsrStatusUpdate(old_csr, new_csr, std::chrono::system_clock::now());
}

static Status ValidateCsrMainUpdateImpl(const json& old_csr, json& new_csr) {
  if (!new_csr.is_object())
    return InvalidArgumentError("CertificateSigningRequest must be a JSON object")
        .WithReason("BadRequest", 400);
  // csrStrategy.PrepareForUpdate: spec and status are reset to the stored values.
  new_csr["spec"] = old_csr.value("spec", json::object());
  if (old_csr.contains("status")) {
    new_csr["status"] = old_csr["status"];
  } else {
    new_csr.erase("status");
  }
  return ValidateUpdate(old_csr, new_csr, false, false);
}

Status AdmitCsrApproval(const json& old_csr, const UserInfo& user, const AuthorizeFn& authorize) {
  const std::string signer = SignerOf(old_csr);
  if (AuthorizedForSigner(user, "approve", signer, authorize)) return OkStatus();
  return ForbiddenCsr(old_csr, "user not permitted to approve requests with signerName " + GoQuote(signer));
}

Status AdmitCsrStatusUpdate(const json& old_csr, const json& new_csr, const UserInfo& user,
                            const AuthorizeFn& authorize) {
  if (CertificateB64(old_csr) == CertificateB64(new_csr) && Conditions(old_csr) == Conditions(new_csr)) {
    return OkStatus();
  }
  const std::string signer = SignerOf(old_csr);
  if (AuthorizedForSigner(user, "sign", signer, authorize)) return OkStatus();
  return ForbiddenCsr(old_csr, "user not permitted to sign requests with signerName " + GoQuote(signer));
}

}  // namespace joinguard::sandbox::logic
