// GrantGate (controller/grants): grant lookup, name coverage, use counting with conditioned
// writes, release, brakes, the SubjectAccessReview gate and the without-grant setting — against
// an in-memory store with the API server's optimistic concurrency, several gates (replicas) at
// once where races matter. Outcomes are asserted on the stored grant, not on call sequences.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/kube/meta_time.h"
#include "controller/grants/grant_gate.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/grants/fake_grant_store.h"

namespace joinguard::controller::grants {
namespace {

using joinguard::grants::JoinGrant;
using Kind = JoinAdmission::Kind;
using testing::FakeGrantStore;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

JoinGrant Grant(const std::string& token, std::vector<std::string> names, int max_joins = 1) {
  JoinGrant g;
  g.metadata.name = token;
  g.spec.token_id = token;
  g.spec.node_names = std::move(names);
  g.spec.max_joins = max_joins;
  return g;
}

JoinRequest Request(const std::string& node, const std::string& csr, const std::string& token = "abcdef") {
  JoinRequest r;
  r.csr_name = csr;
  r.csr_uid = "uid-" + csr;
  r.node_name = node;
  r.token_id = token;
  r.requester = "system:bootstrap:" + token;
  r.groups = {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
              "system:authenticated"};
  return r;
}

class GrantGateTest : public ::testing::Test {
 protected:
  void SetUp() override { policy_ = policy::DefaultPolicy(); }

  std::unique_ptr<GrantGate> NewGate(std::function<bool()> may_write = nullptr) {
    providers_.push_back(std::make_unique<StaticPolicyProvider>(policy_));
    GrantGateDeps deps;
    deps.client = &store_;
    deps.policy = providers_.back().get();
    deps.clock = &clock_;
    deps.logger = &logger_;
    deps.metrics = &metrics_;
    deps.may_write = std::move(may_write);
    auto gate = GrantGate::Create(std::move(deps));
    EXPECT_OK(gate.status());
    return std::move(*gate);
  }

