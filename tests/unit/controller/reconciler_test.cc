// The reconciler against fakes of the cluster interfaces: outcomes (what was written, which
// Event, which metric, which audit line), not call sequences.
#include "controller/reconciler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/testing/status_matchers.h"
#include "tests/unit/controller/csr_builder.h"
#include "tests/unit/controller/mock_cluster.h"

namespace joinguard::controller {
namespace {

using controller::testing::BuildPem;
using controller::testing::MockCsrApi;
using controller::testing::MockCsrLister;
using controller::testing::MockEventRecorder;
using controller::testing::MockNodeLister;
using controller::testing::TestCsr;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrictMock;

kube::CertificateSigningRequest MakeCsr(const TestCsr& t) {
  kube::CertificateSigningRequest c;
  c.metadata.name = t.name;
  c.metadata.uid = "uid-" + t.name;
  c.metadata.resource_version = "7";
  c.metadata.creation_timestamp = t.created;
  c.spec.request = BuildPem(t);
  c.spec.signer_name = t.signer;
  c.spec.usages = t.usages;
  c.spec.username = t.username;
  c.spec.groups = t.groups;
  if (t.expiration_seconds) c.spec.expiration_seconds = static_cast<int32_t>(*t.expiration_seconds);
  return c;
}

const kube::CertificateSigningRequestCondition* LastCondition(const kube::CertificateSigningRequest& c) {
  return c.status.conditions.empty() ? nullptr : &c.status.conditions.back();
}

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit_file_ = std::tmpfile();
    audit_ = std::make_unique<AuditLog>(audit_file_);
    ON_CALL(csrs_, HasSynced()).WillByDefault(Return(true));
    ON_CALL(nodes_, HasSynced()).WillByDefault(Return(true));
    ON_CALL(nodes_, Exists(_)).WillByDefault(Return(false));
    ON_CALL(csrs_, List()).WillByDefault([this] {
      std::vector<kube::CertificateSigningRequest> out;
      for (auto& [k, v] : store_) out.push_back(v);
      return out;
    });
    ON_CALL(csrs_, Get(_)).WillByDefault([this](const std::string& n) -> std::optional<kube::CertificateSigningRequest> {
      auto it = store_.find(n);
      if (it == store_.end()) return std::nullopt;
      return it->second;
    });
    ON_CALL(api_, NodeExists(_)).WillByDefault(Return(StatusOr<bool>(false)));
    ON_CALL(api_, UpdateApproval(_)).WillByDefault([this](const kube::CertificateSigningRequest& c) {
      written_.push_back(c);
      return StatusOr<kube::CertificateSigningRequest>(c);
    });
  }
  void TearDown() override { std::fclose(audit_file_); }

