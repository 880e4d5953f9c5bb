// The reconciler against an in-memory cluster: outcomes (the condition written on the live CSR,
// the NodeJoin record, the Event, the metric, the audit line), not call sequences.
#include "controller/reconciler.h"

#include "tests/unit/controller/reconciler_fixture.h"

namespace joinguard::controller {
namespace {

using controller::testing::TestCsr;
using ::testing::HasSubstr;

class ReconcilerTest : public controller::testing::ReconcilerFixture {};

TEST_F(ReconcilerTest, ApprovesAValidBootstrapCsrAndRecordsTheJoin) {
  std::string uid = Put(TestCsr{});
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(Reason("csr-1"), "JoinguardApproved");
  auto writes = cluster_.writes();
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].uid, uid) << "the approval write carries metadata.uid";
  auto record = cluster_.LiveNodeJoin("worker-1");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->spec.csr_uid, uid);
  EXPECT_EQ(record->spec.csr_name, "csr-1");
  EXPECT_EQ(record->spec.token_id, "abcdef");
  EXPECT_EQ(record->spec.requester, "system:bootstrap:abcdef");
  EXPECT_EQ(record->metadata.labels.at("joinguard.io/token-id"), "abcdef");
  EXPECT_EQ(record->status.phase, "Approved");
  EXPECT_TRUE(record->status.approved_at.has_value());
  auto events = events_.entries();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "Normal");
  EXPECT_EQ(events[0].reason, "JoinguardApproved");
  std::string audit = AuditText();
  EXPECT_THAT(audit, HasSubstr("\"tokenId\":\"abcdef\""));
  EXPECT_THAT(audit, HasSubstr("\"decision\":\"approve\""));
  EXPECT_THAT(audit, HasSubstr("\"keyType\":\"ECDSA P-256\""));
  EXPECT_THAT(audit, HasSubstr("\"node\":\"worker-1\""));
  EXPECT_THAT(audit, ::testing::Not(HasSubstr("CERTIFICATE REQUEST")));
  std::string m = metrics_.SerializeForTest();
  EXPECT_THAT(m,
              HasSubstr("joinguard_csr_decisions_total{decision=\"approve\",mode=\"enforce\",reason="
                        "\"JoinguardApproved\",signer=\"kubernetes.io/kube-apiserver-client-kubelet\"} 1"));
}

TEST_F(ReconcilerTest, DeniesWithTheCheckReason) {
  TestCsr t;
  t.dns_names = {"kubernetes.default.svc"};
  Put(t);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Denied");
  EXPECT_EQ(Reason("csr-1"), "SanPresent");
  EXPECT_THAT(cluster_.LiveCsr("csr-1")->status.conditions.back().message,
              HasSubstr("kubernetes.default.svc"));
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value()) << "a denial records nothing";
  ASSERT_EQ(events_.entries().size(), 1u);
  EXPECT_EQ(events_.entries()[0].type, "Warning");
}

TEST_F(ReconcilerTest, DeniesBootstrapForAnExistingNode) {
  cluster_.AddNode("worker-1");
  Put(TestCsr{});
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Reason("csr-1"), "NodeExists");
}

TEST_F(ReconcilerTest, ConfirmsAbsentNodeLiveBeforeApproving) {
  Put(TestCsr{});
  cluster_.AddNode("worker-1");  // created a moment ago; the watch has not delivered it
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Reason("csr-1"), "NodeExists");
}

TEST_F(ReconcilerTest, LiveNodeLookupFailureRetriesAndNeverDenies) {
  Put(TestCsr{});
  cluster_.before_node_get = [](const std::string&) { return UnavailableError("connection refused"); };
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kRequeue);
  EXPECT_THAT(res.status.message(), HasSubstr("connection refused"));
  EXPECT_TRUE(cluster_.writes().empty());
}