  FakeGrantStore store_;
  runtime::FakeClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kError};
  ControllerMetrics metrics_;
  policy::Policy policy_;
  std::vector<std::unique_ptr<StaticPolicyProvider>> providers_;
};

TEST_F(GrantGateTest, GrantedNameJoinsOnceAndTheTokenIsThenUsedUp) {
  store_.Put(Grant("abcdef", {"worker-1", "worker-2"}));
  auto gate = NewGate();
  JoinAdmission a = gate->Admit(Request("worker-1", "csr-1"));
  ASSERT_EQ(a.kind, Kind::kAllow) << a.message;
  EXPECT_EQ(a.grant, "abcdef");
  JoinGrant g = store_.Read("abcdef");
  EXPECT_EQ(g.status.joins, 1);
  EXPECT_EQ(g.status.joined_nodes, std::vector<std::string>{"worker-1"});
  ASSERT_EQ(g.status.claims.size(), 1u);
  EXPECT_EQ(g.status.claims[0].csr_uid, "uid-csr-1");

  // A second CSR for the same name: refused as a re-join.
  JoinAdmission again = gate->Admit(Request("worker-1", "csr-2"));
  EXPECT_EQ(again.kind, Kind::kDeny);
  EXPECT_EQ(again.reason, reason::kNodeAlreadyJoined);
  // Another granted name: the single use is gone.
  JoinAdmission other = gate->Admit(Request("worker-2", "csr-3"));
  EXPECT_EQ(other.kind, Kind::kDeny);
  EXPECT_EQ(other.reason, reason::kJoinGrantUsedUp);
  EXPECT_THAT(other.message, HasSubstr("used all 1 of its joins"));
  EXPECT_THAT(other.message, HasSubstr("joinguard-node token create --node-names worker-2"));
  EXPECT_EQ(store_.Read("abcdef").status.joins, 1);
  EXPECT_THAT(
      metrics_.SerializeForTest(),
      HasSubstr("joinguard_join_grant_admissions_total{reason=\"JoinGrantUsedUp\",result=\"deny\"} 1"));
}

TEST_F(GrantGateTest, NameOutsideTheGrantIsRefused) {
  JoinGrant g = Grant("abcdef", {"worker-1"});
  g.spec.node_name_pattern = "gpu-[0-9]+";
  store_.Put(g);
  auto gate = NewGate();
  JoinAdmission a = gate->Admit(Request("worker-2", "csr-1"));
  EXPECT_EQ(a.kind, Kind::kDeny);
  EXPECT_EQ(a.reason, reason::kNodeNameNotGranted);
  EXPECT_THAT(a.message, HasSubstr("worker-1"));
  EXPECT_EQ(gate->Admit(Request("gpu-7x", "csr-2")).reason, reason::kNodeNameNotGranted);
  EXPECT_EQ(gate->Admit(Request("gpu-7", "csr-3")).kind, Kind::kAllow);
  EXPECT_EQ(store_.Read("abcdef").status.joined_nodes, std::vector<std::string>{"gpu-7"});
}

TEST_F(GrantGateTest, WithoutGrantGlobalRulesAdmitsWithoutCounting) {
  policy_.grants.without_grant = policy::UngrantedTokens::kGlobalRules;
  auto gate = NewGate();
  JoinAdmission a = gate->Admit(Request("worker-1", "csr-1"));
  EXPECT_EQ(a.kind, Kind::kAllow) << a.message;
  EXPECT_EQ(a.grant, "");
  EXPECT_THAT(a.message, HasSubstr("global rules"));
  EXPECT_EQ(store_.updates.load(), 0);
  // Still: a name that already joined through a token is not re-issued without a grant.
  JoinRequest rejoin = Request("worker-1", "csr-2");
  rejoin.name_already_joined = true;
  EXPECT_EQ(gate->Admit(rejoin).reason, reason::kNodeAlreadyJoined);
}

TEST_F(GrantGateTest, WithoutGrantRefuseDenies) {
  policy_.grants.without_grant = policy::UngrantedTokens::kRefuse;
  auto gate = NewGate();
  JoinAdmission a = gate->Admit(Request("worker-1", "csr-1"));
  EXPECT_EQ(a.kind, Kind::kDeny);
  EXPECT_EQ(a.reason, reason::kNoJoinGrant);
  EXPECT_THAT(a.message, HasSubstr("joinGrants.withoutGrant: refuse"));
}

TEST_F(GrantGateTest, ExpiredGrantIsRefused) {
  JoinGrant g = Grant("abcdef", {"worker-1"});
  g.spec.expires = clock_.Now() + 10s;
  store_.Put(g);
  auto gate = NewGate();
  clock_.Advance(10s);
  JoinAdmission a = gate->Admit(Request("worker-1", "csr-1"));
  EXPECT_EQ(a.kind, Kind::kDeny);
  EXPECT_EQ(a.reason, reason::kJoinGrantExpired);
}

TEST_F(GrantGateTest, InvalidGrantIsRefusedWithTheFix) {
  JoinGrant g = Grant("abcdef", {"worker-1"});
  g.spec.node_name_pattern = "worker-(";
  store_.Put(g);
  auto gate = NewGate();
  JoinAdmission a = gate->Admit(Request("worker-1", "csr-1"));
  EXPECT_EQ(a.kind, Kind::kDeny);
  EXPECT_EQ(a.reason, reason::kJoinGrantInvalid);
  EXPECT_THAT(a.message, HasSubstr("kubectl edit joingrant abcdef"));
}

TEST_F(GrantGateTest, RejoinNeedsAllowRejoin) {
  store_.Put(Grant("abcdef", {"worker-1"}));
  JoinGrant rejoin = Grant("zzzzzz", {"worker-1"});
  rejoin.spec.allow_rejoin = true;
  store_.Put(rejoin);
  auto gate = NewGate();
  JoinRequest r = Request("worker-1", "csr-1");
  r.name_already_joined = true;  // a NodeJoin exists (joined through another token, Node deleted since)
  JoinAdmission a = gate->Admit(r);
  EXPECT_EQ(a.kind, Kind::kDeny);
  EXPECT_EQ(a.reason, reason::kNodeAlreadyJoined);
  EXPECT_THAT(a.message, HasSubstr("--allow-rejoin"));
  EXPECT_EQ(store_.Read("abcdef").status.joins, 0);

  JoinRequest r2 = Request("worker-1", "csr-2", "zzzzzz");
  r2.name_already_joined = true;
  JoinAdmission b = gate->Admit(r2);
  EXPECT_EQ(b.kind, Kind::kAllow) << b.message;
  EXPECT_TRUE(b.allow_rejoin);
}

TEST_F(GrantGateTest, ReEvaluatingTheSameCsrDoesNotCountTwice) {
  store_.Put(Grant("abcdef", {"worker-1"}));
  auto gate = NewGate();
  ASSERT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kAllow);
  // The reconciler crashed before the approval write, or requeued: same CSR again.
  auto restarted = NewGate();
  JoinAdmission a = restarted->Admit(Request("worker-1", "csr-1"));
  EXPECT_EQ(a.kind, Kind::kAllow) << a.message;
  EXPECT_EQ(store_.Read("abcdef").status.joins, 1);
}

