// The reconciler's seams: the JoinGate (contract: Admit under the name lock before the claim,
// Release when the approval is not written, requeue after retry_after for a brake) and the
// facts it supplies for kubelet-serving CSRs.
#include "controller/reconciler.h"
#include "tests/unit/controller/reconciler_fixture.h"

namespace joinguard::controller {
namespace {

using controller::testing::TestCsr;
using ::testing::HasSubstr;

class FakeGate final : public JoinGate {
 public:
  JoinAdmission Admit(const JoinRequest& request) override {
    std::lock_guard<std::mutex> l(mu);
    admitted.push_back(request);
    return next;
  }
  Status Release(const JoinRequest& request, const JoinAdmission&) override {
    std::lock_guard<std::mutex> l(mu);
    released.push_back(request.csr_uid);
    return OkStatus();
  }
  std::mutex mu;  // guards the fields below
  JoinAdmission next;
  std::vector<JoinRequest> admitted;
  std::vector<std::string> released;
};

class ReconcilerGateTest : public controller::testing::ReconcilerFixture {
 protected:
  void SetUp() override {
    ReconcilerFixture::SetUp();
    gate_ = &gate;
  }
  FakeGate gate;
};

TEST_F(ReconcilerGateTest, AdmitSeesTheRequestAndAllowRecordsTheGrant) {
  TestCsr other;
  other.name = "other-pending";
  other.WithNodeName("worker-9");
  Put(other);
  std::string uid = Put(TestCsr{});
  gate.next.grant = "abcdef";
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Approved");
  ASSERT_EQ(gate.admitted.size(), 1u);
  const JoinRequest& req = gate.admitted[0];
  EXPECT_EQ(req.csr_name, "csr-1");
  EXPECT_EQ(req.csr_uid, uid);
  EXPECT_EQ(req.node_name, "worker-1");
  EXPECT_EQ(req.token_id, "abcdef");
  EXPECT_EQ(req.requester, "system:bootstrap:abcdef");
  EXPECT_EQ(req.pending_from_requester, 1);
  EXPECT_FALSE(req.name_already_joined);
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.grant, "abcdef");
  EXPECT_TRUE(gate.released.empty());
}

TEST_F(ReconcilerGateTest, JunkNeverReachesTheGate) {
  TestCsr bad;
  bad.dns_names = {"evil"};
  Put(bad);
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_TRUE(gate.admitted.empty());
  EXPECT_EQ(Reason("csr-1"), "SanPresent");
}

TEST_F(ReconcilerGateTest, DenyIsWrittenWithTheGatesReason) {
  Put(TestCsr{});
  gate.next.kind = JoinAdmission::Kind::kDeny;
  gate.next.reason = "GrantNameNotAllowed";
  gate.next.message = "token abcdef may join only worker-2";
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Denied");
  EXPECT_EQ(Reason("csr-1"), "GrantNameNotAllowed");
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
}

TEST_F(ReconcilerGateTest, BrakeLeavesPendingAndRequeuesAfterRetryAfter) {
  Put(TestCsr{});
  gate.next.kind = JoinAdmission::Kind::kLeavePending;
  gate.next.reason = "TokenRateLimited";
  gate.next.message = "token abcdef reached 10 approvals per minute";
  gate.next.retry_after = std::chrono::milliseconds(1500);
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kRequeueAfter);
  EXPECT_EQ(res.after, std::chrono::milliseconds(1500));
  EXPECT_TRUE(cluster_.writes().empty());
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
  ASSERT_EQ(events_.entries().size(), 1u);
  EXPECT_EQ(events_.entries()[0].reason, "TokenRateLimited");
  // When the window allows, the same CSR is approved.
  gate.next = JoinAdmission{};
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Approved");
}

TEST_F(ReconcilerGateTest, RetryRequeuesAndNeverDenies) {
  Put(TestCsr{});
  gate.next.kind = JoinAdmission::Kind::kRetry;
  gate.next.status = UnavailableError("JoinGrant read failed");
  auto r = Make();
  // Retried as an error (logged and counted), so that a 403 on the JoinGrant is not silent.
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kError);
  EXPECT_TRUE(cluster_.writes().empty());
}

TEST_F(ReconcilerGateTest, NameTakenReleasesTheReservedUse) {
  TestCsr first;
  first.name = "first";
  Put(first);
  auto r = Make();
  r->Reconcile("first");
  cluster_.DeleteCsr("first");  // garbage-collected
  TestCsr second;
  second.name = "second";
  std::string uid = Put(second);
  r->Reconcile("second");
  EXPECT_EQ(Reason("second"), "NodeAlreadyJoined");
  ASSERT_EQ(gate.admitted.size(), 2u);
  EXPECT_TRUE(gate.admitted[1].name_already_joined);
  ASSERT_EQ(gate.released.size(), 1u);
  EXPECT_EQ(gate.released[0], uid);
}

TEST_F(ReconcilerGateTest, AllowRejoinReplacesACompletedRecord) {
  TestCsr first;
  first.name = "first";
  Put(first);
  auto r = Make();
  r->Reconcile("first");
  cluster_.DeleteCsr("first");
  TestCsr second;
  second.name = "second";
  std::string uid = Put(second);
  gate.next.allow_rejoin = true;
  gate.next.grant = "abcdef";
  r->Reconcile("second");
  EXPECT_EQ(Type("second"), "Approved");
  auto record = cluster_.LiveNodeJoin("worker-1");
  EXPECT_EQ(record->spec.csr_uid, uid);
  EXPECT_EQ(record->status.phase, "Approved");
}

