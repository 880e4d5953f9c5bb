// The durable approval record: claims a node name with a NodeJoin object before the approval
// is written, marks it Approved afterwards, and releases a claim whose approval could not be
// written. Create is atomic in the API server, so two replicas (or a leader and its successor)
// can never both hold one name.
//
// Crash safety: a claim carries the CSR's uid. A reconcile that finds a claim with its own uid
// continues (a crash between claim and approval); a claim whose CSR is gone, replaced, denied or
// failed is stale and is deleted (uid precondition) so no name is lost; a claim whose CSR was
// approved is completed (phase Approved).
#pragma once

#include <string>

#include "common/kube/nodejoin.h"
#include "common/runtime/clock.h"
#include "common/status/status.h"
#include "controller/cluster.h"

namespace joinguard::controller {

struct ClaimRequest {
  std::string node_name;
  std::string token_id;
  std::string requester;
  std::string csr_name;
  std::string csr_uid;
  std::string grant;
  // Replace a completed (Approved) record of another CSR: the JoinGate allowed a re-join.
  bool allow_rejoin = false;
};

struct ClaimOutcome {
  enum class Kind {
    kClaimed,  // `record` is ours (new, or left by an earlier attempt for the same CSR uid)
    kTaken,    // `record` belongs to another CSR that was approved or may still be
    kError,    // an API error: retry, never deny
  };
  Kind kind = Kind::kError;
  kube::NodeJoin record;
  Status status;
};

class JoinRecords {
 public:
  JoinRecords(NodeJoinApi& records, CsrApi& csrs, const runtime::Clock& clock)
      : records_(records), csrs_(csrs), clock_(clock) {}

  ClaimOutcome Claim(const ClaimRequest& request);
  // Sets phase Approved (idempotent). NotFound when an operator deleted the record meanwhile.
  Status MarkApproved(const kube::NodeJoin& record);
  // Deletes our claim with a uid precondition; already gone or replaced counts as done.
  Status Release(const kube::NodeJoin& record);

 private:
  enum class Holder { kGone, kPending, kApproved };
  // What became of the CSR a Claimed record names (live read).
  StatusOr<Holder> HolderState(const kube::NodeJoin& record);

  NodeJoinApi& records_;
  CsrApi& csrs_;
  const runtime::Clock& clock_;
};

}  // namespace joinguard::controller
