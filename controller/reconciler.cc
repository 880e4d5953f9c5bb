#include "controller/reconciler.h"

#include "common/kube/api_error.h"
#include "common/kube/meta_time.h"

namespace joinguard::controller {
namespace {

using policy::Verdict;

bool IsBootstrapClient(const kube::CertificateSigningRequest& c) {
  return c.spec.signer_name == policy::kKubeletClientSigner &&
         policy::ClassifyFlow(c.spec.username, c.spec.groups) == policy::Flow::kBootstrap;
}

}  // namespace

CsrReconciler::CsrReconciler(ReconcilerDeps deps, ReconcilerOptions options)
    : d_(deps), options_(options), records_(*deps.node_join_api, *deps.api, *deps.clock) {}

StatusOr<std::unique_ptr<CsrReconciler>> CsrReconciler::Create(ReconcilerDeps deps,
                                                               ReconcilerOptions options) {
  if (!deps.csrs || !deps.nodes || !deps.node_joins || !deps.api || !deps.node_join_api || !deps.policy ||
      !deps.events || !deps.metrics || !deps.audit || !deps.clock || !deps.logger) {
    return InvalidArgumentError(
        "CsrReconciler: every dependency except gate, fence and serving_checks is required");
  }
  return std::unique_ptr<CsrReconciler>(new CsrReconciler(deps, options));
}

CsrReconciler::Decision CsrReconciler::DecisionFor(const Verdict& v, const policy::Policy& p,
                                                   const std::string& csr_name) {
  switch (v.outcome) {
    case Verdict::Outcome::kApprove:
      if (p.on_pass == policy::PassAction::kApprove) {
        return {Action::kApprove, std::string(kApprovedReason),
                "Approved by joinguard-controller policy \"" + p.name + "\" (generation " +
                    std::to_string(p.generation) + "): every check passed.",
                ""};
      }
      return {Action::kLeavePending, std::string(kManualApprovalReason),
              "Every check of policy \"" + p.name +
                  "\" passed, but the policy (onPass: leave-pending) asks a human to approve: kubectl "
                  "certificate "
                  "approve " +
                  csr_name,
              ""};
    case Verdict::Outcome::kDeny:
      if (p.on_fail == policy::FailAction::kDeny) return {Action::kDeny, v.reason, v.message, v.check};
      return {Action::kLeavePending, v.reason, v.message + " (policy onFail: leave-pending, so not denied)",
              v.check};
    case Verdict::Outcome::kLeavePending:
    case Verdict::Outcome::kRetry:
    case Verdict::Outcome::kIgnore:
      break;
  }
  return {Action::kLeavePending, v.reason, v.message, v.check};
}

ReconcileResult CsrReconciler::Reconcile(const std::string& name) {
  if (!d_.csrs->HasSynced())
    return ReconcileResult::Requeue(UnavailableError("the CSR cache has not synced yet"));
  StoredCsr stored = d_.csrs->Get(name);
  const CsrPtr& csr = stored.object;
  if (!csr) return ReconcileResult::Done();  // deleted
  // Triage before policy: other signers and decided CSRs cost nothing.
  const bool client = csr->spec.signer_name == policy::kKubeletClientSigner;
  const bool serving = csr->spec.signer_name == policy::kKubeletServingSigner && d_.serving_checks != nullptr;
  if (!client && !serving) return ReconcileResult::Done();
  if (IsDecided(*csr)) {
    ObserveDecided(stored);
    return ReconcileResult::Done();
  }

  std::shared_ptr<const policy::Policy> pol = d_.policy->Current();
  const std::vector<policy::Check>& checks = client ? policy::DefaultChecks() : *d_.serving_checks;
  const bool dry_run = options_.dry_run_override || pol->mode == policy::Mode::kDryRun;

  // Phase 1: every check with no facts. Static checks answer; fact checks answer retry. A deny
  // never rests on a missing fact, so a deny (or leave-pending) here is final, and junk costs
  // no API call.
  policy::CsrContext static_ctx(SnapshotOf(stored), policy::CsrFacts{});
  Verdict v = policy::Evaluate(static_ctx, *pol, checks);
  switch (v.outcome) {
    case Verdict::Outcome::kIgnore:
      return ReconcileResult::Done();
    case Verdict::Outcome::kDeny:
    case Verdict::Outcome::kLeavePending: {
      Decision d = DecisionFor(v, *pol, name);
      if (d.action == Action::kLeavePending || dry_run)
        return ReportUnwritten(csr, static_ctx, *pol, d, dry_run);
      return WriteAndReport(csr, static_ctx, *pol, d);
    }
    case Verdict::Outcome::kRetry:
    case Verdict::Outcome::kApprove:
      break;
  }
  if (serving) return DecideServing(csr, static_ctx, checks, *pol, dry_run);
  if (static_ctx.flow() == policy::Flow::kBootstrap)
    return DecideBootstrap(csr, static_ctx, checks, *pol, dry_run);
  // Renewals need no facts: phase 1 is the whole policy.
  if (v.outcome == Verdict::Outcome::kRetry) {
    return ReconcileResult::Requeue(v.retry_status);
  }
  Decision d = DecisionFor(v, *pol, name);
  if (d.action == Action::kLeavePending || dry_run) return ReportUnwritten(csr, static_ctx, *pol, d, dry_run);
  return WriteAndReport(csr, static_ctx, *pol, d);
}

ReconcileResult CsrReconciler::DecideBootstrap(const CsrPtr& csr, const policy::CsrContext& static_ctx,
                                               const std::vector<policy::Check>& checks,
                                               const policy::Policy& p, bool dry_run) {
  const std::string& name = csr->metadata.name;
  // From here to the write, no other worker decides a CSR for this node name.
  NameLocks::Guard guard = locks_.Lock(static_ctx.node_name());
  // While we waited, another worker may have decided this CSR (or it was replaced).
  CsrPtr current = d_.csrs->Get(name).object;
  if (!current) return ReconcileResult::Done();
  if (current->metadata.uid != csr->metadata.uid) {
    return ReconcileResult::Requeue(
        AbortedError("CSR " + name + " was replaced while waiting for its name's lock"));
  }
  if (IsDecided(*current)) return ReconcileResult::Done();

  policy::CsrContext ctx(static_ctx.snapshot(), GatherBootstrapFacts(static_ctx, p));
  Verdict v = policy::Evaluate(ctx, p, checks);
  if (v.outcome == Verdict::Outcome::kRetry) {
    d_.logger->Debug("policy needs a fact that is not available yet; retrying",
                     {{"csr", name}, {"check", v.check}, {"error", v.retry_status.message()}});
    return ReconcileResult::Requeue(v.retry_status);
  }
  if (v.outcome == Verdict::Outcome::kIgnore) return ReconcileResult::Done();
  Decision d = DecisionFor(v, p, name);
  if (d.action == Action::kLeavePending || dry_run) return ReportUnwritten(csr, ctx, p, d, dry_run);
  if (d.action == Action::kDeny) return WriteAndReport(csr, ctx, p, d);
  return ApproveBootstrap(csr, ctx, p, d);
}

ReconcileResult CsrReconciler::DecideServing(const CsrPtr& csr, const policy::CsrContext& static_ctx,
                                             const std::vector<policy::Check>& checks,
                                             const policy::Policy& p, bool dry_run) {
  policy::CsrContext ctx(static_ctx.snapshot(), GatherServingFacts(static_ctx));
  Verdict v = policy::Evaluate(ctx, p, checks);
  if (v.outcome == Verdict::Outcome::kRetry) return ReconcileResult::Requeue(v.retry_status);
  if (v.outcome == Verdict::Outcome::kIgnore) return ReconcileResult::Done();
  Decision d = DecisionFor(v, p, csr->metadata.name);
  if (d.action == Action::kLeavePending || dry_run) return ReportUnwritten(csr, ctx, p, d, dry_run);
  return WriteAndReport(csr, ctx, p, d);
}

ReconcileResult CsrReconciler::ApproveBootstrap(const CsrPtr& csr, const policy::CsrContext& ctx,
                                                const policy::Policy& p, const Decision& approve) {
  const std::string& name = csr->metadata.name;
  const std::string& node = ctx.node_name();

  JoinRequest request;
  request.csr_name = name;
  request.csr_uid = csr->metadata.uid;
  request.node_name = node;
  request.token_id = ctx.token_id();
  request.requester = csr->spec.username;
  request.groups = csr->spec.groups;
  request.requester_uid = csr->spec.uid;
  size_t pending = d_.csrs->PendingByRequester(csr->spec.username);
  request.pending_from_requester = pending > 0 ? static_cast<int>(pending - 1) : 0;
  // Only a completed record says the name joined. A Claimed record of another CSR may be stale
  // (its CSR deleted or denied); JoinRecords::Claim settles that live and answers kTaken when the
  // holder is still pending.
  NodeJoinPtr cached_record = d_.node_joins->Get(node);
  request.name_already_joined = cached_record != nullptr &&
                                cached_record->spec.csr_uid != csr->metadata.uid &&
                                cached_record->status.phase == kube::kNodeJoinPhaseApproved;

  JoinAdmission admission;
  if (d_.gate != nullptr) {
    admission = d_.gate->Admit(request);
    switch (admission.kind) {
      case JoinAdmission::Kind::kAllow:
        break;
      case JoinAdmission::Kind::kDeny:
        return WriteAndReport(csr, ctx, p, {Action::kDeny, admission.reason, admission.message, "joinGate"});
      case JoinAdmission::Kind::kLeavePending:
        ReportUnwritten(csr, ctx, p, {Action::kLeavePending, admission.reason, admission.message, "joinGate"},
                        false);
        return ReconcileResult::RequeueAfter(admission.retry_after);
      case JoinAdmission::Kind::kRetry:
        // An API call of the gate failed (reading or counting on the JoinGrant, the
        // SubjectAccessReview): an error, logged and counted, so that a 403 is not silent.
        return ReconcileResult::Error(admission.status);
    }
  }
  // Gives back the grant use Admit() reserved when the approval is not written after all.
  auto release_gate = [&]() {
    if (d_.gate == nullptr) return;
    Status s = d_.gate->Release(request, admission);
    if (!s.ok())
      d_.logger->Warning("releasing the join grant reservation failed",
                         {{"csr", name}, {"error", s.ToString()}});
  };

  if (!MayWrite()) {
    release_gate();
    return ReconcileResult::Requeue(UnavailableError("not allowed to write: leadership is not proven"));
  }
  ClaimRequest claim{node,
                     ctx.token_id(),
                     csr->spec.username,
                     name,
                     csr->metadata.uid,
                     admission.grant,
                     admission.allow_rejoin};
  ClaimOutcome c = records_.Claim(claim);
  if (c.kind == ClaimOutcome::Kind::kError) {
    release_gate();
    return ReconcileResult::Error(c.status);
  }
  if (c.kind == ClaimOutcome::Kind::kTaken) {
    release_gate();
    const kube::NodeJoin& holder = c.record;
    Decision deny{
        Action::kDeny, std::string(kNodeAlreadyJoinedReason),
        "node name \"" + node + "\" was already " +
            (holder.status.phase == kube::kNodeJoinPhaseApproved ? "given out" : "claimed") +
            " through bootstrap CSR \"" + holder.spec.csr_name + "\" (NodeJoin " + node +
            "); a bootstrap token cannot obtain a node name twice. If the earlier node is gone for good, "
            "release the name with: kubectl delete nodejoin " +
            node,
        "nodeJoinRecord"};
    return WriteAndReport(csr, ctx, p, deny);
  }

  if (!MayWrite()) {
    // The claim is ours (same CSR uid) and the next leader continues from it.
    release_gate();
    return ReconcileResult::Requeue(UnavailableError("not allowed to write: leadership is not proven"));
  }
  // The approval will never be written for this CSR: the grant's use and the claim go back.
  auto release_claim = [&]() {
    release_gate();
    Status r = MayWrite() ? records_.Release(c.record) : UnavailableError("leadership is not proven");
    if (!r.ok()) {
      d_.logger->Warning("releasing the NodeJoin claim failed; the next claim of the name releases it",
                         {{"node", node}, {"error", r.ToString()}});
    }
  };
  StatusOr<WriteOutcome> w = WriteDecision(*csr, approve);
  if (!w.ok()) {
    // A 4xx changed nothing: the use goes back. A timeout or 5xx may have been applied (its
    // answer lost): the use stays reserved (keyed by the CSR's uid, so the retry's Admit does
    // not count it twice) and the claim stays, so a grant is never under-counted.
    const bool maybe_applied = kube::MayHaveBeenApplied(w.status());
    if (!maybe_applied) release_gate();
    d_.logger->Warning(maybe_applied ? "writing the approval failed and may have been applied; will retry"
                                     : "writing the approval failed; will retry",
                       {{"csr", name}, {"error", w.status().ToString()}});
    return ReconcileResult::Error(w.status());
  }
  switch (*w) {
    case WriteOutcome::kWritten: {
      recent_.Add(node, name, csr->metadata.uid);
      Status m = MayWrite() ? records_.MarkApproved(c.record) : UnavailableError("leadership is not proven");
      if (!m.ok()) {
        // Completed later: a reconcile of the approved CSR, or the next claim of the name.
        d_.logger->Warning("marking the NodeJoin record Approved failed",
                           {{"node", node}, {"error", m.ToString()}});
      }
      Report(*csr, ctx, p, approve, false);
      return ReconcileResult::Done();
    }
    case WriteOutcome::kFoundApproved:
      // Approved already: by a human, or by an earlier write of ours whose answer was lost (a
      // timeout or 5xx after the API server applied it). The name is used: keep the grant's use
      // and the claim; the record completes on the next reconcile of the decided CSR.
      d_.logger->Info("CSR was found approved already; leaving it", {{"csr", name}});
      return ReconcileResult::Requeue(AbortedError("CSR " + name + " was found approved"));
    case WriteOutcome::kAlreadyDecided:
      // Denied or failed by someone else: it will never use the name.
      release_claim();
      d_.logger->Info("CSR was decided by someone else first; leaving it", {{"csr", name}});
      return ReconcileResult::Requeue(AbortedError("CSR " + name + " was decided elsewhere"));
    case WriteOutcome::kGone:
      release_claim();
      return ReconcileResult::Done();
    case WriteOutcome::kReplaced:
      release_claim();
      return ReconcileResult::Requeue(
          AbortedError("CSR " + name + " was replaced; re-evaluating the new one"));
  }
  return ReconcileResult::Done();
}

policy::CsrSnapshotPtr CsrReconciler::SnapshotOf(const StoredCsr& stored) {
  const kube::CertificateSigningRequest& csr = *stored.object;
  // The store derived `request` from this very version (CsrLister::Get reads both under one
  // lock), so the request evaluated is the request approved.
  policy::ParsedRequest request = stored.derived && stored.derived->request
                                      ? stored.derived->request
                                      : policy::ParseRequest(csr.spec.request);
  return std::make_shared<const policy::CsrSnapshot>(CsrToPolicyObject(csr), std::move(request));
}

void CsrReconciler::ObserveDecided(const StoredCsr& stored) {
  const kube::CertificateSigningRequest& csr = *stored.object;
  if (!IsBootstrapClient(csr) || !kube::IsApproved(csr)) return;
  const std::string node =
      stored.derived ? stored.derived->cn_node_name : DeriveCsr(csr, nullptr)->cn_node_name;
  if (node.empty()) return;
  recent_.Forget(node, csr.metadata.uid);
  NodeJoinPtr record = d_.node_joins->Get(node);
  if (!record || record->spec.csr_uid != csr.metadata.uid ||
      record->status.phase == kube::kNodeJoinPhaseApproved) {
    return;
  }
  if (options_.dry_run_override || !MayWrite()) return;
  Status m = records_.MarkApproved(*record);
  if (!m.ok())
    d_.logger->Warning("completing the NodeJoin record failed", {{"node", node}, {"error", m.ToString()}});
}

ReconcileResult CsrReconciler::WriteAndReport(const CsrPtr& csr, const policy::CsrContext& ctx,
                                              const policy::Policy& p, const Decision& d) {
  const std::string& name = csr->metadata.name;
  if (!MayWrite())
    return ReconcileResult::Requeue(UnavailableError("not allowed to write: leadership is not proven"));
  StatusOr<WriteOutcome> w = WriteDecision(*csr, d);
  if (!w.ok()) {
    d_.logger->Warning("writing the CSR decision failed; will retry",
                       {{"csr", name}, {"reason", d.reason}, {"error", w.status().ToString()}});
    return ReconcileResult::Error(w.status());
  }
  switch (*w) {
    case WriteOutcome::kWritten:
      Report(*csr, ctx, p, d, false);
      return ReconcileResult::Done();
    case WriteOutcome::kFoundApproved:
    case WriteOutcome::kAlreadyDecided:
      d_.logger->Info("CSR was decided by someone else first; leaving it", {{"csr", name}});
      return ReconcileResult::Done();
    case WriteOutcome::kGone:
      return ReconcileResult::Done();
    case WriteOutcome::kReplaced:
      return ReconcileResult::Requeue(
          AbortedError("CSR " + name + " was replaced; re-evaluating the new one"));
  }
  return ReconcileResult::Done();
}

ReconcileResult CsrReconciler::ReportUnwritten(const CsrPtr& csr, const policy::CsrContext& ctx,
                                               const policy::Policy& p, const Decision& d, bool dry_run) {
  // Nothing is written; report once per (decision, reason, policy generation, mode).
  std::string action = d.action == Action::kApprove ? "approve"
                       : d.action == Action::kDeny  ? "deny"
                                                    : "pending";
  std::string signature =
      action + "|" + d.reason + "|" + std::to_string(p.generation) + "|" + (dry_run ? "dry" : "enforce");
  if (!AlreadyReported(csr->metadata.uid, signature)) Report(*csr, ctx, p, d, dry_run);
  return ReconcileResult::Done();
}

StatusOr<CsrReconciler::WriteOutcome> CsrReconciler::WriteDecision(
    const kube::CertificateSigningRequest& cached, const Decision& d) {
  auto with_decision = [&](kube::CertificateSigningRequest c) {
    kube::CertificateSigningRequestCondition cond;
    cond.type =
        d.action == Action::kApprove ? std::string(kube::kCsrApproved) : std::string(kube::kCsrDenied);
    cond.status = "True";
    cond.reason = d.reason;
    cond.message = d.message;
    cond.last_update_time = d_.clock->Now();
    c.status.conditions.push_back(std::move(cond));
    return c;
  };
  const std::string& uid = cached.metadata.uid;
  // The body carries metadata.uid: the API server refuses it (409 "Precondition failed: UID in
  // precondition") when another object now has this name.
  kube::CertificateSigningRequest body = with_decision(cached);
  Status last;
  for (int attempt = 0; attempt <= options_.max_conflict_retries; ++attempt) {
    if (attempt > 0 && !MayWrite()) return UnavailableError("not allowed to write: leadership is not proven");
    StatusOr<kube::CertificateSigningRequest> r = d_.api->UpdateApproval(body);
    if (r.ok()) return WriteOutcome::kWritten;
    if (kube::IsNotFound(r.status())) return WriteOutcome::kGone;
    if (!kube::IsConflict(r.status())) return r.status();
    last = r.status();
    // The cache was stale, or the CSR was replaced: re-read live, and never flip a decision
    // someone else made, never approve an object that was not the one evaluated.
    StatusOr<kube::CertificateSigningRequest> live = d_.api->Get(cached.metadata.name);
    if (!live.ok()) {
      if (kube::IsNotFound(live.status())) return WriteOutcome::kGone;
      return live.status();
    }
    if (live->metadata.uid != uid) return WriteOutcome::kReplaced;
    if (kube::IsApproved(*live)) return WriteOutcome::kFoundApproved;
    if (IsDecided(*live)) return WriteOutcome::kAlreadyDecided;
    body = with_decision(std::move(*live));
  }
  return last.Annotate("approval update kept conflicting");
}

bool CsrReconciler::AlreadyReported(const std::string& uid, const std::string& signature) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = reported_.find(uid);
  if (it != reported_.end() && it->second == signature) return true;
  if (reported_.size() >= kMaxReportedCsrs) reported_.clear();
  reported_[uid] = signature;
  return false;
}

}  // namespace joinguard::controller
