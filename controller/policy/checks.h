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
// The one table of them for both check lists (this file's DefaultChecks() and
// serving_checks.h's ServingChecks()): X(Name, Scope) defines reason::kName = "Name". Scope
// says which list may deny with it: kClient, kServing or kBoth; kNoOpinion marks a scope
// gate's answer, never a deny. AllDenyReasons() and AllServingDenyReasons() read it.
// clang-format off
#define JG_POLICY_REASONS(X)                  \
  X(SignerNotHandled,          kNoOpinion)    \
  X(RequestUnparseable,        kNoOpinion)    \
  X(RequesterNotAllowed,       kClient)       \
  X(RenewalNotHandled,         kNoOpinion)    \
  X(RenewalIdentityMismatch,   kClient)       \
  X(SubjectNotExact,           kBoth)         \
  X(InvalidNodeName,           kBoth)         \
  X(NodeNamePattern,           kBoth)         \
  X(SanPresent,                kClient)       \
  X(ExtensionNotAllowed,       kBoth)         \
  X(UsagesNotAllowed,          kBoth)         \
  X(KeyNotAllowed,             kBoth)         \
  X(KeyTooWeak,                kBoth)         \
  X(SignatureInvalid,          kBoth)         \
  X(ExpirationTooLong,         kBoth)         \
  X(ExpirationRequired,        kBoth)         \
  X(ExpirationOutOfRange,      kClient)       \
  X(NodeExists,                kClient)       \
  X(DuplicateInFlight,         kClient)       \
  X(ServingRequesterNotNode,   kServing)      \
  X(ServingIdentityMismatch,   kServing)      \
  X(ServingSanMissing,         kServing)      \
  X(ServingSanNotAllowed,      kServing)      \
  X(ServingAddressDenied,      kServing)      \
  X(ServingAddressNotAllowed,  kServing)      \
  X(ServingAddressNotOwned,    kServing)      \
  X(ServingAddressClaimed,     kServing)
// clang-format on

enum class ReasonScope { kNoOpinion, kClient, kServing, kBoth };

namespace reason {
#define JG_POLICY_REASON_CONSTANT(name, scope) inline constexpr std::string_view k##name = #name;
JG_POLICY_REASONS(JG_POLICY_REASON_CONSTANT)
#undef JG_POLICY_REASON_CONSTANT
}  // namespace reason

// The deny reasons of JG_POLICY_REASONS that `list` (kClient or kServing) may answer, in table
// order.
std::vector<std::string_view> DenyReasonsFor(ReasonScope list);
// Every deny reason code a client check can return (README and tests iterate over it).
const std::vector<std::string_view>& AllDenyReasons();

using CheckFn = CheckResult (*)(const CsrContext&, const Policy&);

struct Check {
  std::string_view name;  // for logs and docs, e.g. "signer"
  CheckFn evaluate;
};

// The ordered list of checks. Order matters only for which reason is reported first:
// cheap shape checks first, fact-based checks last.
const std::vector<Check>& DefaultChecks();

// What the "requester" check of DefaultChecks() answers, over spec.username and spec.groups
// alone (no parsed request needed): the controller also asks it of other CSRs.
CheckResult CheckRequesterFields(const std::string& username, const std::vector<std::string>& groups,
                                 const Policy& p);

// The request checks the client and serving lists share, under one name each. The other checks
// are file-local to checks.cc and serving_checks.cc: the ordered lists are their interface.
extern const Check kParseCheck;
extern const Check kSubjectCheck;
extern const Check kNodeNameCheck;
extern const Check kExtensionsCheck;
extern const Check kKeyCheck;
extern const Check kSignatureCheck;

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
