// The level-based CSR reconciler: receives a CSR *name*, reads the CSR from the store, triages
// (other signers, decided CSRs), parses the request once and decides in two phases:
//   1. the static checks (signer, requester, subject, name, key, usages, signature, ...) with no
//      facts: a deny or leave-pending here is final and costs no API call;
//   2. for what passes: under the node name's lock, the facts (live Node lookup, other CSRs for
//      the name from the index, approvals not yet in the cache), the policy again, the JoinGate,
//      the NodeJoin claim and the approval write.
// Retry policy lives outside, in the worker loop (controller-runtime): an error result is
// requeued with backoff.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/kube/events.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "common/status/status.h"
#include "controller/audit_log.h"
#include "controller/cluster.h"
#include "controller/join_gate.h"
#include "controller/join_records.h"
#include "controller/metrics.h"
#include "controller/name_locks.h"
#include "controller/policy/checks.h"
#include "controller/policy_source.h"

namespace joinguard::controller {

inline constexpr std::string_view kApprovedReason = "JoinguardApproved";
inline constexpr std::string_view kManualApprovalReason = "ManualApprovalRequired";

// Bound on the "already reported" memory for CSRs left pending or decided in dry-run (one entry
// per CSR uid); past it the memory starts over and a CSR may be reported once more.
inline constexpr size_t kMaxReportedCsrs = 20000;

struct ReconcileResult {
  enum class Kind {
    kDone,          // nothing more to do for this key (forget its backoff)
    kRequeue,       // a transient condition (missing fact, cache not synced): retry with backoff
    kRequeueAfter,  // look again after `after` (a rate brake), not counted as a failure
    kError,         // an API error: retry with backoff, counted as a reconcile error
  };
  Kind kind = Kind::kDone;
  Status status;
  std::chrono::milliseconds after{0};
  static ReconcileResult Done() { return {}; }
  static ReconcileResult Requeue(Status s) { return {Kind::kRequeue, std::move(s), {}}; }
  static ReconcileResult RequeueAfter(std::chrono::milliseconds after) {
    return {Kind::kRequeueAfter, OkStatus(), after};
  }
  static ReconcileResult Error(Status s) { return {Kind::kError, std::move(s), {}}; }
};

struct ReconcilerOptions {
  bool dry_run_override = false;  // --dry-run: evaluate and report, never write
  int max_conflict_retries = 5;
  // Addresses (IPs or host names) the API server is reached at; serving SANs may not use them.
  std::vector<std::string> api_server_addresses;
};

struct ReconcilerDeps {
  CsrLister* csrs = nullptr;
  NodeLister* nodes = nullptr;
  NodeJoinLister* node_joins = nullptr;
  CsrApi* api = nullptr;
  NodeJoinApi* node_join_api = nullptr;
  const WriteFence* fence = nullptr;
  const PolicyProvider* policy = nullptr;
  kube::EventRecorder* events = nullptr;
  ControllerMetrics* metrics = nullptr;
  AuditLog* audit = nullptr;
  const runtime::Clock* clock = nullptr;
  const runtime::Logger* logger = nullptr;
  // Optional.
  JoinGate* gate = nullptr;  // join grants / rate brakes; null = global rules only
  // Checks for kubelet-serving CSRs; null = serving CSRs are not handled (ignored).
  const std::vector<policy::Check>* serving_checks = nullptr;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileResult Reconcile(const std::string& name) = 0;
};

class CsrReconciler final : public Reconciler {
 public:
  static StatusOr<std::unique_ptr<CsrReconciler>> Create(ReconcilerDeps deps, ReconcilerOptions options);
  ReconcileResult Reconcile(const std::string& name) override;

  const NameLocks& name_locks() const { return locks_; }
  const RecentApprovals& recent_approvals() const { return recent_; }

 private:
  enum class Action { kApprove, kDeny, kLeavePending };
  struct Decision {
    Action action = Action::kLeavePending;
    std::string reason;
    std::string message;
    std::string check;
  };
  enum class WriteOutcome {
    kWritten,
    kFoundApproved,   // the live CSR is approved already (a human, or our earlier write)
    kAlreadyDecided,  // someone else denied it or it failed (never flipped)
    kGone,            // the CSR was deleted
    kReplaced,        // another CSR now has this name (uid differs): re-evaluate it
  };

  CsrReconciler(ReconcilerDeps deps, ReconcilerOptions options);

  // Decision for a verdict under the policy's onPass/onFail.
  static Decision DecisionFor(const policy::Verdict& v, const policy::Policy& p, const std::string& csr_name);
  // Phase 2 for bootstrap kubelet-client CSRs, under the name lock.
  ReconcileResult DecideBootstrap(const CsrPtr& csr, const policy::CsrContext& static_ctx,
                                  const std::vector<policy::Check>& checks, const policy::Policy& p,
                                  bool dry_run);
  // Phase 2 for serving CSRs.
  ReconcileResult DecideServing(const CsrPtr& csr, const policy::CsrContext& static_ctx,
                                const std::vector<policy::Check>& checks, const policy::Policy& p,
                                bool dry_run);
  // The approval of a bootstrap CSR that passed the policy: JoinGate, NodeJoin claim, write.
  ReconcileResult ApproveBootstrap(const CsrPtr& csr, const policy::CsrContext& ctx, const policy::Policy& p,
                                   const Decision& approve);
  // Writes a decision that needs no record (deny, renewal approval) and reports it.
  ReconcileResult WriteAndReport(const CsrPtr& csr, const policy::CsrContext& ctx, const policy::Policy& p,
                                 const Decision& d);
  // Reports a decision that writes nothing (leave-pending, dry-run), once per signature.
  ReconcileResult ReportUnwritten(const CsrPtr& csr, const policy::CsrContext& ctx, const policy::Policy& p,
                                  const Decision& d, bool dry_run);
  // Completes the NodeJoin record of an approved bootstrap CSR (after a crash) and forgets the
  // in-process approval once the cache shows it.
  void ObserveDecided(const StoredCsr& stored);
  // The policy's view of exactly this version with the request the store parsed for it (parsed
  // here only when the store kept none).
  static policy::CsrSnapshotPtr SnapshotOf(const StoredCsr& stored);

  policy::CsrFacts GatherBootstrapFacts(const policy::CsrContext& ctx, const policy::Policy& p);
  policy::CsrFacts GatherServingFacts(const policy::CsrContext& ctx);
  // Whether the CSR with `csr_uid` holds NodeJoin/<node> (the cache, then live when it does not
  // show that claim).
  StatusOr<bool> HoldsClaim(const std::string& node, const std::string& csr_uid);
  // Whether the policy trusts `other`'s requester (only those count as duplicates).
  static bool TrustedRequester(const kube::CertificateSigningRequest& other, const policy::Policy& p);

  StatusOr<WriteOutcome> WriteDecision(const kube::CertificateSigningRequest& csr, const Decision& d);
  void Report(const kube::CertificateSigningRequest& csr, const policy::CsrContext& ctx,
              const policy::Policy& p, const Decision& d, bool dry_run);
  bool AlreadyReported(const std::string& uid, const std::string& signature);
  bool MayWrite() const { return d_.fence == nullptr || d_.fence->MayWrite(); }

  const ReconcilerDeps d_;
  const ReconcilerOptions options_;
  JoinRecords records_;
  NameLocks locks_;
  RecentApprovals recent_;

  std::mutex mu_;                                // guards reported_
  std::map<std::string, std::string> reported_;  // CSR uid → last reported pending/dry-run decision
};

}  // namespace joinguard::controller
