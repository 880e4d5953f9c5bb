// The reconciler's fact gathering (from the stores and, where a cache must not be trusted, live)
// and its reporting (metrics, Event, audit line, log).
#include <algorithm>

#include "common/kube/api_error.h"
#include "common/kube/meta_time.h"
#include "controller/reconciler.h"

namespace joinguard::controller {

bool CsrReconciler::TrustedRequester(const kube::CertificateSigningRequest& other, const policy::Policy& p) {
  return policy::CheckRequesterFields(other.spec.username, other.spec.groups, p).is_approve();
}

policy::CsrFacts CsrReconciler::GatherBootstrapFacts(const policy::CsrContext& ctx, const policy::Policy& p) {
  policy::CsrFacts facts;
  const std::string& node = ctx.node_name();
  if (node.empty()) return facts;
  if (!p.deny_existing_node) {
    facts.node_exists = false;
  } else if (!d_.nodes->HasSynced()) {
    facts.lookup_error = "the Node cache has not synced yet";
  } else {
    // Confirmed live in both directions: a Node created a moment ago may not be cached yet
    // (approving would hand out its name), and a Node deleted a moment ago may still be cached
    // (denying NodeExists would refuse a legitimate re-join).
    StatusOr<bool> live = d_.api->NodeExists(node);
    if (live.ok()) {
      facts.node_exists = *live;
    } else {
      facts.lookup_error = "looking up Node \"" + node + "\": " + live.status().message();
    }
  }
  if (!d_.csrs->HasSynced()) {
    facts.lookup_error = "the CSR cache has not synced yet";
    return facts;
  }
  std::vector<policy::InFlightCsr> in_flight;
  bool recent_seen = false;
  std::optional<RecentApprovals::Entry> recent = recent_.Get(node);
  for (const CsrPtr& other : d_.csrs->BootstrapByNodeName(node)) {
    if (other->metadata.name == ctx.csr().name) continue;
    if (kube::IsDenied(*other) || kube::IsFailed(*other)) continue;
    // Only requesters the policy trusts count: an untrusted token's flood must not block a
    // trusted join (it is denied RequesterNotAllowed on its own).
    if (!TrustedRequester(*other, p)) continue;
    policy::InFlightCsr f;
    f.name = other->metadata.name;
    if (other->metadata.creation_timestamp) f.creation_time = *other->metadata.creation_timestamp;
    f.approved = kube::IsApproved(*other);
    if (recent && recent->csr_uid == other->metadata.uid) {
      f.approved = true;
      recent_seen = true;
    }
    in_flight.push_back(std::move(f));
  }
  // The approval was written for a CSR the cache held; once the cache no longer holds it, it
  // was deleted, and the NodeJoin record (not this memory) keeps guarding the name.
  if (recent && !recent_seen) recent_.Forget(node, recent->csr_uid);
  // The CSR holding the name's NodeJoin claim wins over every pending duplicate, whatever the
  // creation order says: a pending duplicate that reaches the claim is denied because of it
  // (JoinRecords::Claim answers kTaken), so the holder must not be denied because of the
  // duplicate in turn, or both end denied (the claim holder's approval write failed, the
  // duplicate was denied at the claim, and the holder's retry still saw it pending in the cache).
  const bool pending_others = std::any_of(in_flight.begin(), in_flight.end(),
                                          [](const policy::InFlightCsr& f) { return !f.approved; });
  if (pending_others) {
    StatusOr<bool> holds = HoldsClaim(node, ctx.csr().uid);
    if (!holds.ok()) {
      facts.lookup_error = "reading NodeJoin \"" + node + "\": " + holds.status().message();
      return facts;  // in_flight_for_node unknown: the duplicate check retries, never denies
    }
    if (*holds) {
      in_flight.erase(std::remove_if(in_flight.begin(), in_flight.end(),
                                     [](const policy::InFlightCsr& f) { return !f.approved; }),
                      in_flight.end());
    }
  }
  facts.in_flight_for_node = std::move(in_flight);
  return facts;
}

StatusOr<bool> CsrReconciler::HoldsClaim(const std::string& node, const std::string& csr_uid) {
  NodeJoinPtr cached = d_.node_joins->Get(node);
  if (cached && cached->spec.csr_uid == csr_uid) return true;
  // The cache may not show a claim made a moment ago (by this process before a failed approval
  // write, or by the previous leader): confirm live. Only CSRs with a pending duplicate get here.
  StatusOr<kube::NodeJoin> live = d_.node_join_api->Get(node);
  if (!live.ok()) {
    if (kube::IsNotFound(live.status())) return false;
    return live.status();
  }
  return live->spec.csr_uid == csr_uid;
}

policy::CsrFacts CsrReconciler::GatherServingFacts(const policy::CsrContext& ctx) {
  policy::CsrFacts facts;
  facts.api_server_addresses = options_.api_server_addresses;
  const std::string& node = ctx.node_name();
  if (!d_.nodes->HasSynced()) {
    facts.lookup_error = "the Node cache has not synced yet";
    return facts;
  }
  NodePtr n = node.empty() ? nullptr : d_.nodes->Get(node);
  if (!n) {
    facts.lookup_error = "Node \"" + node + "\" is not in the cache (yet)";
    return facts;
  }
  policy::ServingFacts serving;
  for (const kube::NodeAddress& a : n->addresses) serving.node_addresses.push_back({a.type, a.address});
  if (ctx.parsed_ok()) {
    std::vector<std::string> sans = ctx.parsed().dns_names();
    sans.insert(sans.end(), ctx.parsed().ip_addresses().begin(), ctx.parsed().ip_addresses().end());
    for (const std::string& san : sans) {
      const std::string key = NodeAddressKey(san);
      std::vector<std::string>& others = serving.claimed_by_other_nodes[key];
      for (const NodePtr& other : d_.nodes->ByAddress(key)) {
        if (other->metadata.name != node) others.push_back(other->metadata.name);
      }
    }
  }
  facts.serving = std::move(serving);
  return facts;
}

void CsrReconciler::Report(const kube::CertificateSigningRequest& csr, const policy::CsrContext& ctx,
                           const policy::Policy& p, const Decision& d, bool dry_run) {
  const std::string_view decision = d.action == Action::kApprove ? "approve"
                                    : d.action == Action::kDeny  ? "deny"
                                                                 : "pending";
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
    event_message =
        "dry-run, nothing written: would " + std::string(decision) + " (" + d.reason + "): " + d.message;
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
  d_.logger->Info(dry_run ? "CSR decision (dry-run, not written)" : "CSR decision",
                  {{"csr", a.csr},
                   {"decision", a.decision},
                   {"reason", a.reason},
                   {"node", a.node},
                   {"requester", a.requester},
                   {"mode", mode}});
  d_.audit->Write(std::move(a));
}

}  // namespace joinguard::controller