TEST_F(GrantGateTest, ReleaseGivesTheUseBackOnce) {
  store_.Put(Grant("abcdef", {"worker-1", "worker-2"}));
  auto gate = NewGate();
  JoinRequest r = Request("worker-1", "csr-1");
  JoinAdmission a = gate->Admit(r);
  ASSERT_EQ(a.kind, Kind::kAllow);
  ASSERT_OK(gate->Release(r, a));
  JoinGrant g = store_.Read("abcdef");
  EXPECT_EQ(g.status.joins, 0);
  EXPECT_TRUE(g.status.joined_nodes.empty());
  EXPECT_TRUE(g.status.claims.empty());
  ASSERT_OK(gate->Release(r, a));  // idempotent
  EXPECT_EQ(store_.Read("abcdef").status.joins, 0);
  // The use is available again.
  EXPECT_EQ(gate->Admit(Request("worker-2", "csr-2")).kind, Kind::kAllow);
  // Releasing after the grant was deleted is fine.
  store_.Erase("abcdef");
  EXPECT_OK(gate->Release(Request("worker-2", "csr-2"), a));
}

TEST_F(GrantGateTest, ApiErrorsRetryAndNeverDeny) {
  store_.Put(Grant("abcdef", {"worker-1"}));
  auto gate = NewGate();
  store_.fail_gets = 1;
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kRetry);
  store_.fail_updates = 1;
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kRetry);
  EXPECT_EQ(store_.Read("abcdef").status.joins, 0);
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kAllow);
}

TEST_F(GrantGateTest, ConflictsAreReReadAndBounded) {
  store_.Put(Grant("abcdef", {"worker-1"}));
  auto gate = NewGate();
  store_.conflict_updates = 3;
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kAllow);
  EXPECT_EQ(store_.Read("abcdef").status.joins, 1);
  store_.Put(Grant("bbbbbb", {"worker-9"}));
  store_.conflict_updates = 1000;
  JoinAdmission a = gate->Admit(Request("worker-9", "csr-9", "bbbbbb"));
  EXPECT_EQ(a.kind, Kind::kRetry);
  store_.conflict_updates = 0;
}

TEST_F(GrantGateTest, NoWriteWithoutLeadership) {
  store_.Put(Grant("abcdef", {"worker-1"}));
  bool leader = false;
  auto gate = NewGate([&] { return leader; });
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kRetry);
  EXPECT_EQ(store_.updates.load(), 0);
  leader = true;
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kAllow);
}

// Two replicas (two gates) and many workers race for a grant's last uses: the conditioned
// status write lets exactly max_joins through, each name at most once.
TEST_F(GrantGateTest, ConcurrentReplicasNeverExceedMaxJoins) {
  constexpr int kMaxJoins = 5;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  JoinGrant g = Grant("abcdef", {}, kMaxJoins);
  g.spec.node_name_pattern = "node-[0-9]+";
  store_.Put(g);
  auto a = NewGate();
  auto b = NewGate();
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      GrantGate& gate = t % 2 ? *a : *b;
      for (int i = 0; i < kPerThread; ++i) {
        // Names collide across threads on purpose (the same name from two CSRs).
        std::string node = "node-" + std::to_string(i);
        JoinAdmission r = gate.Admit(Request(node, "csr-" + std::to_string(t) + "-" + std::to_string(i)));
        if (r.kind == Kind::kAllow) ++allowed;
      }
    });
  }
  for (auto& th : threads) th.join();
  JoinGrant after = store_.Read("abcdef");
  EXPECT_EQ(after.status.joins, kMaxJoins);
  EXPECT_EQ(static_cast<int>(after.status.claims.size()), kMaxJoins);
  std::set<std::string> names(after.status.joined_nodes.begin(), after.status.joined_nodes.end());
  EXPECT_EQ(names.size(), after.status.joined_nodes.size()) << "a name was counted twice";
  EXPECT_EQ(allowed.load(), kMaxJoins);
}

