#include "controller/policy/checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "common/crypto/token.h"
#include "controller/policy/expiration_check.h"
#include "controller/policy/text.h"

namespace joinguard::controller::policy {
namespace {

std::string SubjectString(const crypto::ParsedCsr& csr) {
  std::string out;
  for (const auto& rdn : csr.subject_rdns()) {
    if (!out.empty()) out += ",";
    for (size_t i = 0; i < rdn.size(); ++i) {
      if (i) out += "+";
      out += rdn[i].type + "=" + rdn[i].value;
    }
  }
  return out.empty() ? "<empty>" : out;
}

CheckResult Unparsed(const CsrContext& ctx) {
  return CheckResult::NoOpinion(std::string(reason::kRequestUnparseable),
                                "spec.request could not be parsed: " + ctx.parse_status().message() +
                                    "; leaving it for a human (kubectl certificate approve|deny)");
}

std::string AlgorithmName(crypto::KeyAlgorithm a) {
  switch (a) {
    case crypto::KeyAlgorithm::kRsa:
      return "RSA";
    case crypto::KeyAlgorithm::kEcdsa:
      return "ECDSA";
    case crypto::KeyAlgorithm::kEd25519:
      return "Ed25519";
    default:
      return "unknown";
  }
}

std::string KeyDescription(const crypto::KeyInfo& k) {
  switch (k.algorithm) {
    case crypto::KeyAlgorithm::kRsa:
      return "RSA " + std::to_string(k.bits);
    case crypto::KeyAlgorithm::kEcdsa:
      return "ECDSA " + (k.curve.empty() ? std::to_string(k.bits) + "-bit" : k.curve);
    case crypto::KeyAlgorithm::kEd25519:
      return "Ed25519";
    default:
      return "an unsupported key algorithm";
  }
}

bool IsWeakCurve(const crypto::KeyInfo& k) { return k.bits > 0 && k.bits < 256; }

std::string DenyAdvice(std::string_view what) {
  return std::string(what) +
         "; if this node is legitimate, fix the joining node or approve it manually with "
         "kubectl certificate approve";
}

// A fact the check needs is missing: retry (never deny), saying why it is missing.
CheckResult MissingFact(const CsrContext& ctx, const std::string& what) {
  const std::string& why = ctx.facts().lookup_error;
  return CheckResult::Retry(UnavailableError(why.empty() ? what : what + ": " + why));
}

// The name an enum value has in a {value, name} table; "unknown" for a value not listed.
template <typename Enum, size_t N>
std::string_view NameFromTable(const std::pair<Enum, std::string_view> (&names)[N], Enum value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

}  // namespace

std::vector<std::string_view> DenyReasonsFor(ReasonScope list) {
  std::vector<std::string_view> out;
#define JG_POLICY_REASON_IF_IN_LIST(name, scope)                                \
  if (ReasonScope::scope == list || ReasonScope::scope == ReasonScope::kBoth) { \
    out.push_back(reason::k##name);                                             \
  }
  JG_POLICY_REASONS(JG_POLICY_REASON_IF_IN_LIST)
#undef JG_POLICY_REASON_IF_IN_LIST
  return out;
}

const std::vector<std::string_view>& AllDenyReasons() {
  static const auto* const kReasons = new std::vector<std::string_view>(DenyReasonsFor(ReasonScope::kClient));
  return *kReasons;
}

std::string_view CheckKindName(CheckResult::Kind kind) {
  static constexpr std::pair<CheckResult::Kind, std::string_view> kNames[] = {
      {CheckResult::Kind::kApprove, "approve"},
      {CheckResult::Kind::kDeny, "deny"},
      {CheckResult::Kind::kNoOpinion, "no-opinion"},
      {CheckResult::Kind::kRetry, "retry"}};
  return NameFromTable(kNames, kind);
}

std::string_view OutcomeName(Verdict::Outcome outcome) {
  static constexpr std::pair<Verdict::Outcome, std::string_view> kNames[] = {
      {Verdict::Outcome::kApprove, "approve"},
      {Verdict::Outcome::kDeny, "deny"},
      {Verdict::Outcome::kLeavePending, "pending"},
      {Verdict::Outcome::kRetry, "retry"},
      {Verdict::Outcome::kIgnore, "ignore"}};
  return NameFromTable(kNames, outcome);
}

CheckResult CheckRequesterFields(const std::string& username, const std::vector<std::string>& groups,
                                 const Policy& p) {
  switch (ClassifyFlow(username, groups)) {
    case Flow::kBootstrap: {
      const std::string_view token_id = std::string_view(username).substr(kBootstrapUserPrefix.size());
      if (!crypto::IsValidBootstrapTokenId(token_id)) {
        return CheckResult::Deny(std::string(reason::kRequesterNotAllowed),
                                 "requester " + Quote(username) + " is not a valid bootstrap token user");
      }
      for (const std::string& g : groups) {
        if (std::find(p.allowed_bootstrap_groups.begin(), p.allowed_bootstrap_groups.end(), g) !=
            p.allowed_bootstrap_groups.end()) {
          return CheckResult::Approve();
        }
      }
      return CheckResult::Deny(
          std::string(reason::kRequesterNotAllowed),
          "bootstrap token " + Quote(token_id) + " has groups " + JoinList(groups) +
              ", none of which is in the policy's allowedBootstrapGroups " +
              JoinList(p.allowed_bootstrap_groups) +
              "; create the token with an allowed --groups value or add its group to the policy");
    }
    case Flow::kRenewal:
      if (!p.allow_renewal) {
        return CheckResult::NoOpinion(
            std::string(reason::kRenewalNotHandled),
            "renewals are not handled by this policy (allowRenewal: false); leaving "
            "the CSR to another approver or a human");
      }
      return CheckResult::Approve();
    case Flow::kOther:
      break;
  }
  return CheckResult::Deny(
      std::string(reason::kRequesterNotAllowed),
      "requester " + Quote(username) + " with groups " + JoinList(groups) +
          " is neither a bootstrap token user in an allowed group nor a node (system:node:<name> "
          "in system:nodes) renewing its own certificate");
}

// The checks, file-local: callers reach them through DefaultChecks() and the shared entries.
namespace {

CheckResult CheckSigner(const CsrContext& ctx, const Policy&) {
  if (ctx.csr().signer_name == kKubeletClientSigner) return CheckResult::Approve();
  return CheckResult::NoOpinion(std::string(reason::kSignerNotHandled),
                                "signer " + Quote(ctx.csr().signer_name) + " is not handled by this policy");
}

CheckResult CheckParsed(const CsrContext& ctx, const Policy&) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  return CheckResult::Approve();
}

CheckResult CheckRequester(const CsrContext& ctx, const Policy& p) {
  return CheckRequesterFields(ctx.csr().username, ctx.csr().groups, p);
}

CheckResult CheckSubject(const CsrContext& ctx, const Policy&) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  const crypto::ParsedCsr& csr = ctx.parsed();
  const auto& rdns = csr.subject_rdns();
  int cn = 0, o = 0, other = 0;
  bool multi_valued = false;
  bool o_ok = true, cn_ok = true;
  for (const auto& rdn : rdns) {
    if (rdn.size() != 1) multi_valued = true;
    for (const auto& attr : rdn) {
      if (attr.type == "CN") {
        ++cn;
        if (attr.value.rfind(kNodeUserPrefix, 0) != 0) cn_ok = false;
      } else if (attr.type == "O") {
        ++o;
        if (attr.value != kNodesGroup) o_ok = false;
      } else {
        ++other;
      }
    }
  }
  if (cn == 1 && o == 1 && other == 0 && !multi_valued && o_ok && cn_ok) return CheckResult::Approve();
  return CheckResult::Deny(
      std::string(reason::kSubjectNotExact),
      DenyAdvice("subject " + Quote(SubjectString(csr)) +
                 " must be exactly O=system:nodes and CN=system:node:<name>, with no other "
                 "attributes (anything extra would be copied into the certificate)"));
}

CheckResult CheckNodeName(const CsrContext& ctx, const Policy& p) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  std::string cn = ctx.parsed().CommonName();
  if (cn.rfind(kNodeUserPrefix, 0) != 0) return CheckResult::Approve();  // CheckSubject reports it
  const std::string& name = ctx.node_name();
  if (!IsDns1123Subdomain(name)) {
    return CheckResult::Deny(
        std::string(reason::kInvalidNodeName),
        DenyAdvice("node name " + Quote(name) +
                   " is not a valid DNS-1123 subdomain (lower-case letters, digits, '-' and '.', "
                   "at most 253 characters)"));
  }
  if (!MatchesNodeNamePattern(*p.node_name_regex, name)) {
    return CheckResult::Deny(
        std::string(reason::kNodeNamePattern),
        DenyAdvice("node name " + Quote(name) + " does not match the policy's nodeNamePattern " +
                   Quote(p.node_name_pattern)));
  }
  return CheckResult::Approve();
}

CheckResult CheckRenewalIdentity(const CsrContext& ctx, const Policy&) {
  if (ctx.flow() != Flow::kRenewal) return CheckResult::Approve();
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  std::string cn = ctx.parsed().CommonName();
  if (cn == ctx.csr().username) return CheckResult::Approve();
  return CheckResult::Deny(std::string(reason::kRenewalIdentityMismatch),
                           "node " + Quote(ctx.csr().username) + " asked for a certificate for " + Quote(cn) +
                               "; a node may only renew its own identity (requester must equal the CN)");
}

CheckResult CheckNoSans(const CsrContext& ctx, const Policy&) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  const crypto::ParsedCsr& csr = ctx.parsed();
  // Any subjectAltName extension is denied, even an empty or critical one: a client
  // certificate has no use for it and parsers disagree on what an odd one means.
  if (!csr.HasAnySan() && !csr.HasSanExtension()) return CheckResult::Approve();
  std::vector<std::string> found;
  for (const auto& v : csr.dns_names()) found.push_back("DNS:" + v);
  for (const auto& v : csr.ip_addresses()) found.push_back("IP:" + v);
  for (const auto& v : csr.emails()) found.push_back("email:" + v);
  for (const auto& v : csr.uris()) found.push_back("URI:" + v);
  for (const auto& v : csr.other_san_types()) found.push_back(v);
  if (found.empty()) found.push_back("an empty subjectAltName extension");
  return CheckResult::Deny(
      std::string(reason::kSanPresent),
      DenyAdvice("kubelet client certificates must carry no subject alternative names, found " +
                 JoinList(found)));
}

