// The JoinGate (controller/join_gate.h) backed by JoinGrants, rate brakes and an optional
// SubjectAccessReview. For a bootstrap CSR the policy would approve, Admit() answers, in order:
//  1. pending-per-requester brake        → leave pending (no API call)
//  2. SubjectAccessReview (when enabled)  → deny when RBAC says no; retry on API errors
//  3. the token's JoinGrant (live GET, so a grant created a moment ago is seen):
//     none → policy joinGrants.withoutGrant (global rules: allow without counting; refuse: deny);
//     invalid / expired / name not covered / name already joined without allowRejoin /
//     no uses left → deny with a reason saying what to do
//  4. per-token approval window           → leave pending until the window allows
//  5. reserve one use: status.joins/joinedNodes/claims written with the grant's
//     resourceVersion (409 → re-read and decide again), keyed by CSR uid so a re-evaluation
//     of the same CSR does not count twice.
// Release() removes that CSR's claim the same way. The controller reads JoinGrants only; it
// never needs the token Secrets.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/kube/client.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "controller/grants/rate_brakes.h"
#include "controller/join_gate.h"
#include "controller/metrics.h"
#include "controller/policy_source.h"

namespace joinguard::controller::grants {

// Reason codes of the gate's denials (CSR condition, Event, metric, audit).
namespace reason {
inline constexpr std::string_view kNoJoinGrant = "NoJoinGrant";
inline constexpr std::string_view kJoinGrantInvalid = "JoinGrantInvalid";
inline constexpr std::string_view kJoinGrantExpired = "JoinGrantExpired";
inline constexpr std::string_view kNodeNameNotGranted = "NodeNameNotGranted";
inline constexpr std::string_view kNodeAlreadyJoined =
    controller::kNodeAlreadyJoinedReason;  // shared with the core
inline constexpr std::string_view kJoinGrantUsedUp = "JoinGrantUsedUp";
inline constexpr std::string_view kAccessReviewDenied = "AccessReviewDenied";
}  // namespace reason

struct GrantGateDeps {
  kube::Client* client = nullptr;           // required: JoinGrants, SubjectAccessReviews
  const PolicyProvider* policy = nullptr;   // required: joinGrants and brakes settings
  const runtime::Clock* clock = nullptr;    // required
  const runtime::Logger* logger = nullptr;  // required
  ControllerMetrics* metrics = nullptr;     // optional
  // Leader fencing: false → no write (Admit answers retry). Empty = always may write.
  std::function<bool()> may_write;
};

struct GrantGateOptions {
  int max_conflict_retries = 8;  // 409s on the grant before answering retry
};

class GrantGate final : public JoinGate {
 public:
  static StatusOr<std::unique_ptr<GrantGate>> Create(GrantGateDeps deps, GrantGateOptions options = {});

  JoinAdmission Admit(const JoinRequest& request) override;
  Status Release(const JoinRequest& request, const JoinAdmission& admission) override;

 private:
  GrantGate(GrantGateDeps deps, GrantGateOptions options)
      : d_(std::move(deps)), options_(options), brakes_(*d_.clock) {}
  JoinAdmission AdmitUnmetered(const JoinRequest& request);
  JoinAdmission CheckAccessReview(const JoinRequest& request, const policy::AccessReviewRule& rule);
  JoinAdmission Reserve(const JoinRequest& request, const policy::Policy& p);

  const GrantGateDeps d_;
  const GrantGateOptions options_;
  RateBrakes brakes_;
};

// The JoinAdmission kind as a metric label: allow | deny | pending | retry.
std::string_view AdmissionResultName(JoinAdmission::Kind kind);

}  // namespace joinguard::controller::grants
