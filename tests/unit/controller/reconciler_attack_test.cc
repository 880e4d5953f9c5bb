// Issue 9's defects a-g and the attacks on the approval record, each against the in-memory
// cluster: two workers, two replicas, the same name twice in one second, a CSR deleted and
// re-created under its name, a crash between the claim and the approval, lost leadership.
#include <atomic>
#include <condition_variable>
#include <thread>

#include "controller/reconciler.h"
#include "tests/unit/controller/reconciler_fixture.h"

namespace joinguard::controller {
namespace {

using controller::testing::TestCsr;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class ReconcilerAttackTest : public controller::testing::ReconcilerFixture {
 protected:
  // Two CSRs for worker-1 created in the same second; `second` has the lexically smaller name.
  void PutSameSecondPair() {
    TestCsr a;
    a.name = "node-csr-b";
    Put(a);
    TestCsr b;
    b.name = "node-csr-a";
    b.created = a.created;
    Put(b);
  }
};

// (a) in one process: the first approval is not in the cache yet when the second CSR, which
// sorts first and has the same creationTimestamp, is decided.
TEST_F(ReconcilerAttackTest, SameNameSameSecondIsNeverApprovedTwiceInOneProcess) {
  TestCsr first;
  first.name = "node-csr-b";
  Put(first);
  auto r = Make();
  ASSERT_EQ(r->Reconcile("node-csr-b").kind, ReconcileResult::Kind::kDone);
  ASSERT_EQ(Type("node-csr-b"), "Approved");
  // The second arrives; the cache still shows the first as pending (watch lag).
  TestCsr second;
  second.name = "node-csr-a";
  second.created = first.created;
  cluster_.PutCsr(controller::testing::MakeCsr(second));
  cluster_.SyncCache();
  cluster_.RewindCachedCsr("node-csr-b");  // lagging: the approval is not cached yet
  r->Reconcile("node-csr-a");
  EXPECT_EQ(Approvals(), 1);
  EXPECT_EQ(Type("node-csr-a"), "Denied");
  EXPECT_EQ(Reason("node-csr-a"), "DuplicateInFlight");
}

// (a) two workers of one process decide the two CSRs at the same time.
TEST_F(ReconcilerAttackTest, TwoWorkersNeverApproveOneNameTwice) {
  PutSameSecondPair();
  auto r = Make();
  // Hold the first approval write until the other worker is inside Reconcile, so both
  // overlap; the cache never sees either approval.
  std::atomic<int> entered{0};
  std::mutex mu;
  std::condition_variable cv;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest&) {
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, 2s, [&] { return entered.load() == 2; });
    return OkStatus();
  };
  auto work = [&](const std::string& name) {
    {
      std::lock_guard<std::mutex> l(mu);
      ++entered;
    }
    cv.notify_all();
    r->Reconcile(name);
  };
  std::thread t1(work, "node-csr-a");
  std::thread t2(work, "node-csr-b");
  t1.join();
  t2.join();
  EXPECT_EQ(Approvals(), 1);
  EXPECT_EQ(cluster_.writes().size(), 2u);
  std::string denied = Type("node-csr-a") == "Denied" ? "node-csr-a" : "node-csr-b";
  EXPECT_EQ(Type(denied), "Denied");
}

// (a) across two replicas (separate processes: separate locks and memories), through the
// durable record.
TEST_F(ReconcilerAttackTest, TwoReplicasNeverApproveOneNameTwice) {
  TestCsr first;
  first.name = "node-csr-b";
  Put(first);
  TestCsr second;
  second.name = "node-csr-a";  // sorts first, same second
  second.created = first.created;
  cluster_.PutCsr(controller::testing::MakeCsr(second));  // replica1 has not seen it
  auto replica1 = Make();
  auto replica2 = Make();
  ASSERT_EQ(replica1->Reconcile("node-csr-b").kind, ReconcileResult::Kind::kDone);
  ASSERT_EQ(Type("node-csr-b"), "Approved");
  // replica2 sees both CSRs but not replica1's approval.
  cluster_.SyncCache();
  cluster_.RewindCachedCsr("node-csr-b");
  replica2->Reconcile("node-csr-a");
  EXPECT_EQ(Approvals(), 1);
  EXPECT_EQ(Type("node-csr-a"), "Denied");
  EXPECT_EQ(Reason("node-csr-a"), "NodeAlreadyJoined");
  EXPECT_THAT(cluster_.LiveCsr("node-csr-a")->status.conditions.back().message,
              HasSubstr("kubectl delete nodejoin worker-1"));
}

