// The level-based CSR reconciler: receives a CSR *name*, reads the CSR from the cache, triages
// (other signers, decided CSRs), parses the request once, gathers facts, evaluates the policy
// and writes the decision through the approval subresource. Retry policy lives outside, in the
// worker loop (controller-runtime): an error result is requeued with backoff.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "common/kube/events.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "common/status/status.h"
#include "controller/audit_log.h"
#include "controller/cluster.h"
#include "controller/metrics.h"
#include "controller/policy/checks.h"
#include "controller/policy_source.h"

namespace joinguard::controller {

inline constexpr std::string_view kApprovedReason = "JoinguardApproved";
inline constexpr std::string_view kManualApprovalReason = "ManualApprovalRequired";

struct ReconcileResult {
  enum class Kind {
    kDone,     // nothing more to do for this key (forget its backoff)
    kRequeue,  // a transient condition (missing fact, cache not synced): retry with backoff
    kError,    // an API error: retry with backoff, counted as a reconcile error
  };
  Kind kind = Kind::kDone;
  Status status;
  static ReconcileResult Done() { return {}; }
  static ReconcileResult Requeue(Status s) { return {Kind::kRequeue, std::move(s)}; }
  static ReconcileResult Error(Status s) { return {Kind::kError, std::move(s)}; }
};

struct ReconcilerOptions {
  bool dry_run_override = false;  // --dry-run: evaluate and report, never write
  int max_conflict_retries = 5;
};

struct ReconcilerDeps {
  CsrLister* csrs = nullptr;
  NodeLister* nodes = nullptr;
  CsrApi* api = nullptr;
  const PolicyProvider* policy = nullptr;
  kube::EventRecorder* events = nullptr;
  ControllerMetrics* metrics = nullptr;
  AuditLog* audit = nullptr;
  const runtime::Clock* clock = nullptr;
  const runtime::Logger* logger = nullptr;
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

  // Builds the policy's view of a CSR object (base64 already decoded by the codec).
  static policy::CsrObject ToPolicyObject(const kube::CertificateSigningRequest& csr);

 private:
  enum class Action { kApprove, kDeny, kLeavePending };
  struct Decision {
    Action action;
    std::string reason;
    std::string message;
    std::string check;
  };

  CsrReconciler(ReconcilerDeps deps, ReconcilerOptions options) : d_(deps), options_(options) {}
  policy::CsrFacts GatherFacts(const policy::CsrObject& csr, const std::string& node_name);
  std::string CommonNameOf(const kube::CertificateSigningRequest& csr);
  // Writes the condition; returns kDone when written or when someone else decided first.
  enum class WriteOutcome { kWritten, kAlreadyDecided, kGone };
  StatusOr<WriteOutcome> WriteDecision(kube::CertificateSigningRequest csr, const Decision& d);
  void Report(const kube::CertificateSigningRequest& csr, const policy::CsrContext& ctx, const policy::Policy& p,
              const Decision& d, bool dry_run);
  bool AlreadyReported(const std::string& uid, const std::string& signature);

  const ReconcilerDeps d_;
  const ReconcilerOptions options_;

  std::mutex mu_;  // guards cn_cache_ and reported_
  std::map<std::string, std::string> cn_cache_;  // CSR uid → CN (requests are immutable)
  std::map<std::string, std::string> reported_;  // CSR uid → last reported pending/dry-run decision
};

}  // namespace joinguard::controller