  std::unique_ptr<CsrReconciler> Make(policy::Policy p = policy::DefaultPolicy(), ReconcilerOptions o = {}) {
    provider_ = std::make_unique<StaticPolicyProvider>(std::move(p));
    ReconcilerDeps d{&csrs_, &nodes_, &api_, provider_.get(), &events_, &metrics_, audit_.get(), &clock_, &logger_};
    auto r = CsrReconciler::Create(d, o);
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  }
  void Put(const kube::CertificateSigningRequest& c) { store_[c.metadata.name] = c; }
  std::string AuditText() {
    std::fflush(audit_file_);
    std::rewind(audit_file_);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, audit_file_)) > 0) out.append(buf, n);
    return out;
  }

  std::map<std::string, kube::CertificateSigningRequest> store_;
  std::vector<kube::CertificateSigningRequest> written_;
  NiceMock<MockCsrLister> csrs_;
  NiceMock<MockNodeLister> nodes_;
  NiceMock<MockCsrApi> api_;
  NiceMock<MockEventRecorder> events_;
  ControllerMetrics metrics_;
  std::FILE* audit_file_ = nullptr;
  std::unique_ptr<AuditLog> audit_;
  runtime::FakeClock clock_{policy::SystemTime(std::chrono::seconds(1'700'000'030))};
  runtime::Logger logger_{runtime::LogLevel::kError};
  std::unique_ptr<StaticPolicyProvider> provider_;
};

TEST_F(ReconcilerTest, ApprovesAValidBootstrapCsr) {
  Put(MakeCsr(TestCsr{}));
  EXPECT_CALL(events_, Record(_, std::string_view("Normal"), std::string_view("JoinguardApproved"), HasSubstr("\"default\"")));
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  ASSERT_EQ(written_.size(), 1u);
  const auto* cond = LastCondition(written_[0]);
  ASSERT_NE(cond, nullptr);
  EXPECT_EQ(cond->type, "Approved");
  EXPECT_EQ(cond->status, "True");
  EXPECT_EQ(cond->reason, "JoinguardApproved");
  EXPECT_EQ(written_[0].metadata.resource_version, "7") << "written against the version read";
  std::string audit = AuditText();
  EXPECT_THAT(audit, HasSubstr("\"tokenId\":\"abcdef\""));
  EXPECT_THAT(audit, HasSubstr("\"decision\":\"approve\""));
  EXPECT_THAT(audit, HasSubstr("\"keyType\":\"ECDSA P-256\""));
  EXPECT_THAT(audit, HasSubstr("\"node\":\"worker-1\""));
  EXPECT_THAT(audit, ::testing::Not(HasSubstr("CERTIFICATE REQUEST")));
  std::string m = metrics_.SerializeForTest();
  EXPECT_THAT(m, HasSubstr("joinguard_csr_decisions_total{decision=\"approve\",mode=\"enforce\",reason=\"JoinguardApproved\",signer=\"kubernetes.io/kube-apiserver-client-kubelet\"} 1"));
  EXPECT_THAT(m, HasSubstr("joinguard_csr_decision_latency_seconds_count{decision=\"approve\",mode=\"enforce\"} 1"));
}

TEST_F(ReconcilerTest, DeniesWithTheCheckReason) {
  TestCsr t;
  t.dns_names = {"kubernetes.default.svc"};
  Put(MakeCsr(t));
  EXPECT_CALL(events_, Record(_, std::string_view("Warning"), std::string_view("SanPresent"), _));
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_EQ(LastCondition(written_[0])->type, "Denied");
  EXPECT_EQ(LastCondition(written_[0])->reason, "SanPresent");
  EXPECT_THAT(LastCondition(written_[0])->message, HasSubstr("kubernetes.default.svc"));
}

TEST_F(ReconcilerTest, DeniesBootstrapForAnExistingNode) {
  Put(MakeCsr(TestCsr{}));
  ON_CALL(nodes_, Exists("worker-1")).WillByDefault(Return(true));
  auto r = Make();
  r->Reconcile("csr-1");
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_EQ(LastCondition(written_[0])->reason, "NodeExists");
}

TEST_F(ReconcilerTest, ConfirmsAbsentNodeLiveBeforeApproving) {
  Put(MakeCsr(TestCsr{}));
  // The Node was created a moment ago and the watch has not delivered it yet.
  EXPECT_CALL(api_, NodeExists("worker-1")).WillOnce(Return(StatusOr<bool>(true)));
  auto r = Make();
  r->Reconcile("csr-1");
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_EQ(LastCondition(written_[0])->reason, "NodeExists");
}

TEST_F(ReconcilerTest, LiveNodeLookupFailureRetriesAndNeverDenies) {
  Put(MakeCsr(TestCsr{}));
  EXPECT_CALL(api_, NodeExists("worker-1")).WillOnce(Return(StatusOr<bool>(UnavailableError("connection refused"))));
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kRequeue);
  EXPECT_THAT(res.status.message(), HasSubstr("connection refused"));
}

TEST_F(ReconcilerTest, DeniesALaterDuplicateForTheSameNode) {
  TestCsr first;
  first.name = "csr-a";
  TestCsr second;
  second.name = "csr-b";
  second.created = first.created + std::chrono::seconds(3);
  Put(MakeCsr(first));
  Put(MakeCsr(second));
  auto r = Make();
  r->Reconcile("csr-b");
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_EQ(LastCondition(written_[0])->reason, "DuplicateInFlight");
}

TEST_F(ReconcilerTest, IgnoresOtherSignersWithoutAnyCall) {
  TestCsr t;
  t.signer = "kubernetes.io/kubelet-serving";
  Put(MakeCsr(t));
  StrictMock<MockCsrApi> strict_api;
  provider_ = std::make_unique<StaticPolicyProvider>(policy::DefaultPolicy());
  ReconcilerDeps d{&csrs_, &nodes_, &strict_api, provider_.get(), &events_, &metrics_, audit_.get(), &clock_, &logger_};
  auto r = CsrReconciler::Create(d, {});
  ASSERT_TRUE(r.ok());
  EXPECT_CALL(events_, Record).Times(0);
  EXPECT_EQ((*r)->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
}

TEST_F(ReconcilerTest, NeverFlipsAnEarlierDecision) {
  for (const char* type : {"Denied", "Approved"}) {
    TestCsr t;
    t.name = std::string("csr-") + type;
    auto c = MakeCsr(t);
    c.status.conditions.push_back({type, "True", "KubectlDeny", "by a human", std::nullopt, std::nullopt});
    Put(c);
  }
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  EXPECT_CALL(events_, Record).Times(0);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-Denied").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(r->Reconcile("csr-Approved").kind, ReconcileResult::Kind::kDone);
}

TEST_F(ReconcilerTest, UnsyncedNodeCacheRetriesAndNeverDenies) {
  Put(MakeCsr(TestCsr{}));
  ON_CALL(nodes_, HasSynced()).WillByDefault(Return(false));
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kRequeue);
  EXPECT_THAT(res.status, joinguard::testing::StatusIs(StatusCode::kUnavailable));
}

TEST_F(ReconcilerTest, UnsyncedCsrCacheRequeues) {
  ON_CALL(csrs_, HasSynced()).WillByDefault(Return(false));
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kRequeue);
}