TEST_F(ReconcilerAttackTest, TwoReplicasRacingConcurrentlyApproveOnce) {
  for (int round = 0; round < 20; ++round) {
    std::string node = "race-" + std::to_string(round);
    TestCsr a;
    a.name = node + "-x";
    a.WithNodeName(node);
    Put(a);
    TestCsr b;
    b.name = node + "-y";
    b.WithNodeName(node);
    b.created = a.created;
    cluster_.PutCsr(controller::testing::MakeCsr(b));
    // Each replica's cache shows only its own CSR.
    auto r1 = Make();
    auto r2 = Make();
    std::thread t1([&] { r1->Reconcile(node + "-x"); });
    cluster_.SyncCache();
    std::thread t2([&] { r2->Reconcile(node + "-y"); });
    t1.join();
    t2.join();
    int approved = (Type(node + "-x") == "Approved") + (Type(node + "-y") == "Approved");
    EXPECT_LE(approved, 1) << node;
  }
}

// (b) the approval write carries the uid; a CSR deleted and re-created under the same name is
// evaluated itself, never approved because its predecessor was good.
TEST_F(ReconcilerAttackTest, ReplacedCsrIsReEvaluatedNeverApprovedUnchecked) {
  std::string old_uid = Put(TestCsr{});  // the cache holds this good CSR
  cluster_.DeleteCsr("csr-1");
  TestCsr evil;
  evil.subject = {{"O", "system:masters"}, {"CN", "system:node:worker-1"}};
  std::string new_uid = cluster_.PutCsr(controller::testing::MakeCsr(evil));  // not cached yet
  auto r = Make();
  ReconcileResult res = r->Reconcile("csr-1");
  EXPECT_EQ(res.kind, ReconcileResult::Kind::kRequeue);
  EXPECT_EQ(Approvals(), 0);
  EXPECT_EQ(Type("csr-1"), "");
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value()) << "the claim for the old CSR is released";
  cluster_.SyncCache();
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Denied");
  EXPECT_EQ(Reason("csr-1"), "SubjectNotExact");
  ASSERT_EQ(cluster_.writes().size(), 1u);
  EXPECT_EQ(cluster_.writes()[0].uid, new_uid);
  EXPECT_NE(old_uid, new_uid);
}

// (b) after a plain 409 (stale resourceVersion) the re-read is checked for its uid too.
TEST_F(ReconcilerAttackTest, ReplacementDiscoveredAfterAConflictIsNotApproved) {
  Put(TestCsr{});
  bool replaced = false;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest&) {
    if (replaced) return OkStatus();
    replaced = true;
    cluster_.DeleteCsr("csr-1");
    TestCsr evil;
    evil.WithNodeName("kube-apiserver-host");
    cluster_.PutCsr(controller::testing::MakeCsr(evil));
    return OkStatus();
  };
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Approvals(), 0);
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
}

// (c) only requesters the policy trusts count as duplicates.
TEST_F(ReconcilerAttackTest, UntrustedFloodDoesNotBlockATrustedJoin) {
  for (int i = 0; i < 5; ++i) {
    TestCsr junk;  // kubeadm's default token: not trusted by this policy
    junk.name = "flood-" + std::to_string(i);
    junk.created -= std::chrono::seconds(10 + i);
    Put(junk);
  }
  TestCsr trusted;
  trusted.name = "trusted";
  trusted.username = "system:bootstrap:ghijkl";
  trusted.groups = {"system:bootstrappers", "system:bootstrappers:ci-runners", "system:authenticated"};
  Put(trusted);
  policy::Policy p = policy::DefaultPolicy();
  p.allowed_bootstrap_groups = {"system:bootstrappers:ci-runners"};
  auto r = Make(p);
  r->Reconcile("trusted");
  EXPECT_EQ(Type("trusted"), "Approved");
  r->Reconcile("flood-0");
  EXPECT_EQ(Reason("flood-0"), "RequesterNotAllowed");
}

