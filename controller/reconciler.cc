#include "controller/reconciler.h"

#include "common/kube/api_error.h"
#include "common/kube/meta_time.h"

namespace joinguard::controller {
namespace {

using policy::Verdict;

std::string_view ActionName(int a) {
  switch (a) {
    case 0: return "approve";
    case 1: return "deny";
    default: return "pending";
  }
}

bool Decided(const kube::CertificateSigningRequest& c) {
  return kube::IsApproved(c) || kube::IsDenied(c) || kube::IsFailed(c) || kube::IsIssued(c);
}

}  // namespace

StatusOr<std::unique_ptr<CsrReconciler>> CsrReconciler::Create(ReconcilerDeps deps, ReconcilerOptions options) {
  if (!deps.csrs || !deps.nodes || !deps.api || !deps.policy || !deps.events || !deps.metrics || !deps.audit ||
      !deps.clock || !deps.logger) {
    return InvalidArgumentError("CsrReconciler: every dependency is required");
  }
  return std::unique_ptr<CsrReconciler>(new CsrReconciler(deps, options));
}

policy::CsrObject CsrReconciler::ToPolicyObject(const kube::CertificateSigningRequest& csr) {
  policy::CsrObject o;
  o.name = csr.metadata.name;
  o.uid = csr.metadata.uid;
  o.resource_version = csr.metadata.resource_version;
  if (csr.metadata.creation_timestamp) o.creation_time = *csr.metadata.creation_timestamp;
  o.signer_name = csr.spec.signer_name;
  o.usages = csr.spec.usages;
  if (csr.spec.expiration_seconds) o.expiration_seconds = *csr.spec.expiration_seconds;
  o.username = csr.spec.username;
  o.requester_uid = csr.spec.uid;
  o.groups = csr.spec.groups;
  for (const auto& c : csr.status.conditions) o.conditions.push_back({c.type, c.status, c.reason, c.message});
  o.has_certificate = !csr.status.certificate.empty();
  o.request_pem = csr.spec.request;
  return o;
}

std::string CsrReconciler::CommonNameOf(const kube::CertificateSigningRequest& csr) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cn_cache_.find(csr.metadata.uid);
    if (it != cn_cache_.end()) return it->second;
  }
  auto parsed = crypto::ParsedCsr::FromPem(csr.spec.request);
  std::string cn = parsed.ok() ? parsed->CommonName() : "";
  std::lock_guard<std::mutex> l(mu_);
  if (cn_cache_.size() > 20000) cn_cache_.clear();  // bounded; entries are cheap to recompute
  cn_cache_[csr.metadata.uid] = cn;
  return cn;
}

policy::CsrFacts CsrReconciler::GatherFacts(const policy::CsrObject& csr, const std::string& node_name) {
  policy::CsrFacts facts;
  if (node_name.empty()) return facts;
  if (!d_.nodes->HasSynced()) {
    facts.lookup_error = "the Node cache has not synced yet";
  } else if (d_.nodes->Exists(node_name)) {
    facts.node_exists = true;
  } else {
    // The cache may lag behind a Node created a moment ago: confirm "absent" live.
    StatusOr<bool> live = d_.api->NodeExists(node_name);
    if (live.ok()) {
      facts.node_exists = *live;
    } else {
      facts.lookup_error = "looking up Node \"" + node_name + "\": " + live.status().message();
    }
  }
  if (d_.csrs->HasSynced()) {
    std::vector<policy::InFlightCsr> in_flight;
    const std::string want_cn = std::string(policy::kNodeUserPrefix) + node_name;
    for (const auto& other : d_.csrs->List()) {
      if (other.metadata.name == csr.name) continue;
      if (other.spec.signer_name != csr.signer_name) continue;
      if (policy::ClassifyFlow(other.spec.username, other.spec.groups) != policy::Flow::kBootstrap) continue;
      if (kube::IsDenied(other) || kube::IsFailed(other)) continue;
      if (CommonNameOf(other) != want_cn) continue;
      policy::InFlightCsr f;
      f.name = other.metadata.name;
      if (other.metadata.creation_timestamp) f.creation_time = *other.metadata.creation_timestamp;
      f.approved = kube::IsApproved(other);
      in_flight.push_back(std::move(f));
    }
    facts.in_flight_for_node = std::move(in_flight);
  } else {
    facts.lookup_error = "the CSR cache has not synced yet";
  }
  return facts;
}

