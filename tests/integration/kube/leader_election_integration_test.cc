// Two electors contending for one Lease on the sandbox (short durations).
#include <cstdio>
#include <regex>
#include <thread>

#include "common/kube/leader_election.h"
#include "tests/integration/kube/fixture.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;

class LeaderElectionTest : public testing::SandboxTest {};

struct Candidate {
  std::unique_ptr<LeaderElector> elector;
  std::jthread thread;
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
};

LeaderElectionConfig ShortConfig(const std::string& id, bool release) {
  LeaderElectionConfig c;
  c.lease_namespace = "kube-system";
  c.lease_name = "joinguard-test";
  c.identity = id;
  c.lease_duration = 2s;
  c.renew_deadline = 1500ms;
  c.retry_period = 200ms;
  c.release_on_cancel = release;
  return c;
}

void Launch(Candidate& cand, Client& client, LeaderElectionConfig cfg, const runtime::Clock& clock,
            const runtime::Logger& logger) {
  cfg.on_started_leading = [&cand](std::stop_token) { ++cand.started; };
  cfg.on_stopped_leading = [&cand] { ++cand.stopped; };
  auto e = LeaderElector::Create(client, std::move(cfg), clock, logger);
  ASSERT_TRUE(e.ok()) << e.status();
  cand.elector = std::move(*e);
  cand.thread = std::jthread([&cand](std::stop_token st) { cand.elector->Run(st); });
}

void RunContention(LeaderElectionTest* t, Client& ca, Client& cb, bool release,
                   std::chrono::milliseconds max_takeover, sandbox::Sandbox& sb, const runtime::Clock& clock,
                   const runtime::Logger& logger) {
  Candidate a, b;
  Launch(a, ca, ShortConfig("a", release), clock, logger);
  Launch(b, cb, ShortConfig("b", release), clock, logger);
  ASSERT_TRUE(Eventually([&] { return a.elector->IsLeader() || b.elector->IsLeader(); }, 10s));
  // Exactly one leads at every sample over several lease periods.
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_FALSE(a.elector->IsLeader() && b.elector->IsLeader()) << "two leaders";
    std::this_thread::sleep_for(5ms);
  }
  Candidate& leader = a.elector->IsLeader() ? a : b;
  Candidate& follower = &leader == &a ? b : a;
  ASSERT_TRUE(leader.elector->IsLeader());
  EXPECT_EQ(follower.elector->GetLeader(), leader.elector->GetLeader());
  EXPECT_EQ(leader.started.load(), 1);
  EXPECT_EQ(follower.started.load(), 0);

  const std::string path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/joinguard-test";
  auto before = sb.GetObjectForTest(path);
  ASSERT_TRUE(before.ok()) << before.status();
  const int transitions = (*before)["spec"].value("leaseTransitions", 0);
  // MicroTime: exactly six fractional digits (apimachinery pkg/apis/meta/v1/micro_time.go RFC3339Micro).
  EXPECT_TRUE(std::regex_match((*before)["spec"]["renewTime"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << (*before)["spec"]["renewTime"];

  const std::string leader_name = leader.elector->GetLeader();
  const auto stop_at = std::chrono::steady_clock::now();
  leader.thread.request_stop();
  leader.thread.join();
  EXPECT_FALSE(leader.elector->IsLeader());
  EXPECT_EQ(leader.stopped.load(), 1);
  ASSERT_TRUE(Eventually([&] { return follower.elector->IsLeader(); }, 10s));
  const auto takeover = std::chrono::steady_clock::now() - stop_at;
  std::fprintf(
      stderr, "leader %s stopped (release=%d); %s took over after %lld ms\n", leader_name.c_str(),
      release ? 1 : 0, follower.elector->GetLeader().c_str(),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()));
  EXPECT_LE(takeover, max_takeover) << "took "
                                    << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()
                                    << " ms";
  auto after = sb.GetObjectForTest(path);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["spec"]["holderIdentity"], follower.elector->GetLeader());
  EXPECT_EQ((*after)["spec"].value("leaseTransitions", 0), transitions + 1);

  follower.thread.request_stop();
  follower.thread.join();
  if (release) {
    auto released = sb.GetObjectForTest(path);
    ASSERT_TRUE(released.ok());
    EXPECT_EQ((*released)["spec"].value("holderIdentity", "x"), "");
    EXPECT_EQ((*released)["spec"]["leaseDurationSeconds"], 1);
  }
  (void)t;
}

TEST_F(LeaderElectionTest, OtherTakesOverQuicklyAfterCleanRelease) {
  auto ca = Admin();
  auto cb = Admin();
  // Released lease: the follower only needs its next retry (≤ 2.2 × RetryPeriod) plus latency.
  RunContention(this, *ca, *cb, /*release=*/true, 2s, *sandbox_, clock_, logger_);
}

TEST_F(LeaderElectionTest, OtherTakesOverWithinLeaseDurationAfterCrash) {
  auto ca = Admin();
  auto cb = Admin();
  // No release (as after a crash): the follower waits for the lease to expire locally,
  // i.e. within LeaseDuration (2 s) of the last renewal plus one retry period.
  RunContention(this, *ca, *cb, /*release=*/false, 3500ms, *sandbox_, clock_, logger_);
}

TEST(LeaderElectionConfigTest, ValidatesDurations) {
  LeaderElectionConfig c = ShortConfig("x", true);
  EXPECT_OK(ValidateLeaderElectionConfig(c));
  c.renew_deadline = 3s;
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  c = ShortConfig("x", true);
  c.retry_period = 1300ms;  // 1.2 × 1.3 s > 1.5 s
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  c = ShortConfig("", true);
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  LeaderElectionConfig defaults;
  EXPECT_EQ(defaults.lease_duration, 15s);
  EXPECT_EQ(defaults.renew_deadline, 10s);
  EXPECT_EQ(defaults.retry_period, 2s);
}

}  // namespace
}  // namespace joinguard::kube