// (d) a cached Node is confirmed live before a NodeExists denial.
TEST_F(ReconcilerAttackTest, CachedNodeIsConfirmedLiveBeforeNodeExists) {
  cluster_.AddNode("worker-1");
  Put(TestCsr{});
  cluster_.DeleteNode("worker-1");  // kubectl delete node; the watch lags
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Approved");
}

// (e) cheap checks run before any API call: junk costs nothing but its own denial.
TEST_F(ReconcilerAttackTest, JunkCostsNoApiCallBeforeItsDenial) {
  TestCsr bad_subject;
  bad_subject.name = "bad-subject";
  bad_subject.subject = {{"O", "system:nodes"}, {"CN", "system:node:worker-1"}, {"OU", "x"}};
  Put(bad_subject);
  TestCsr bad_signature;
  bad_signature.name = "bad-signature";
  bad_signature.corrupt_signature = true;
  Put(bad_signature);
  TestCsr untrusted;
  untrusted.name = "untrusted";
  untrusted.groups = {"system:bootstrappers", "system:authenticated"};
  Put(untrusted);
  int node_gets = 0;
  cluster_.before_node_get = [&](const std::string&) {
    ++node_gets;
    return OkStatus();
  };
  auto r = Make();
  for (const char* n : {"bad-subject", "bad-signature", "untrusted"}) r->Reconcile(n);
  EXPECT_EQ(node_gets, 0);
  EXPECT_EQ(cluster_.api_calls(), 3) << "one write each, nothing else";
  EXPECT_EQ(Reason("bad-subject"), "SubjectNotExact");
  EXPECT_EQ(Reason("bad-signature"), "SignatureInvalid");
  EXPECT_EQ(Reason("untrusted"), "RequesterNotAllowed");
}

// (f) no write without proven leadership; the CSR stays queued and is decided once it is.
TEST_F(ReconcilerAttackTest, NoWriteWithoutLeadership) {
  Put(TestCsr{});
  TestCsr bad;
  bad.name = "bad";
  bad.WithNodeName("worker-2");
  bad.dns_names = {"x"};
  Put(bad);
  fence_.may_write = false;
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kRequeue);
  EXPECT_EQ(r->Reconcile("bad").kind, ReconcileResult::Kind::kRequeue);
  EXPECT_TRUE(cluster_.writes().empty());
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
  fence_.may_write = true;
  r->Reconcile("csr-1");
  r->Reconcile("bad");
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(Reason("bad"), "SanPresent");
}