CheckResult CheckExtensions(const CsrContext& ctx, const Policy& p) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  const crypto::ParsedCsr& csr = ctx.parsed();
  std::vector<std::string> bad;
  std::map<std::string, int> seen;
  for (const auto& ext : csr.extensions()) {
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular
    // extension"; parsers differ on which copy of a repeated one they read.
    if (++seen[ext.oid] == 2) {
      return CheckResult::Deny(
          std::string(reason::kExtensionNotAllowed),
          DenyAdvice("the request carries the extension " + ext.oid + " more than once"));
    }
    if (ext.oid == "2.5.29.17") continue;  // SANs: CheckNoSans reports them
    if (std::find(p.allowed_extensions.begin(), p.allowed_extensions.end(), ext.oid) !=
        p.allowed_extensions.end()) {
      continue;
    }
    bad.push_back(ext.name.empty() ? ext.oid : ext.name + " (" + ext.oid + ")");
  }
  if (!bad.empty()) {
    return CheckResult::Deny(std::string(reason::kExtensionNotAllowed),
                             DenyAdvice("the request carries extensions " + JoinList(bad) +
                                        " that are not in the policy's allowedExtensions"));
  }
  // Only one extensionRequest attribute (PKCS#9, RFC 2985 §5.4.2) is expected; challengePassword,
  // unknown OIDs and a second extensionRequest are not: the kubelet sends none of them.
  constexpr std::string_view kExtensionRequestOid = "1.2.840.113549.1.9.14";
  int extension_requests = 0;
  for (const std::string& oid : csr.attribute_oids()) {
    if (oid == kExtensionRequestOid && ++extension_requests == 1) continue;
    return CheckResult::Deny(std::string(reason::kExtensionNotAllowed),
                             DenyAdvice("the request carries the PKCS#10 attribute " + oid +
                                        (oid == kExtensionRequestOid ? " twice" : "") +
                                        "; only one extensionRequest attribute is allowed"));
  }
  return CheckResult::Approve();
}

