#include "controller/join_records.h"

#include "common/kube/api_error.h"

namespace joinguard::controller {
namespace {

// Create → AlreadyExists → read → (stale: delete) → Create again can race with other writers;
// each round makes progress, so a few rounds are enough unless someone keeps changing the name.
constexpr int kMaxClaimRounds = 5;

kube::NodeJoin NewRecord(const ClaimRequest& r) {
  kube::NodeJoin j;
  j.metadata.name = r.node_name;
  if (!r.token_id.empty()) j.metadata.labels[std::string(kube::kNodeJoinTokenIdLabel)] = r.token_id;
  j.spec.node_name = r.node_name;
  j.spec.token_id = r.token_id;
  j.spec.requester = r.requester;
  j.spec.csr_name = r.csr_name;
  j.spec.csr_uid = r.csr_uid;
  j.spec.grant = r.grant;
  j.status.phase = std::string(kube::kNodeJoinPhaseClaimed);
  return j;
}

ClaimOutcome Claimed(kube::NodeJoin record) {
  return {ClaimOutcome::Kind::kClaimed, std::move(record), OkStatus()};
}
ClaimOutcome Taken(kube::NodeJoin record) {
  return {ClaimOutcome::Kind::kTaken, std::move(record), OkStatus()};
}
ClaimOutcome Failed(Status s) { return {ClaimOutcome::Kind::kError, {}, std::move(s)}; }

}  // namespace

StatusOr<JoinRecords::Holder> JoinRecords::HolderState(const kube::NodeJoin& record) {
  StatusOr<kube::CertificateSigningRequest> csr = csrs_.Get(record.spec.csr_name);
  if (!csr.ok()) {
    if (kube::IsNotFound(csr.status())) return Holder::kGone;
    return csr.status();
  }
  if (csr->metadata.uid != record.spec.csr_uid) return Holder::kGone;  // replaced
  if (kube::IsApproved(*csr)) return Holder::kApproved;
  if (IsDecided(*csr)) return Holder::kGone;  // denied or failed: it will never use the name
  return Holder::kPending;
}

ClaimOutcome JoinRecords::Claim(const ClaimRequest& r) {
  for (int round = 0; round < kMaxClaimRounds; ++round) {
    StatusOr<kube::NodeJoin> created = records_.Create(NewRecord(r));
    if (created.ok()) return Claimed(std::move(*created));
    if (!kube::IsAlreadyExists(created.status()))
      return Failed(created.status().Annotate("claiming NodeJoin"));

    StatusOr<kube::NodeJoin> existing = records_.Get(r.node_name);
    if (!existing.ok()) {
      if (kube::IsNotFound(existing.status())) continue;  // released meanwhile: claim again
      return Failed(existing.status().Annotate("reading NodeJoin"));
    }
    if (existing->spec.csr_uid == r.csr_uid) return Claimed(std::move(*existing));

    if (existing->status.phase != kube::kNodeJoinPhaseApproved) {
      StatusOr<Holder> holder = HolderState(*existing);
      if (!holder.ok()) return Failed(holder.status().Annotate("checking the CSR holding NodeJoin"));
      if (*holder == Holder::kGone) {
        Status d = records_.Delete(existing->metadata.name, existing->metadata.uid);
        if (d.ok() || kube::IsNotFound(d) || kube::IsConflict(d)) continue;
        return Failed(d.Annotate("releasing a stale NodeJoin claim"));
      }
      if (*holder == Holder::kPending) return Taken(std::move(*existing));
      // Its CSR was approved but the record was not completed (a crash): complete it.
      Status m = MarkApproved(*existing);
      if (!m.ok() && !kube::IsNotFound(m) && !kube::IsConflict(m)) return Failed(m);
      if (!r.allow_rejoin) return Taken(std::move(*existing));
      continue;  // re-read the completed record before replacing it
    }
    if (!r.allow_rejoin) return Taken(std::move(*existing));
    // A re-join the JoinGate allowed: take over the completed record, conditioned on the
    // version read (a concurrent change → conflict → another round).
    kube::NodeJoin replacement = NewRecord(r);
    replacement.metadata = existing->metadata;
    replacement.metadata.labels.erase(std::string(kube::kNodeJoinTokenIdLabel));
    if (!r.token_id.empty())
      replacement.metadata.labels[std::string(kube::kNodeJoinTokenIdLabel)] = r.token_id;
    replacement.raw = existing->raw;
    StatusOr<kube::NodeJoin> updated = records_.Update(replacement);
    if (updated.ok()) return Claimed(std::move(*updated));
    if (kube::IsConflict(updated.status()) || kube::IsNotFound(updated.status())) continue;
    return Failed(updated.status().Annotate("replacing NodeJoin for a re-join"));
  }
  return Failed(AbortedError("NodeJoin \"" + r.node_name + "\" kept changing while it was being claimed"));
}

Status JoinRecords::MarkApproved(const kube::NodeJoin& record) {
  if (record.status.phase == kube::kNodeJoinPhaseApproved) return OkStatus();
  kube::NodeJoin current = record;
  for (int round = 0; round < kMaxClaimRounds; ++round) {
    current.status.phase = std::string(kube::kNodeJoinPhaseApproved);
    current.status.approved_at = clock_.Now();
    StatusOr<kube::NodeJoin> updated = records_.Update(current);
    if (updated.ok()) return OkStatus();
    if (!kube::IsConflict(updated.status())) return updated.status();
    StatusOr<kube::NodeJoin> live = records_.Get(record.metadata.name);
    if (!live.ok()) return live.status();
    if (live->spec.csr_uid != record.spec.csr_uid) {
      return AbortedError("NodeJoin \"" + record.metadata.name + "\" now belongs to CSR uid " +
                          live->spec.csr_uid);
    }
    if (live->status.phase == kube::kNodeJoinPhaseApproved) return OkStatus();
    current = std::move(*live);
  }
  return AbortedError("NodeJoin \"" + record.metadata.name + "\" kept conflicting");
}

Status JoinRecords::Release(const kube::NodeJoin& record) {
  Status d = records_.Delete(record.metadata.name, record.metadata.uid);
  if (d.ok() || kube::IsNotFound(d) || kube::IsConflict(d)) return OkStatus();
  return d;
}

}  // namespace joinguard::controller