// (f) leadership lost between the claim and the approval: nothing approved; the claim (same CSR
// uid) lets the next leader continue.
TEST_F(ReconcilerAttackTest, LeadershipLostBetweenClaimAndApproval) {
  std::string uid = Put(TestCsr{});
  cluster_.before_node_join_create = [&](const kube::NodeJoin&) {
    fence_.may_write = false;  // the lease renewal fails right after the claim is sent
    return OkStatus();
  };
  auto old_leader = Make();
  EXPECT_EQ(old_leader->Reconcile("csr-1").kind, ReconcileResult::Kind::kRequeue);
  EXPECT_EQ(Approvals(), 0);
  ASSERT_TRUE(cluster_.LiveNodeJoin("worker-1").has_value());
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.csr_uid, uid);
  cluster_.before_node_join_create = nullptr;
  fence_.may_write = true;
  auto new_leader = Make();
  cluster_.SyncCache();
  EXPECT_EQ(new_leader->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

// (g) an approval outlives the CSR's garbage collection: the name is not given out again.
TEST_F(ReconcilerAttackTest, NameApprovedBeforeCsrGarbageCollectionIsNotGivenOutAgain) {
  TestCsr original;
  original.name = "original";
  Put(original);
  auto r = Make();
  r->Reconcile("original");
  ASSERT_EQ(Type("original"), "Approved");
  // An hour later the cleaner deletes it; the node never registered.
  cluster_.DeleteCsr("original");
  auto restarted = Make();  // a new process: no in-process memory either
  TestCsr again;
  again.name = "again";
  Put(again);
  restarted->Reconcile("again");
  EXPECT_EQ(Type("again"), "Denied");
  EXPECT_EQ(Reason("again"), "NodeAlreadyJoined");
  EXPECT_EQ(Approvals(), 1);
}

// A crash between the claim and the approval resolves itself on the next reconcile.
TEST_F(ReconcilerAttackTest, ClaimLeftByACrashIsContinued) {
  std::string uid = Put(TestCsr{});
  kube::NodeJoin left;
  left.metadata.name = "worker-1";
  left.spec.node_name = "worker-1";
  left.spec.csr_name = "csr-1";
  left.spec.csr_uid = uid;
  left.status.phase = "Claimed";
  cluster_.PutNodeJoin(left);
  cluster_.SyncCache();
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

// A crash between the approval and marking the record: a reconcile of the approved CSR
// completes it.
TEST_F(ReconcilerAttackTest, RecordOfAnApprovedCsrIsCompleted) {
  Put(TestCsr{});
  cluster_.before_node_join_update = [](const kube::NodeJoin&) {
    return UnavailableError("connection reset");
  };
  auto r = Make();
  r->Reconcile("csr-1");
  ASSERT_EQ(Type("csr-1"), "Approved");
  ASSERT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Claimed");
  cluster_.before_node_join_update = nullptr;
  cluster_.SyncCache();
  r->Reconcile("csr-1");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

// A claim whose CSR was deleted before its approval could be written is released, so the name
// is not lost; a claim of a CSR that is still pending is respected.
TEST_F(ReconcilerAttackTest, StaleClaimIsReleasedButALiveOneIsRespected) {
  kube::NodeJoin stale;
  stale.metadata.name = "worker-1";
  stale.spec.csr_name = "deleted-csr";
  stale.spec.csr_uid = "deleted-uid";
  stale.status.phase = "Claimed";
  cluster_.PutNodeJoin(stale);
  std::string uid = Put(TestCsr{});
  auto r = Make();
  r->Reconcile("csr-1");
  EXPECT_EQ(Type("csr-1"), "Approved");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.csr_uid, uid);

  TestCsr holder;
  holder.name = "holder";
  holder.WithNodeName("worker-2");
  std::string holder_uid = Put(holder);
  kube::NodeJoin live;
  live.metadata.name = "worker-2";
  live.spec.csr_name = "holder";
  live.spec.csr_uid = holder_uid;
  live.status.phase = "Claimed";
  cluster_.PutNodeJoin(live);
  TestCsr other;
  other.name = "other";
  other.WithNodeName("worker-2");
  other.created -= std::chrono::seconds(5);  // older, so the duplicate check alone would pass it
  Put(other);
  r->Reconcile("other");
  EXPECT_EQ(Reason("other"), "NodeAlreadyJoined");
}

TEST_F(ReconcilerAttackTest, CsrDeletedBeforeItsApprovalReleasesTheClaim) {
  Put(TestCsr{});
  cluster_.before_approval = [&](const kube::CertificateSigningRequest&) {
    cluster_.DeleteCsr("csr-1");
    return OkStatus();
  };
  auto r = Make();
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Approvals(), 0);
  EXPECT_FALSE(cluster_.LiveNodeJoin("worker-1").has_value());
}

// The lost decision under approval-write faults: the first CSR of a same-second pair claims the
// name and its approval write fails (a 5xx); the second, which sorts first, passes the duplicate
// check and is denied at the claim; the first's retry must then be approved, not denied as a
// duplicate of a CSR the cache still shows pending (before the fix both ended denied).
class ClaimHolderWinsTest : public ReconcilerAttackTest, public ::testing::WithParamInterface<bool> {};

TEST_P(ClaimHolderWinsTest, FailedApprovalWriteDoesNotLoseBothOfAPair) {
  const bool record_cached = GetParam();  // does the NodeJoin cache show the claim at the retry?
  TestCsr first;
  first.name = "node-csr-b";
  Put(first);
  int failures = 1;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest& c) {
    if (c.metadata.name == "node-csr-b" && failures-- > 0)
      return InternalError("injected").WithReason("InternalError", 500);
    return OkStatus();
  };
  auto r = Make();
  EXPECT_EQ(r->Reconcile("node-csr-b").kind, ReconcileResult::Kind::kError);
  ASSERT_EQ(cluster_.LiveNodeJoin("worker-1")->spec.csr_name, "node-csr-b");  // the claim stays

  TestCsr second;
  second.name = "node-csr-a";  // sorts first, same second
  second.created = first.created;
  cluster_.PutCsr(controller::testing::MakeCsr(second));
  if (record_cached) {
    cluster_.SyncCache();
  } else {
    cluster_.SyncCsrCache();  // the NodeJoin watch lags behind the claim
  }
  r->Reconcile("node-csr-a");
  EXPECT_EQ(Type("node-csr-a"), "Denied");
  EXPECT_EQ(Reason("node-csr-a"), "NodeAlreadyJoined");

  cluster_.RewindCachedCsr("node-csr-a");  // the denial is not cached yet
  EXPECT_EQ(r->Reconcile("node-csr-b").kind, ReconcileResult::Kind::kDone);
  EXPECT_EQ(Type("node-csr-b"), "Approved");
  EXPECT_EQ(Approvals(), 1);
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

INSTANTIATE_TEST_SUITE_P(RecordCache, ClaimHolderWinsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? std::string("Cached") : std::string("Lagging");
                         });