CheckResult CheckKey(const CsrContext& ctx, const Policy& p) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  const crypto::KeyInfo& k = ctx.parsed().key_info();
  std::string desc = KeyDescription(k);
  // Every allowedKeys entry of the key's algorithm counts: the key passes when any one of them
  // accepts it (entries combine; none shadows another).
  bool listed = false;
  int min_rsa_bits = 0;
  std::vector<std::string> curves;
  for (const KeyRule& rule : p.allowed_keys) {
    if (rule.algorithm != k.algorithm) continue;
    if (k.algorithm == crypto::KeyAlgorithm::kRsa) {
      min_rsa_bits = listed ? std::min(min_rsa_bits, rule.min_bits) : rule.min_bits;
      if (k.bits >= rule.min_bits) return CheckResult::Approve();
    } else if (k.algorithm == crypto::KeyAlgorithm::kEcdsa) {
      if (!k.curve.empty() &&
          std::find(rule.curves.begin(), rule.curves.end(), k.curve) != rule.curves.end()) {
        return CheckResult::Approve();
      }
      curves.insert(curves.end(), rule.curves.begin(), rule.curves.end());
    } else if (k.algorithm == crypto::KeyAlgorithm::kEd25519) {
      return CheckResult::Approve();
    }
    listed = true;
  }
  if (listed && k.algorithm == crypto::KeyAlgorithm::kRsa) {
    return CheckResult::Deny(std::string(reason::kKeyTooWeak),
                             DenyAdvice("key " + desc + " is smaller than the policy's minimum of RSA " +
                                        std::to_string(min_rsa_bits) + " bits"));
  }
  if (listed && k.algorithm == crypto::KeyAlgorithm::kEcdsa) {
    return CheckResult::Deny(
        std::string(IsWeakCurve(k) ? reason::kKeyTooWeak : reason::kKeyNotAllowed),
        DenyAdvice("key " + desc + (IsWeakCurve(k) ? " is too weak" : " is not allowed") +
                   "; allowed curves are " + JoinList(curves)));
  }
  if (k.algorithm == crypto::KeyAlgorithm::kRsa && k.bits < 2048) {
    return CheckResult::Deny(std::string(reason::kKeyTooWeak), DenyAdvice("key " + desc + " is too weak"));
  }
  if (k.algorithm == crypto::KeyAlgorithm::kEcdsa && IsWeakCurve(k)) {
    return CheckResult::Deny(std::string(reason::kKeyTooWeak), DenyAdvice("key " + desc + " is too weak"));
  }
  return CheckResult::Deny(std::string(reason::kKeyNotAllowed),
                           DenyAdvice("key algorithm " + desc + " is not in the policy's allowedKeys"));
}