TEST_F(ReconcilerTest, DeniesALaterDuplicateForTheSameNode) {
  TestCsr first;
  first.name = "csr-a";
  TestCsr second;
  second.name = "csr-b";
  second.created = first.created + std::chrono::seconds(3);
  Put(first);
  Put(second);
  auto r = Make();
  r->Reconcile("csr-b");
  EXPECT_EQ(Reason("csr-b"), "DuplicateInFlight");
}

TEST_F(ReconcilerTest, IgnoresOtherSignersWithoutAnyCall) {
  TestCsr t;
  t.signer = "kubernetes.io/kubelet-serving";  // no serving checks configured
  Put(t);
  TestCsr other;
  other.name = "csr-2";
  other.signer = "example.com/custom";
  Put(other);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(r->Reconcile("csr-2").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(cluster_.api_calls(), 0);
  EXPECT_TRUE(events_.entries().empty());
}

TEST_F(ReconcilerTest, NeverFlipsAnEarlierDecision) {
  for (const char* type : {"Denied", "Approved"}) {
    TestCsr t;
    t.name = std::string("csr-") + type;
    auto c = controller::testing::MakeCsr(t);
    c.status.conditions.push_back({type, "True", "ByAHuman", "by a human", std::nullopt, std::nullopt});
    cluster_.PutCsr(c);
  }
  cluster_.SyncCache();
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-Denied").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(r->Reconcile("csr-Approved").kind, ReconcileResult::Kind::kDone);
  EXPECT_TRUE(cluster_.writes().empty());
  EXPECT_TRUE(events_.entries().empty());
}

TEST_F(ReconcilerTest, UnsyncedNodeCacheRetriesAndNeverDenies) {
  Put(TestCsr{});
  cluster_.nodes_synced = false;
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kRequeue);
  EXPECT_THAT(res.status, joinguard::testing::StatusIs(StatusCode::kUnavailable));
  EXPECT_TRUE(cluster_.writes().empty());
}

TEST_F(ReconcilerTest, UnsyncedCsrCacheRequeues) {
  cluster_.csrs_synced = false;
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kRequeue);
}

TEST_F(ReconcilerTest, StaleCacheConflictIsReReadAndRetried) {
  Put(TestCsr{});
  cluster_.TouchCsr("csr-1");  // a label change the cache has not seen: resourceVersion moved
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(cluster_.LiveCsr("csr-1")->status.conditions.size(), 1u);
  EXPECT_EQ(events_.entries().size(), 1u);
}

TEST_F(ReconcilerTest, ConflictWithSomeoneElsesDecisionStopsAndReleasesTheName) {
  Put(TestCsr{});
  // An admin denies it after the cache saw it pending.
  auto live = *cluster_.LiveCsr("csr-1");
  live.status.conditions.push_back({"Denied", "True", "KubectlDeny", "no", std::nullopt, std::nullopt});
  ASSERT_TRUE(cluster_.UpdateApproval(live).ok());
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Denied") << "never flipped";
  EXPECT_EQ(Reason("csr-1"), "KubectlDeny");
  EXPECT_EQ(Approvals(), 0);
  EXPECT_TRUE(events_.entries().empty());
  // The name is not lost: the next join for it claims the stale record.
  TestCsr next;
  next.name = "csr-2";
  std::string uid = Put(next);
  r->Reconcile("csr-2");
  EXPECT_EQ(Type("csr-2"), "Approved");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.csr_uid, uid);
}

TEST_F(ReconcilerTest, ApiErrorIsAnErrorResult) {
  Put(TestCsr{});
  cluster_.before_approval = [](const kube::CertificateSigningRequest&) {
    return UnavailableError("etcd down").WithReason("InternalError", 500);
  };
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kError);
  EXPECT_TRUE(events_.entries().empty());
  // The claim stays with this CSR's uid: the retry continues from it.
  cluster_.before_approval = nullptr;
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

