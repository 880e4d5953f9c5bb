// The durable approval record: NodeJoin codec and JoinRecords' claim / complete / release rules.
#include "controller/join_records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/unit/controller/reconciler_fixture.h"

namespace joinguard::controller {
namespace {

using controller::testing::FakeCluster;
using controller::testing::TestCsr;

TEST(NodeJoinCodec, RoundTripsAndKeepsUnknownFields) {
  kube::Json j = {{"apiVersion", "joinguard.io/v1alpha1"},
                  {"kind", "NodeJoin"},
                  {"metadata",
                   {{"name", "worker-1"},
                    {"uid", "u1"},
                    {"resourceVersion", "5"},
                    {"labels", {{"joinguard.io/token-id", "abcdef"}}}}},
                  {"spec",
                   {{"nodeName", "worker-1"},
                    {"tokenID", "abcdef"},
                    {"requester", "system:bootstrap:abcdef"},
                    {"csrName", "node-csr-x"},
                    {"csrUID", "c1"},
                    {"grant", "abcdef"},
                    {"future", 1}}},
                  {"status", {{"phase", "Approved"}, {"approvedAt", "2026-11-30T04:00:00Z"}}},
                  {"extra", "kept"}};
  ASSERT_OK_AND_ASSIGN(kube::NodeJoin n, kube::Decode<kube::NodeJoin>(j));
  EXPECT_EQ(n.metadata.name, "worker-1");
  EXPECT_EQ(n.spec.token_id, "abcdef");
  EXPECT_EQ(n.spec.csr_uid, "c1");
  EXPECT_EQ(n.spec.grant, "abcdef");
  EXPECT_EQ(n.status.phase, "Approved");
  ASSERT_TRUE(n.status.approved_at.has_value());
  kube::Json out = kube::ToJson(n);
  EXPECT_EQ(out["status"]["approvedAt"], "2026-11-30T04:00:00Z");
  EXPECT_EQ(out["spec"]["csrName"], "node-csr-x");
  EXPECT_EQ(out["extra"], "kept");
  EXPECT_EQ(out["metadata"]["resourceVersion"], "5");
  n.status = {};
  EXPECT_FALSE(kube::ToJson(n).contains("status"));
}

TEST(NodeJoinCodec, RejectsWrongTypesNamingTheField) {
  kube::Json j = {{"metadata", {{"name", "w"}}}, {"spec", {{"csrUID", 7}}}};
  auto n = kube::Decode<kube::NodeJoin>(j);
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), ::testing::HasSubstr("spec.csrUID"));
  kube::Json bad_time = {{"metadata", {{"name", "w"}}}, {"status", {{"approvedAt", "yesterday"}}}};
  EXPECT_FALSE(kube::Decode<kube::NodeJoin>(bad_time).ok());
}

class JoinRecordsTest : public ::testing::Test {
 protected:
  ClaimRequest Request(const std::string& csr_name, const std::string& uid) {
    return ClaimRequest{"worker-1", "abcdef", "system:bootstrap:abcdef", csr_name, uid, "", false};
  }
  std::string PutCsr(const std::string& name) {
    TestCsr t;
    t.name = name;
    return cluster_.PutCsr(controller::testing::MakeCsr(t));
  }
  FakeCluster cluster_;
  FakeCluster::JoinApi api_{cluster_};
  runtime::FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))};
  JoinRecords records_{api_, cluster_, clock_};
};

TEST_F(JoinRecordsTest, ClaimIsAtomicAndIdempotentPerCsrUid) {
  std::string a = PutCsr("a");
  std::string b = PutCsr("b");
  ClaimOutcome first = records_.Claim(Request("a", a));
  ASSERT_EQ(first.kind, ClaimOutcome::Kind::kClaimed);
  EXPECT_EQ(first.record.status.phase, "Claimed");
  EXPECT_EQ(first.record.metadata.labels.at("joinguard.io/token-id"), "abcdef");
  ClaimOutcome again = records_.Claim(Request("a", a));
  ASSERT_EQ(again.kind, ClaimOutcome::Kind::kClaimed);
  EXPECT_EQ(again.record.metadata.uid, first.record.metadata.uid);
  ClaimOutcome other = records_.Claim(Request("b", b));
  ASSERT_EQ(other.kind, ClaimOutcome::Kind::kTaken) << "a pending holder keeps the name";
  EXPECT_EQ(other.record.spec.csr_uid, a);
}