CheckResult CheckUsages(const CsrContext& ctx, const Policy& p) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  crypto::KeyAlgorithm alg = ctx.parsed().key_info().algorithm;
  std::set<std::string> got(ctx.csr().usages.begin(), ctx.csr().usages.end());
  std::vector<std::string> allowed_desc;
  for (const UsageRule& rule : p.allowed_usages) {
    if (rule.algorithm != alg) continue;
    for (const auto& set : rule.sets) {
      if (std::set<std::string>(set.begin(), set.end()) == got && got.size() == ctx.csr().usages.size()) {
        return CheckResult::Approve();
      }
      allowed_desc.push_back(JoinList(set));
    }
  }
  std::string allowed = allowed_desc.empty() ? "none (no allowedUsages entry for " + AlgorithmName(alg) + ")"
                                             : JoinList(allowed_desc);
  return CheckResult::Deny(
      std::string(reason::kUsagesNotAllowed),
      DenyAdvice("usages " + JoinList(ctx.csr().usages) + " are not exactly one of the sets allowed for " +
                 AlgorithmName(alg) + " keys: " + allowed));
}

CheckResult CheckSignature(const CsrContext& ctx, const Policy&) {
  if (!ctx.parsed_ok()) return Unparsed(ctx);
  if (ctx.parsed().signature_valid()) return CheckResult::Approve();
  return CheckResult::Deny(
      std::string(reason::kSignatureInvalid),
      "the request's self-signature does not verify with its public key (no proof of possession)");
}

CheckResult CheckExpiration(const CsrContext& ctx, const Policy& p) {
  // spec.expirationSeconds is an int32 of at least 600 in certificates.k8s.io/v1
  // (pkg/apis/certificates/validation): anything else never came from a conforming API server.
  if (const auto& exp = ctx.csr().expiration_seconds;
      exp && (*exp < kMinExpirationSeconds || *exp > kMaxExpirationSeconds)) {
    return CheckResult::Deny(std::string(reason::kExpirationOutOfRange),
                             "spec.expirationSeconds " + std::to_string(*exp) +
                                 " is outside the API's range " + std::to_string(kMinExpirationSeconds) +
                                 ".." + std::to_string(kMaxExpirationSeconds));
  }
  return CheckExpirationCap(ctx, p, p.max_expiration_seconds, "maxExpirationSeconds", DenyAdvice);
}

