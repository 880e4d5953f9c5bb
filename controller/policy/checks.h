// The policy checks: small pure functions over (CsrContext, Policy), run in a fixed order
// (kubernetes/kubernetes pkg/controller/certificates/approver/sarapprove.go's recognizer list,
// made strict: exact subject, no SANs, listed keys and usages, proof of possession).
#pragma once

#include <string_view>
#include <vector>

#include "controller/policy/check_result.h"
#include "controller/policy/csr_context.h"
#include "controller/policy/policy.h"

namespace joinguard::controller::policy {

// Stable reason codes: they appear in Denied conditions, Events, metrics and the audit log.
namespace reason {
inline constexpr std::string_view kSignerNotHandled = "SignerNotHandled";
inline constexpr std::string_view kRequestUnparseable = "RequestUnparseable";
inline constexpr std::string_view kRequesterNotAllowed = "RequesterNotAllowed";
inline constexpr std::string_view kRenewalNotHandled = "RenewalNotHandled";
inline constexpr std::string_view kRenewalIdentityMismatch = "RenewalIdentityMismatch";
inline constexpr std::string_view kSubjectNotExact = "SubjectNotExact";
inline constexpr std::string_view kInvalidNodeName = "InvalidNodeName";
inline constexpr std::string_view kNodeNamePattern = "NodeNamePattern";
inline constexpr std::string_view kSanPresent = "SanPresent";
inline constexpr std::string_view kExtensionNotAllowed = "ExtensionNotAllowed";
inline constexpr std::string_view kUsagesNotAllowed = "UsagesNotAllowed";
inline constexpr std::string_view kKeyNotAllowed = "KeyNotAllowed";
inline constexpr std::string_view kKeyTooWeak = "KeyTooWeak";
inline constexpr std::string_view kSignatureInvalid = "SignatureInvalid";
inline constexpr std::string_view kExpirationTooLong = "ExpirationTooLong";
inline constexpr std::string_view kExpirationRequired = "ExpirationRequired";
inline constexpr std::string_view kExpirationOutOfRange = "ExpirationOutOfRange";
inline constexpr std::string_view kNodeExists = "NodeExists";
inline constexpr std::string_view kDuplicateInFlight = "DuplicateInFlight";
}  // namespace reason

// Every deny reason code a check can return (README and tests iterate over it).
const std::vector<std::string_view>& AllDenyReasons();

using CheckFn = CheckResult (*)(const CsrContext&, const Policy&);

struct Check {
  std::string_view name;  // for logs and docs, e.g. "signer"
  CheckFn evaluate;
};

// The ordered list of checks. Order matters only for which reason is reported first:
// cheap shape checks first, fact-based checks last.
const std::vector<Check>& DefaultChecks();

// Individual checks (exposed for the table-driven tests).
CheckResult CheckSigner(const CsrContext& ctx, const Policy& p);
CheckResult CheckParsed(const CsrContext& ctx, const Policy& p);
CheckResult CheckRequester(const CsrContext& ctx, const Policy& p);
// CheckRequester over spec.username and spec.groups alone (no parsed request needed).
CheckResult CheckRequesterFields(const std::string& username, const std::vector<std::string>& groups,
                                 const Policy& p);
CheckResult CheckSubject(const CsrContext& ctx, const Policy& p);
CheckResult CheckNodeName(const CsrContext& ctx, const Policy& p);
CheckResult CheckRenewalIdentity(const CsrContext& ctx, const Policy& p);
CheckResult CheckNoSans(const CsrContext& ctx, const Policy& p);
CheckResult CheckExtensions(const CsrContext& ctx, const Policy& p);
CheckResult CheckKey(const CsrContext& ctx, const Policy& p);
CheckResult CheckUsages(const CsrContext& ctx, const Policy& p);
CheckResult CheckSignature(const CsrContext& ctx, const Policy& p);
CheckResult CheckExpiration(const CsrContext& ctx, const Policy& p);
CheckResult CheckNodeDoesNotExist(const CsrContext& ctx, const Policy& p);
CheckResult CheckNoDuplicateInFlight(const CsrContext& ctx, const Policy& p);

// The request checks the client and serving lists share, under one name each.
inline constexpr Check kParseCheck{"parse", &CheckParsed};
inline constexpr Check kSubjectCheck{"subject", &CheckSubject};
inline constexpr Check kNodeNameCheck{"nodeName", &CheckNodeName};
inline constexpr Check kExtensionsCheck{"extensions", &CheckExtensions};
inline constexpr Check kKeyCheck{"key", &CheckKey};
inline constexpr Check kSignatureCheck{"signature", &CheckSignature};

// The outcome of running every check.
struct Verdict {
  enum class Outcome {
    kApprove,       // every check passed
    kDeny,          // a check said no (first deny wins)
    kLeavePending,  // no opinion: leave the CSR for a human or another approver
    kRetry,         // a fact was missing: requeue with backoff, never deny
    kIgnore,        // not ours (other signer): no event, no metric
  };
  Outcome outcome = Outcome::kIgnore;
  std::string reason;   // reason code of the deciding check (empty for approve)
  std::string message;  // human text
  std::string check;    // name of the deciding check
  Status retry_status;  // for kRetry
};
std::string_view OutcomeName(Verdict::Outcome outcome);

// Runs `checks` in order. Rules: a signer we do not handle → kIgnore; the first deny wins
// (a deny never depends on a missing fact, so it is final); otherwise any retry → kRetry;
// otherwise any no-opinion → kLeavePending; otherwise kApprove.
Verdict Evaluate(const CsrContext& ctx, const Policy& p, const std::vector<Check>& checks);
inline Verdict Evaluate(const CsrContext& ctx, const Policy& p) { return Evaluate(ctx, p, DefaultChecks()); }

}  // namespace joinguard::controller::policy