bool CsrReconciler::AlreadyReported(const std::string& uid, const std::string& signature) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = reported_.find(uid);
  if (it != reported_.end() && it->second == signature) return true;
  if (reported_.size() > 20000) reported_.clear();
  reported_[uid] = signature;
  return false;
}

ReconcileResult CsrReconciler::Reconcile(const std::string& name) {
  if (!d_.csrs->HasSynced()) return ReconcileResult::Requeue(UnavailableError("the CSR cache has not synced yet"));
  std::optional<kube::CertificateSigningRequest> cached = d_.csrs->Get(name);
  if (!cached) return ReconcileResult::Done();  // deleted
  // Triage before policy: other signers and decided CSRs cost nothing.
  if (cached->spec.signer_name != policy::kKubeletClientSigner) return ReconcileResult::Done();
  if (Decided(*cached)) return ReconcileResult::Done();

  std::shared_ptr<const policy::Policy> pol = d_.policy->Current();
  policy::CsrObject obj = ToPolicyObject(*cached);
  StatusOr<crypto::ParsedCsr> parsed = crypto::ParsedCsr::FromPem(obj.request_pem);
  std::string node_name = parsed.ok() ? policy::NodeNameFromCommonName(parsed->CommonName()) : "";
  policy::CsrFacts facts;
  if (policy::ClassifyFlow(obj.username, obj.groups) == policy::Flow::kBootstrap) {
    facts = GatherFacts(obj, node_name);
  }
  policy::CsrContext ctx(std::move(obj), std::move(parsed), std::move(facts));
  Verdict v = policy::Evaluate(ctx, *pol);

  Decision d;
  switch (v.outcome) {
    case Verdict::Outcome::kIgnore:
      return ReconcileResult::Done();
    case Verdict::Outcome::kRetry:
      d_.logger->Debug("policy needs a fact that is not available yet; retrying",
                       {{"csr", name}, {"check", v.check}, {"error", v.retry_status.message()}});
      return ReconcileResult::Requeue(v.retry_status);
    case Verdict::Outcome::kApprove:
      if (pol->on_pass == policy::PassAction::kApprove) {
        d = {Action::kApprove, std::string(kApprovedReason),
             "Approved by joinguard-controller policy \"" + pol->name + "\" (generation " +
                 std::to_string(pol->generation) + "): every check passed.",
             ""};
      } else {
        d = {Action::kLeavePending, std::string(kManualApprovalReason),
             "Every check of policy \"" + pol->name +
                 "\" passed, but the policy (onPass: leave-pending) asks a human to approve: kubectl certificate "
                 "approve " + name,
             ""};
      }
      break;
    case Verdict::Outcome::kDeny:
      if (pol->on_fail == policy::FailAction::kDeny) {
        d = {Action::kDeny, v.reason, v.message, v.check};
      } else {
        d = {Action::kLeavePending, v.reason, v.message + " (policy onFail: leave-pending, so not denied)", v.check};
      }
      break;
    case Verdict::Outcome::kLeavePending:
      d = {Action::kLeavePending, v.reason, v.message, v.check};
      break;
  }

  const bool dry_run = options_.dry_run_override || pol->mode == policy::Mode::kDryRun;
  if (d.action == Action::kLeavePending || dry_run) {
    // Nothing is written; report once per (decision, reason, policy generation, mode).
    std::string signature = std::string(ActionName(static_cast<int>(d.action))) + "|" + d.reason + "|" +
                            std::to_string(pol->generation) + "|" + (dry_run ? "dry" : "enforce");
    if (!AlreadyReported(cached->metadata.uid, signature)) Report(*cached, ctx, *pol, d, dry_run);
    return ReconcileResult::Done();
  }

  StatusOr<WriteOutcome> w = WriteDecision(*cached, d);
  if (!w.ok()) {
    d_.logger->Warning("writing the CSR decision failed; will retry",
                       {{"csr", name}, {"decision", std::string(ActionName(static_cast<int>(d.action)))},
                        {"error", w.status().ToString()}});
    return ReconcileResult::Error(w.status());
  }
  switch (*w) {
    case WriteOutcome::kWritten:
      Report(*cached, ctx, *pol, d, false);
      break;
    case WriteOutcome::kAlreadyDecided:
      d_.logger->Info("CSR was decided by someone else first; leaving it", {{"csr", name}});
      break;
    case WriteOutcome::kGone:
      break;
  }
  return ReconcileResult::Done();
}