TEST_F(ReconcilerTest, DryRunWritesNothingAndReportsOnce) {
  TestCsr t;
  t.key = controller::testing::TestKey::kRsa1024;
  Put(t);
  TestCsr good;
  good.name = "csr-good";
  good.WithNodeName("worker-2");
  Put(good);
  ReconcilerOptions o;
  o.dry_run_override = true;
  auto r = Make(policy::DefaultPolicy(), o);
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);  // a resync: no second Event
  EXPECT_EQ(r->Reconcile("csr-good").kind, ReconcileResult::Kind::kDone);
  EXPECT_TRUE(cluster_.writes().empty());
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-2").has_value());
  auto events = events_.entries();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].reason, "DryRunWouldDeny");
  EXPECT_THAT(events[0].message, HasSubstr("KeyTooWeak"));
  EXPECT_EQ(events[1].reason, "DryRunWouldApprove");
  EXPECT_THAT(metrics_.SerializeForTest(), HasSubstr("mode=\"dry-run\",reason=\"KeyTooWeak\""));
  EXPECT_THAT(AuditText(), HasSubstr("\"dryRun\":true"));
}

TEST_F(ReconcilerTest, PolicyDryRunModeAlsoWritesNothing) {
  Put(TestCsr{});
  policy::Policy p = policy::DefaultPolicy();
  p.mode = policy::Mode::kDryRun;
  auto r = Make(p);
  r->Reconcile("csr-1");
  EXPECT_TRUE(cluster_.writes().empty());
  ASSERT_EQ(events_.entries().size(), 1u);
  EXPECT_EQ(events_.entries()[0].reason, "DryRunWouldApprove");
}

TEST_F(ReconcilerTest, LeavePendingForAHuman) {
  Put(TestCsr{});
  policy::Policy p = policy::DefaultPolicy();
  p.on_pass = policy::PassAction::kLeavePending;
  auto r = Make(p);
  r->Reconcile("csr-1");
  r->Reconcile("csr-1");
  EXPECT_TRUE(cluster_.writes().empty());
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
  ASSERT_EQ(events_.entries().size(), 1u);
  EXPECT_EQ(events_.entries()[0].reason, "ManualApprovalRequired");
  EXPECT_THAT(events_.entries()[0].message, HasSubstr("kubectl certificate approve csr-1"));
  EXPECT_THAT(metrics_.SerializeForTest(), HasSubstr("decision=\"pending\""));
}

TEST_F(ReconcilerTest, OnFailLeavePendingNeverDenies) {
  TestCsr t;
  t.subject = {{"O", "system:masters"}, {"CN", "system:node:worker-1"}};
  Put(t);
  policy::Policy p = policy::DefaultPolicy();
  p.on_fail = policy::FailAction::kLeavePending;
  auto r = Make(p);
  r->Reconcile("csr-1");
  EXPECT_TRUE(cluster_.writes().empty());
  ASSERT_EQ(events_.entries().size(), 1u);
  EXPECT_EQ(events_.entries()[0].reason, "SubjectNotExact");
}

TEST_F(ReconcilerTest, RenewalIsApprovedWithoutARecord) {
  TestCsr t;
  t.AsRenewal("worker-1");
  cluster_.AddNode("worker-1");
  Put(t);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
}

TEST_F(ReconcilerTest, DeletedCsrIsDone) {
  auto r = Make();
  EXPECT_EQ(r->Reconcile("gone").kind, ReconcileResult::Kind::kDone);
}

TEST_F(ReconcilerTest, NameLocksDoNotAccumulate) {
  for (int i = 0; i < 20; ++i) {
    TestCsr t;
    t.name = "csr-" + std::to_string(i);
    t.WithNodeName("node-" + std::to_string(i));
    Put(t);
  }
  auto r = Make();
  for (int i = 0; i < 20; ++i) r->Reconcile("csr-" + std::to_string(i));
  EXPECT_EQ(Approvals(), 20);
  EXPECT_EQ(r->name_locks().Size(), 0u);
}

}  // namespace
}  // namespace joinguard::controller