TEST_F(ReconcilerGateTest, ApprovalThatCannotBeWrittenReleasesTheUse) {
  std::string uid = Put(TestCsr{});
  cluster_.before_approval = [&](const kube::CertificateSigningRequest&) {
    cluster_.DeleteCsr("csr-1");
    return OkStatus();
  };
  auto r = Make();
  r->Reconcile("csr-1");
  ASSERT_EQ(gate.released.size(), 1u);
  EXPECT_EQ(gate.released[0], uid);
}

// The approval write fails with an answer that says nothing was changed (a 4xx): the use goes
// back. It fails without saying (a 5xx or no answer, possibly applied): the use stays reserved,
// and the retry re-admits the same CSR uid (which the gate does not count twice).
TEST_F(ReconcilerGateTest, RefusedApprovalWriteReleasesTheUse) {
  std::string uid = Put(TestCsr{});
  cluster_.before_approval = [&](const kube::CertificateSigningRequest&) -> Status {
    return PermissionDeniedError("forbidden").WithReason("Forbidden", 403);
  };
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kError);
  ASSERT_EQ(gate.released.size(), 1u);
  EXPECT_EQ(gate.released[0], uid);
}

TEST_F(ReconcilerGateTest, ApprovalWriteWithALostAnswerKeepsTheUse) {
  std::string uid = Put(TestCsr{});
  std::optional<kube::CertificateSigningRequest> applied;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest& c) -> Status {
    if (applied) return OkStatus();
    applied = c;  // the API server applied it; the answer never arrived
    return DeadlineExceededError("no response within 30s");
  };
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kError);
  EXPECT_TRUE(gate.released.empty()) << "a write that may have been applied must keep the grant's use";
  ASSERT_TRUE(applied.has_value());
  ASSERT_TRUE(cluster_.UpdateApproval(*applied).ok());
  cluster_.SyncCache();  // the cache shows it approved before any retry
  r->Reconcile("csr-1");
  EXPECT_TRUE(gate.released.empty());
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.csr_uid, uid);
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

TEST_F(ReconcilerGateTest, ApprovalWriteThatFailedWithA5xxIsRetriedOnTheSameUse) {
  std::string uid = Put(TestCsr{});
  int failures = 1;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest&) -> Status {
    if (failures-- > 0) return UnavailableError("etcd timeout").WithReason("InternalError", 500);
    return OkStatus();
  };
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kError);
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_TRUE(gate.released.empty());
  ASSERT_EQ(gate.admitted.size(), 2u);
  EXPECT_EQ(gate.admitted[1].csr_uid, uid) << "the retry re-admits the same CSR uid";
}

// Serving CSRs: the reconciler supplies the facts; the checks are the serving policy's (here a
// stand-in that records what it saw and approves when the facts are complete).
policy::CsrFacts g_seen;
policy::CheckResult RecordFacts(const policy::CsrContext& ctx, const policy::Policy&) {
  if (ctx.csr().signer_name != policy::kKubeletServingSigner) {
    return policy::CheckResult::NoOpinion(std::string(policy::reason::kSignerNotHandled), "not serving");
  }
  g_seen = ctx.facts();
  if (!ctx.facts().serving) return policy::CheckResult::Retry(UnavailableError(ctx.facts().lookup_error));
  return policy::CheckResult::Approve();
}

TEST_F(ReconcilerGateTest, ServingCsrGetsTheNodesAddressesAndWhoElseClaimsThem) {
  static const std::vector<policy::Check> kChecks = {{"recordFacts", &RecordFacts}};
  serving_checks_ = &kChecks;
  TestCsr t;
  t.signer = std::string(policy::kKubeletServingSigner);
  t.AsRenewal("worker-1");
  t.usages = {"digital signature", "server auth"};
  t.dns_names = {"Worker-1."};
  t.ip_addresses = {"10.0.0.7"};
  Put(t);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kRequeue)
      << "a Node not in the cache is a retry";
  EXPECT_FALSE(g_seen.serving.has_value());
  EXPECT_TRUE(cluster_.writes().empty());

  cluster_.AddNode("worker-1", {{"Hostname", "worker-1"}, {"InternalIP", "10.0.0.1"}});
  cluster_.AddNode("worker-2", {{"InternalIP", "10.0.0.7"}});
  cluster_.SyncCache();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  ASSERT_TRUE(g_seen.serving.has_value());
  ASSERT_EQ(g_seen.serving->node_addresses.size(), 2u);
  EXPECT_EQ(g_seen.serving->node_addresses[1].address, "10.0.0.1");
  EXPECT_THAT(g_seen.serving->claimed_by_other_nodes.at("10.0.0.7"), ::testing::ElementsAre("worker-2"));
  EXPECT_THAT(g_seen.serving->claimed_by_other_nodes.at("worker-1"), ::testing::IsEmpty());
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
}

}  // namespace
}  // namespace joinguard::controller