// A pending duplicate of the claim holder that is still undecided when the holder retries is
// denied afterwards, never approved (the claim is the holder's).
TEST_F(ReconcilerAttackTest, DuplicateOfAClaimHolderIsDeniedAfterTheHolderIsApproved) {
  TestCsr first;
  first.name = "node-csr-b";
  Put(first);
  int failures = 1;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest& c) {
    if (c.metadata.name == "node-csr-b" && failures-- > 0)
      return UnavailableError("injected").WithReason("TooManyRequests", 429);
    return OkStatus();
  };
  auto r = Make();
  r->Reconcile("node-csr-b");
  TestCsr second;
  second.name = "node-csr-a";
  second.created = first.created;
  Put(second);
  r->Reconcile("node-csr-b");  // the holder first, this time
  EXPECT_EQ(Type("node-csr-b"), "Approved");
  cluster_.RewindCachedCsr("node-csr-b");
  r->Reconcile("node-csr-a");
  EXPECT_EQ(Type("node-csr-a"), "Denied");
  EXPECT_EQ(Approvals(), 1);
}

// The approval write's answer is lost after the API server applied it (a 5xx after the write):
// the retry finds the CSR approved and keeps the claim (it completes the record).
TEST_F(ReconcilerAttackTest, ApprovalAppliedDespiteAnErrorKeepsTheClaim) {
  Put(TestCsr{});
  auto r = Make();
  // The first write reaches the API server (applied below, outside the fake's hook), but the
  // reconciler is told it failed.
  std::optional<kube::CertificateSigningRequest> applied;
  cluster_.before_approval = [&](const kube::CertificateSigningRequest& c) -> Status {
    if (applied) return OkStatus();
    applied = c;
    return InternalError("answer lost").WithReason("InternalError", 500);
  };
  EXPECT_EQ(r->Reconcile("csr-1").kind, ReconcileResult::Kind::kError);
  ASSERT_TRUE(applied.has_value());
  ASSERT_TRUE(cluster_.UpdateApproval(*applied).ok());
  // The retry: the cache still shows it pending; the write conflicts and finds it approved.
  r->Reconcile("csr-1");
  EXPECT_EQ(Approvals(), 1);
  ASSERT_TRUE(cluster_.LiveNodeJoin("worker-1").has_value());
  cluster_.SyncCache();
  r->Reconcile("csr-1");
  EXPECT_EQ(cluster_.LiveNodeJoin("worker-1")->status.phase, "Approved");
}

}  // namespace
}  // namespace joinguard::controller