TEST_F(ReconcilerTest, ConflictIsReReadAndRetried) {
  auto c = MakeCsr(TestCsr{});
  Put(c);
  auto live = c;
  live.metadata.resource_version = "8";
  int calls = 0;
  EXPECT_CALL(api_, UpdateApproval(_)).Times(2).WillRepeatedly([&](const kube::CertificateSigningRequest& w) {
    if (calls++ == 0) return StatusOr<kube::CertificateSigningRequest>(AbortedError("the object has been modified").WithReason("Conflict", 409));
    written_.push_back(w);
    return StatusOr<kube::CertificateSigningRequest>(w);
  });
  EXPECT_CALL(api_, Get("csr-1")).WillOnce(Return(live));
  EXPECT_CALL(events_, Record).Times(1);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_EQ(written_[0].metadata.resource_version, "8");
  EXPECT_EQ(written_[0].status.conditions.size(), 1u);
}

TEST_F(ReconcilerTest, ConflictWithSomeoneElsesDecisionStops) {
  auto c = MakeCsr(TestCsr{});
  Put(c);
  auto live = c;
  live.status.conditions.push_back({"Denied", "True", "KubectlDeny", "no", std::nullopt, std::nullopt});
  EXPECT_CALL(api_, UpdateApproval(_)).WillOnce(Return(AbortedError("modified").WithReason("Conflict", 409)));
  EXPECT_CALL(api_, Get("csr-1")).WillOnce(Return(live));
  EXPECT_CALL(events_, Record).Times(0);
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
}

TEST_F(ReconcilerTest, ApiErrorIsAnErrorResult) {
  Put(MakeCsr(TestCsr{}));
  EXPECT_CALL(api_, UpdateApproval(_)).WillOnce(Return(UnavailableError("etcd down").WithReason("InternalError", 500)));
  EXPECT_CALL(events_, Record).Times(0);
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kError);
}

TEST_F(ReconcilerTest, DryRunWritesNothingAndReportsOnce) {
  TestCsr t;
  t.key = controller::testing::TestKey::kRsa1024;
  Put(MakeCsr(t));
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  EXPECT_CALL(events_, Record(_, std::string_view("Warning"), std::string_view("DryRunWouldDeny"), HasSubstr("KeyTooWeak"))).Times(1);
  ReconcilerOptions o;
  o.dry_run_override = true;
  auto r = Make(policy::DefaultPolicy(), o);
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);  // a resync: no second Event
  EXPECT_THAT(metrics_.SerializeForTest(), HasSubstr("mode=\"dry-run\",reason=\"KeyTooWeak\""));
  EXPECT_THAT(AuditText(), HasSubstr("\"dryRun\":true"));
}

TEST_F(ReconcilerTest, PolicyDryRunModeAlsoWritesNothing) {
  Put(MakeCsr(TestCsr{}));
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  EXPECT_CALL(events_, Record(_, _, std::string_view("DryRunWouldApprove"), _)).Times(1);
  policy::Policy p = policy::DefaultPolicy();
  p.mode = policy::Mode::kDryRun;
  auto r = Make(p);
  r->Reconcile("csr-1");
}

TEST_F(ReconcilerTest, LeavePendingForAHuman) {
  Put(MakeCsr(TestCsr{}));
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  EXPECT_CALL(events_, Record(_, std::string_view("Warning"), std::string_view("ManualApprovalRequired"),
                              HasSubstr("kubectl certificate approve csr-1"))).Times(1);
  policy::Policy p = policy::DefaultPolicy();
  p.on_pass = policy::PassAction::kLeavePending;
  auto r = Make(p);
  r->Reconcile("csr-1");
  r->Reconcile("csr-1");
  EXPECT_THAT(metrics_.SerializeForTest(), HasSubstr("decision=\"pending\""));
}

TEST_F(ReconcilerTest, OnFailLeavePendingNeverDenies) {
  TestCsr t;
  t.subject = {{"O", "system:masters"}, {"CN", "system:node:worker-1"}};
  Put(MakeCsr(t));
  EXPECT_CALL(api_, UpdateApproval).Times(0);
  EXPECT_CALL(events_, Record(_, std::string_view("Warning"), std::string_view("SubjectNotExact"), _)).Times(1);
  policy::Policy p = policy::DefaultPolicy();
  p.on_fail = policy::FailAction::kLeavePending;
  auto r = Make(p);
  r->Reconcile("csr-1");
}

TEST_F(ReconcilerTest, DeletedCsrIsDone) {
  auto r = Make();
  EXPECT_EQ(r->Reconcile("gone").kind, ReconcileResult::Kind::kDone);
}

}  // namespace
}  // namespace joinguard::controller