CheckResult CheckNodeDoesNotExist(const CsrContext& ctx, const Policy& p) {
  if (ctx.flow() != Flow::kBootstrap || !p.deny_existing_node || ctx.node_name().empty())
    return CheckResult::Approve();
  const auto& exists = ctx.facts().node_exists;
  if (!exists) {
    return MissingFact(ctx, "cannot tell whether Node " + Quote(ctx.node_name()) + " exists yet");
  }
  if (!*exists) return CheckResult::Approve();
  return CheckResult::Deny(
      std::string(reason::kNodeExists),
      "Node " + Quote(ctx.node_name()) +
          " already exists; a bootstrap token cannot claim an existing node's name. For a "
          "deliberate re-join, delete the Node first (kubectl delete node " +
          ctx.node_name() + ") or approve this CSR manually");
}

CheckResult CheckNoDuplicateInFlight(const CsrContext& ctx, const Policy& p) {
  if (ctx.flow() != Flow::kBootstrap || !p.deny_duplicate_in_flight || ctx.node_name().empty()) {
    return CheckResult::Approve();
  }
  const auto& others = ctx.facts().in_flight_for_node;
  if (!others) {
    return MissingFact(ctx, "cannot list other CSRs for node " + Quote(ctx.node_name()) + " yet");
  }
  const CsrObject& me = ctx.csr();
  for (const InFlightCsr& other : *others) {
    if (other.name == me.name) continue;
    bool earlier = other.creation_time < me.creation_time ||
                   (other.creation_time == me.creation_time && other.name < me.name);
    if (other.approved || earlier) {
      return CheckResult::Deny(
          std::string(reason::kDuplicateInFlight),
          "CSR " + Quote(other.name) + " for the same node " + Quote(ctx.node_name()) + " is already " +
              (other.approved ? "approved" : "pending") +
              "; only one bootstrap request per node name is allowed. Delete the other CSR "
              "if it is stale, then retry the join");
    }
  }
  return CheckResult::Approve();
}

}  // namespace

const Check kParseCheck{"parse", &CheckParsed};
const Check kSubjectCheck{"subject", &CheckSubject};
const Check kNodeNameCheck{"nodeName", &CheckNodeName};
const Check kExtensionsCheck{"extensions", &CheckExtensions};
const Check kKeyCheck{"key", &CheckKey};
const Check kSignatureCheck{"signature", &CheckSignature};

const std::vector<Check>& DefaultChecks() {
  static const auto* const kChecks = new std::vector<Check>{
      {"signer", &CheckSigner},
      kParseCheck,
      {"requester", &CheckRequester},
      kSubjectCheck,
      kNodeNameCheck,
      {"renewalIdentity", &CheckRenewalIdentity},
      {"noSans", &CheckNoSans},
      kExtensionsCheck,
      kKeyCheck,
      {"usages", &CheckUsages},
      kSignatureCheck,
      {"expiration", &CheckExpiration},
      {"nodeDoesNotExist", &CheckNodeDoesNotExist},
      {"noDuplicateInFlight", &CheckNoDuplicateInFlight},
  };
  return *kChecks;
}

Verdict Evaluate(const CsrContext& ctx, const Policy& p, const std::vector<Check>& checks) {
  std::optional<Verdict> retry;
  for (const Check& check : checks) {
    CheckResult r = check.evaluate(ctx, p);
    switch (r.kind()) {
      case CheckResult::Kind::kApprove:
        break;
      case CheckResult::Kind::kDeny:
        // A deny never rests on a missing fact (those answer retry), so it is final even
        // when an earlier check asked to retry.
        return Verdict{Verdict::Outcome::kDeny, r.reason(), r.message(), std::string(check.name), OkStatus()};
      case CheckResult::Kind::kNoOpinion: {
        // No opinion is a scope gate: the CSR is not ours to decide (other signer, renewals
        // not handled, unparseable). Stop here so later checks cannot deny it.
        Verdict::Outcome o = r.reason() == reason::kSignerNotHandled ? Verdict::Outcome::kIgnore
                                                                     : Verdict::Outcome::kLeavePending;
        return Verdict{o, r.reason(), r.message(), std::string(check.name), OkStatus()};
      }
      case CheckResult::Kind::kRetry:
        if (!retry)
          retry =
              Verdict{Verdict::Outcome::kRetry, "Retry", r.message(), std::string(check.name), r.status()};
        break;
    }
  }
  if (retry) return *retry;
  return Verdict{Verdict::Outcome::kApprove, "", "every check passed", "", OkStatus()};
}

}  // namespace joinguard::controller::policy