TEST_F(GrantGateTest, PendingBrakeLeavesPendingWithoutApiCalls) {
  policy_.brakes.max_pending_per_requester = 3;
  store_.Put(Grant("abcdef", {"worker-1"}));
  auto gate = NewGate();
  JoinRequest r = Request("worker-1", "csr-1");
  r.pending_from_requester = 3;
  JoinAdmission a = gate->Admit(r);
  EXPECT_EQ(a.kind, Kind::kLeavePending);
  EXPECT_EQ(a.reason, kReasonTooManyPending);
  EXPECT_EQ(a.retry_after, kPendingBrakeRetry);
  EXPECT_EQ(store_.gets.load(), 0);
  EXPECT_THAT(metrics_.SerializeForTest(),
              HasSubstr("joinguard_rate_brake_trips_total{brake=\"pending-per-requester\"} 1"));
  r.pending_from_requester = 2;
  EXPECT_EQ(gate->Admit(r).kind, Kind::kAllow);
}

TEST_F(GrantGateTest, TokenWindowBrakesOneTokenAndNotAnother) {
  policy_.brakes.max_approvals_per_token = 2;
  policy_.brakes.window_seconds = 60;
  JoinGrant flood = Grant("aaaaaa", {}, 100);
  flood.spec.node_name_pattern = "f-[0-9]+";
  store_.Put(flood);
  store_.Put(Grant("bbbbbb", {"quiet-1"}));
  auto gate = NewGate();
  EXPECT_EQ(gate->Admit(Request("f-1", "c1", "aaaaaa")).kind, Kind::kAllow);
  clock_.Advance(10s);
  EXPECT_EQ(gate->Admit(Request("f-2", "c2", "aaaaaa")).kind, Kind::kAllow);
  JoinAdmission held = gate->Admit(Request("f-3", "c3", "aaaaaa"));
  ASSERT_EQ(held.kind, Kind::kLeavePending);
  EXPECT_EQ(held.reason, kReasonTokenRateLimited);
  EXPECT_EQ(held.retry_after, 50s);  // the first approval leaves the window 60 s after it
  EXPECT_EQ(store_.Read("aaaaaa").status.joins, 2) << "a braked CSR must not consume a use";
  // Another token is decided at once.
  EXPECT_EQ(gate->Admit(Request("quiet-1", "q1", "bbbbbb")).kind, Kind::kAllow);
  // The window moves on: approvals resume.
  clock_.Advance(50s);
  EXPECT_EQ(gate->Admit(Request("f-3", "c3", "aaaaaa")).kind, Kind::kAllow);
}

TEST_F(GrantGateTest, AccessReviewGate) {
  policy_.grants.access_review =
      policy::AccessReviewRule{"create", "certificates.k8s.io", "certificatesigningrequests", "nodeclient"};
  store_.Put(Grant("abcdef", {"worker-1"}));
  auto gate = NewGate();
  store_.sar_allowed = 0;
  JoinAdmission denied = gate->Admit(Request("worker-1", "csr-1"));
  EXPECT_EQ(denied.kind, Kind::kDeny);
  EXPECT_EQ(denied.reason, reason::kAccessReviewDenied);
  EXPECT_THAT(denied.message, HasSubstr("create certificatesigningrequests/nodeclient"));
  EXPECT_EQ(store_.last_sar["spec"]["user"], "system:bootstrap:abcdef");
  EXPECT_EQ(store_.last_sar["spec"]["groups"][1], "system:bootstrappers:kubeadm:default-node-token");
  EXPECT_EQ(store_.last_sar["spec"]["resourceAttributes"]["subresource"], "nodeclient");
  store_.sar_allowed = -1;
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kRetry);
  store_.sar_allowed = 1;
  EXPECT_EQ(gate->Admit(Request("worker-1", "csr-1")).kind, Kind::kAllow);
}

TEST(RateBrakesTest, TakeIsIdempotentPerCsrAndGiveBackFreesTheSlot) {
  runtime::FakeClock clock;
  RateBrakes brakes(clock);
  policy::BrakePolicy p;
  p.max_approvals_per_token = 1;
  EXPECT_FALSE(brakes.TryTake("aaaaaa", "u1", p).has_value());
  EXPECT_FALSE(brakes.TryTake("aaaaaa", "u1", p).has_value());
  EXPECT_TRUE(brakes.TryTake("aaaaaa", "u2", p).has_value());
  brakes.GiveBack("aaaaaa", "u1");
  EXPECT_EQ(brakes.TrackedTokensForTest(), 0u);
  EXPECT_FALSE(brakes.TryTake("aaaaaa", "u2", p).has_value());
  p.max_approvals_per_token = 0;  // off
  EXPECT_FALSE(brakes.TryTake("aaaaaa", "u3", p).has_value());
}

}  // namespace
}  // namespace joinguard::controller::grants
