// The seam between the reconciler (controller core) and join grants / rate brakes.
//
// For every bootstrap CSR (requester system:bootstrap:<token-id>) that the policy would approve,
// the reconciler calls Admit() while it holds the per-node-name lock, after the cheap checks and
// the fact lookups and before it claims the name with a NodeJoin record and writes the approval.
// Admit() decides whether the token may obtain this node name now and, when it may, reserves one
// use of the token's grant durably (a resourceVersion-conditioned write on the JoinGrant status),
// so use counts hold across restarts and leader changes. When the approval then cannot be written
// (the CSR was deleted or replaced, or leadership was lost before the write), the reconciler
// calls Release() to give the reserved use back.
//
// Implementations must be thread-safe: workers call Admit() concurrently for different names.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace joinguard::controller {

// The one deny reason for "this node name already joined through a bootstrap token": a NodeJoin
// record holds the name for another CSR. The core's claim (JoinRecords::Claim) and the grant
// gate's check both answer with it.
inline constexpr std::string_view kNodeAlreadyJoinedReason = "NodeAlreadyJoined";

struct JoinRequest {
  std::string csr_name;
  std::string csr_uid;
  std::string node_name;             // from the CSR's CN, already validated by the policy
  std::string token_id;              // from the requester name system:bootstrap:<token-id>
  std::string requester;             // spec.username
  std::vector<std::string> groups;   // spec.groups (for the optional SubjectAccessReview gate)
  std::string requester_uid;         // spec.uid
  int pending_from_requester = 0;    // other pending CSRs from the same requester (store index)
  bool name_already_joined = false;  // a NodeJoin record for node_name exists (another CSR)
};

struct JoinAdmission {
  enum class Kind {
    kAllow,         // reserved one use; go on to claim the name and approve
    kDeny,          // deny the CSR with reason/message
    kLeavePending,  // a brake: leave pending, re-evaluate after retry_after
    kRetry,         // a fact could not be read (API error): requeue with backoff, never deny
  };
  Kind kind = Kind::kAllow;
  std::string reason;                        // stable CamelCase reason for the condition, Event and metric
  std::string message;                       // for humans: what happened and what to do
  std::string grant;                         // the JoinGrant that admitted the request ("" when none applies)
  bool allow_rejoin = false;                 // the grant allows replacing an existing NodeJoin record
  std::chrono::milliseconds retry_after{0};  // for kLeavePending
  Status status;                             // for kRetry
};

class JoinGate {
 public:
  virtual ~JoinGate() = default;
  virtual JoinAdmission Admit(const JoinRequest& request) = 0;
  // Gives back the use Admit() reserved for `request` (idempotent per csr_uid).
  virtual Status Release(const JoinRequest& request, const JoinAdmission& admission) = 0;
};

}  // namespace joinguard::controller