StatusOr<CsrReconciler::WriteOutcome> CsrReconciler::WriteDecision(kube::CertificateSigningRequest csr,
                                                                  const Decision& d) {
  auto append = [&](kube::CertificateSigningRequest& c) {
    kube::CertificateSigningRequestCondition cond;
    cond.type = d.action == Action::kApprove ? std::string(kube::kCsrApproved) : std::string(kube::kCsrDenied);
    cond.status = "True";
    cond.reason = d.reason;
    cond.message = d.message;
    cond.last_update_time = d_.clock->Now();
    c.status.conditions.push_back(std::move(cond));
  };
  append(csr);
  Status last;
  for (int attempt = 0; attempt <= options_.max_conflict_retries; ++attempt) {
    StatusOr<kube::CertificateSigningRequest> r = d_.api->UpdateApproval(csr);
    if (r.ok()) return WriteOutcome::kWritten;
    if (kube::IsNotFound(r.status())) return WriteOutcome::kGone;
    if (!kube::IsConflict(r.status())) return r.status();
    last = r.status();
    // The cache was stale: re-read live, and never flip a decision someone else made.
    StatusOr<kube::CertificateSigningRequest> live = d_.api->Get(csr.metadata.name);
    if (!live.ok()) {
      if (kube::IsNotFound(live.status())) return WriteOutcome::kGone;
      return live.status();
    }
    if (Decided(*live)) return WriteOutcome::kAlreadyDecided;
    csr = std::move(*live);
    append(csr);
  }
  return last.Annotate("approval update kept conflicting");
}

void CsrReconciler::Report(const kube::CertificateSigningRequest& csr, const policy::CsrContext& ctx,
                           const policy::Policy& p, const Decision& d, bool dry_run) {
  const std::string_view decision = ActionName(static_cast<int>(d.action));
  const std::string mode = dry_run ? "dry-run" : "enforce";
  const auto now = d_.clock->Now();
  std::chrono::duration<double> latency = ctx.csr().creation_time.time_since_epoch().count() == 0
                                              ? std::chrono::duration<double>(0)
                                              : std::chrono::duration<double>(now - ctx.csr().creation_time);

  d_.metrics->RecordDecision(csr.spec.signer_name, decision, d.reason, mode, latency);

  std::string event_type(d.action == Action::kApprove ? kube::kEventTypeNormal : kube::kEventTypeWarning);
  std::string event_reason = d.reason;
  std::string event_message = d.message;
  if (dry_run) {
    event_reason = d.action == Action::kApprove ? "DryRunWouldApprove"
                   : d.action == Action::kDeny  ? "DryRunWouldDeny"
                                                : "DryRunWouldLeavePending";
    event_message = "dry-run, nothing written: would " + std::string(decision) + " (" + d.reason + "): " + d.message;
  } else if (d.action == Action::kLeavePending) {
    event_message = "left pending: " + d.message;
  }
  d_.events->Record(kube::ReferenceTo(csr), event_type, event_reason, event_message);

  AuditRecord a;
  a.time = kube::FormatTime(now);
  a.csr = csr.metadata.name;
  a.uid = csr.metadata.uid;
  a.signer = csr.spec.signer_name;
  a.requester = csr.spec.username;
  a.groups = csr.spec.groups;
  a.flow = std::string(policy::FlowName(ctx.flow()));
  a.node = ctx.node_name();
  a.token_id = ctx.token_id();
  a.key_type = ctx.parsed_ok() ? ctx.parsed().key_info().ToString() : "";
  a.decision = std::string(decision);
  a.reason = d.reason;
  a.message = d.message;
  a.check = d.check;
  a.mode = mode;
  a.dry_run = dry_run;
  a.policy = p.name;
  a.policy_generation = p.generation;
  a.latency_seconds = latency.count();
  d_.audit->Write(a);

  d_.logger->Info(dry_run ? "CSR decision (dry-run, not written)" : "CSR decision",
                  {{"csr", a.csr}, {"decision", a.decision}, {"reason", a.reason}, {"node", a.node},
                   {"requester", a.requester}, {"mode", mode}});
}

}  // namespace joinguard::controller