TEST_F(JoinRecordsTest, ApprovedRecordIsTakenUnlessARejoinIsAllowed) {
  std::string a = PutCsr("a");
  ClaimOutcome c = records_.Claim(Request("a", a));
  ASSERT_OK(records_.MarkApproved(c.record));
  ASSERT_OK(records_.MarkApproved(*cluster_.LiveNodeJoin("worker-1")));  // idempotent
  cluster_.DeleteCsr("a");
  std::string b = PutCsr("b");
  EXPECT_EQ(records_.Claim(Request("b", b)).kind, ClaimOutcome::Kind::kTaken);
  ClaimRequest rejoin = Request("b", b);
  rejoin.allow_rejoin = true;
  ClaimOutcome r = records_.Claim(rejoin);
  ASSERT_EQ(r.kind, ClaimOutcome::Kind::kClaimed);
  EXPECT_EQ(r.record.spec.csr_uid, b);
  EXPECT_EQ(r.record.status.phase, "Claimed");
  EXPECT_FALSE(r.record.status.approved_at.has_value());
}

TEST_F(JoinRecordsTest, RejoinNeverReplacesAClaimStillInFlight) {
  std::string a = PutCsr("a");
  ASSERT_EQ(records_.Claim(Request("a", a)).kind, ClaimOutcome::Kind::kClaimed);
  std::string b = PutCsr("b");
  ClaimRequest rejoin = Request("b", b);
  rejoin.allow_rejoin = true;
  EXPECT_EQ(records_.Claim(rejoin).kind, ClaimOutcome::Kind::kTaken);
}

TEST_F(JoinRecordsTest, ReleaseNeverDeletesSomeoneElsesRecord) {
  std::string a = PutCsr("a");
  ClaimOutcome mine = records_.Claim(Request("a", a));
  ASSERT_OK(cluster_.DeleteJoin("worker-1", ""));
  std::string b = PutCsr("b");
  ClaimOutcome theirs = records_.Claim(Request("b", b));
  ASSERT_EQ(theirs.kind, ClaimOutcome::Kind::kClaimed);
  EXPECT_OK(records_.Release(mine.record));  // uid precondition: a no-op now
  ASSERT_TRUE(cluster_.LiveNodeJoin("worker-1").has_value());
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.csr_uid, b);
}

TEST_F(JoinRecordsTest, ClaimOfADeniedOrReplacedCsrIsStale) {
  std::string a = PutCsr("a");
  ASSERT_EQ(records_.Claim(Request("a", a)).kind, ClaimOutcome::Kind::kClaimed);
  auto live = *cluster_.LiveCsr("a");
  live.status.conditions.push_back({"Denied", "True", "ByAHuman", "", std::nullopt, std::nullopt});
  ASSERT_TRUE(cluster_.UpdateApproval(live).ok());
  std::string b = PutCsr("b");
  ASSERT_EQ(records_.Claim(Request("b", b)).kind, ClaimOutcome::Kind::kClaimed);
  PutCsr("b");  // b deleted and re-created: its claim is stale too
  std::string c = PutCsr("c");
  ClaimOutcome r = records_.Claim(Request("c", c));
  ASSERT_EQ(r.kind, ClaimOutcome::Kind::kClaimed);
  EXPECT_EQ(r.record.spec.csr_uid, c);
}

TEST_F(JoinRecordsTest, ApiErrorsAreErrorsNeverTaken) {
  cluster_.before_node_join_create = [](const kube::NodeJoin&) { return UnavailableError("etcd down"); };
  std::string a = PutCsr("a");
  ClaimOutcome r = records_.Claim(Request("a", a));
  EXPECT_EQ(r.kind, ClaimOutcome::Kind::kError);
  EXPECT_THAT(r.status.message(), ::testing::HasSubstr("etcd down"));
}

}  // namespace
}  // namespace joinguard::controller
