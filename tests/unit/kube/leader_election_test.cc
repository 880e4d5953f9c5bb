// Leader election fencing with an injected clock: MayWrite() holds only while the last
// successful lease write started less than RenewDeadline ago, and renew attempts never run
// past the renew deadline (issue: a 30 s request timeout plus retries let two leaders write).
#include "common/kube/leader_election.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/api_error.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;

// An in-memory Lease endpoint with resourceVersion checks. Every request first runs
// `on_request` (tests advance the FakeClock there to model latency, or fail the request).
class FakeLeaseClient : public Client {
 public:
  explicit FakeLeaseClient(runtime::FakeClock& clock) : clock_(clock) {}

  std::unique_ptr<Client> WithRequestPolicy(const RequestPolicy& policy) override {
    std::lock_guard<std::mutex> l(mu_);
    derived_policy = policy;
    ++derived;
    return std::make_unique<Forwarder>(*this);
  }

  StatusOr<Json> GetRaw(const Resource&, std::string_view, std::string_view, std::string_view) override {
    JG_RETURN_IF_ERROR(Hook("GET"));
    std::lock_guard<std::mutex> l(mu_);
    if (!stored_) return NotFoundError("leases \"x\" not found").WithReason("NotFound", 404);
    return *stored_;
  }
  StatusOr<Json> CreateRaw(const Resource&, std::string_view, const Json& object, std::string_view) override {
    JG_RETURN_IF_ERROR(Hook("POST"));
    std::lock_guard<std::mutex> l(mu_);
    if (stored_) return AlreadyExistsError("exists").WithReason("AlreadyExists", 409);
    stored_ = object;
    (*stored_)["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++writes;
    return *stored_;
  }
  StatusOr<Json> UpdateRaw(const Resource&, std::string_view, std::string_view, const Json& object,
                           std::string_view) override {
    JG_RETURN_IF_ERROR(Hook("PUT"));
    std::lock_guard<std::mutex> l(mu_);
    if (!stored_) return NotFoundError("gone").WithReason("NotFound", 404);
    if (object["metadata"].value("resourceVersion", "") !=
        (*stored_)["metadata"].value("resourceVersion", "")) {
      return AbortedError("the object has been modified").WithReason("Conflict", 409);
    }
    stored_ = object;
    (*stored_)["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++writes;
    return *stored_;
  }
  StatusOr<Json> ListRaw(const Resource&, std::string_view, const ListOptions&) override {
    return UnimplementedError("list");
  }
  StatusOr<Json> PatchRaw(const Resource&, std::string_view, std::string_view, PatchType, const Json&,
                          std::string_view) override {
    return UnimplementedError("patch");
  }
  StatusOr<Json> DeleteRaw(const Resource&, std::string_view, std::string_view,
                           const DeleteOptions&) override {
    return UnimplementedError("delete");
  }
  Status WatchRaw(const Resource&, std::string_view, const ListOptions&, const WatchHandler&,
                  std::stop_token) override {
    return UnimplementedError("watch");
  }

  // Another replica takes the lease (as its PUT would).
  void SetHolder(const std::string& holder) {
    std::lock_guard<std::mutex> l(mu_);
    (*stored_)["spec"]["holderIdentity"] = holder;
    (*stored_)["metadata"]["resourceVersion"] = std::to_string(++rv_);
  }
  std::string Holder() {
    std::lock_guard<std::mutex> l(mu_);
    return stored_ ? (*stored_)["spec"].value("holderIdentity", "") : "";
  }

  std::function<Status(const std::string& method)> on_request;
  std::atomic<int> requests{0};
  std::atomic<int> writes{0};
  RequestPolicy derived_policy;
  int derived = 0;

 private:
  class Forwarder : public Client {
   public:
    explicit Forwarder(FakeLeaseClient& f) : f_(f) {}
    StatusOr<Json> GetRaw(const Resource& r, std::string_view ns, std::string_view n,
                          std::string_view s) override {
      return f_.GetRaw(r, ns, n, s);
    }
    StatusOr<Json> ListRaw(const Resource& r, std::string_view ns, const ListOptions& o) override {
      return f_.ListRaw(r, ns, o);
    }
    StatusOr<Json> CreateRaw(const Resource& r, std::string_view ns, const Json& o,
                             std::string_view s) override {
      return f_.CreateRaw(r, ns, o, s);
    }
    StatusOr<Json> UpdateRaw(const Resource& r, std::string_view ns, std::string_view n, const Json& o,
                             std::string_view s) override {
      return f_.UpdateRaw(r, ns, n, o, s);
    }
    StatusOr<Json> PatchRaw(const Resource& r, std::string_view ns, std::string_view n, PatchType t,
                            const Json& p, std::string_view s) override {
      return f_.PatchRaw(r, ns, n, t, p, s);
    }
    StatusOr<Json> DeleteRaw(const Resource& r, std::string_view ns, std::string_view n,
                             const DeleteOptions& o) override {
      return f_.DeleteRaw(r, ns, n, o);
    }
    Status WatchRaw(const Resource& r, std::string_view ns, const ListOptions& o, const WatchHandler& h,
                    std::stop_token st) override {
      return f_.WatchRaw(r, ns, o, h, st);
    }

   private:
    FakeLeaseClient& f_;
  };

  Status Hook(const std::string& method) {
    ++requests;
    if (on_request) return on_request(method);
    return OkStatus();
  }

  runtime::FakeClock& clock_;
  std::mutex mu_;  // guards stored_, rv_, derived_policy, derived
  std::optional<Json> stored_;
  int rv_ = 0;
};

// Drives Run() on its own thread. Every wait advances the FakeClock by the requested time and
// then hands control to the test, which inspects the elector and lets it continue.
class ElectorHarness {
 public:
  ElectorHarness(FakeLeaseClient& client, runtime::FakeClock& clock) : clock_(clock) {
    config_.lease_namespace = "kube-system";
    config_.lease_name = "joinguard";
    config_.identity = "me";
    config_.lease_duration = 15s;
    config_.renew_deadline = 10s;
    config_.retry_period = 2s;
    config_.release_on_cancel = false;
    config_.wait = [this](std::stop_token stop, std::chrono::nanoseconds d) {
      clock_.Advance(d);
      std::unique_lock<std::mutex> l(mu_);
      ++waits_;
      cv_.notify_all();
      cv_.wait(l, [&] { return released_ >= waits_ || stop.stop_requested() || free_run_; });
      return !stop.stop_requested();
    };
    config_.on_stopped_leading = [this] { stopped_leading_ = true; };
    auto e = LeaderElector::Create(client, config_, clock_, logger_, nullptr, [] { return 0.0; });
    EXPECT_TRUE(e.ok()) << e.status();
    elector_ = std::move(*e);
  }
  ~ElectorHarness() {
    thread_.request_stop();
    {
      std::lock_guard<std::mutex> l(mu_);
      free_run_ = true;
    }
    cv_.notify_all();
  }
  void Start() {
    thread_ = std::jthread([this](std::stop_token st) {
      elector_->Run(st);
      std::lock_guard<std::mutex> l(mu_);
      returned_ = true;
      cv_.notify_all();
    });
  }
  // Waits until Run() is parked in its n-th wait (or has returned). true if parked.
  bool ParkedAt(int n) {
    std::unique_lock<std::mutex> l(mu_);
    EXPECT_TRUE(cv_.wait_for(l, 30s, [&] { return waits_ >= n || returned_; }));
    return waits_ >= n && !returned_;
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    ++released_;
    cv_.notify_all();
  }
  bool WaitReturned() {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, 30s, [&] { return returned_; });
  }
  LeaderElector& elector() { return *elector_; }
  bool stopped_leading() const { return stopped_leading_.load(); }
  const LeaderElectionConfig& config() const { return config_; }

 private:
  runtime::FakeClock& clock_;
  runtime::Logger logger_{runtime::LogLevel::kError};
  LeaderElectionConfig config_;
  std::unique_ptr<LeaderElector> elector_;
  std::mutex mu_;  // guards waits_, released_, returned_, free_run_
  std::condition_variable cv_;
  int waits_ = 0;
  int released_ = 0;
  bool returned_ = false;
  bool free_run_ = false;
  std::atomic<bool> stopped_leading_{false};
  std::jthread thread_;
};

TEST(LeaderFencing, LeaseRequestsUseABoundedClientWithoutRetries) {
  runtime::FakeClock clock;
  FakeLeaseClient client(clock);
  ElectorHarness h(client, clock);
  EXPECT_EQ(client.derived, 1);
  EXPECT_EQ(client.derived_policy.max_retries, 0);
  EXPECT_EQ(client.derived_policy.timeout, LeaseRequestTimeout(h.config()));
  EXPECT_LE(client.derived_policy.timeout * kLeaseRequestsPerAttempt, h.config().renew_deadline);
}

TEST(LeaderFencing, MayWriteOnlyWhileTheLastRenewIsYoungerThanTheRenewDeadline) {
  runtime::FakeClock clock;
  FakeLeaseClient client(clock);
  ElectorHarness h(client, clock);
  EXPECT_FALSE(h.elector().MayWrite());  // not leading yet
  h.Start();
  ASSERT_TRUE(h.ParkedAt(1));  // acquired (create), now waiting RetryPeriod before renewing
  EXPECT_TRUE(h.elector().IsLeader());
  EXPECT_TRUE(h.elector().MayWrite());
  EXPECT_EQ(client.Holder(), "me");
  // The wait advanced the clock by RetryPeriod: 8 s of proof are left.
  EXPECT_EQ(h.elector().WriteBudget(), 8s);

  // From now on every lease request fails (API server unreachable).
  client.on_request = [](const std::string&) { return UnavailableError("connection refused"); };
  h.Release();
  ASSERT_TRUE(h.ParkedAt(2));  // one failed attempt, waiting to retry at t = 4 s
  EXPECT_TRUE(h.elector().MayWrite());
  h.Release();
  ASSERT_TRUE(h.ParkedAt(3));  // t = 6 s
  h.Release();
  ASSERT_TRUE(h.ParkedAt(4));  // t = 8 s
  EXPECT_TRUE(h.elector().MayWrite());
  EXPECT_EQ(h.elector().WriteBudget(), 2s);
  h.Release();
  ASSERT_TRUE(h.ParkedAt(5));  // t = 10 s = renew deadline: proof has run out
  EXPECT_FALSE(h.elector().MayWrite());
  EXPECT_EQ(h.elector().WriteBudget(), 0s);
  h.Release();
  ASSERT_TRUE(h.WaitReturned());  // stops leading without another request
  EXPECT_FALSE(h.elector().IsLeader());
  EXPECT_TRUE(h.stopped_leading());
}

TEST(LeaderFencing, ASlowRenewThatSucceedsLateProvesNothing) {
  runtime::FakeClock clock;
  FakeLeaseClient client(clock);
  ElectorHarness h(client, clock);
  h.Start();
  ASSERT_TRUE(h.ParkedAt(1));
  ASSERT_TRUE(h.elector().MayWrite());
  // The renew PUT hangs for longer than the renew deadline and then succeeds (a trickling
  // response outlives cpprest's inactivity timer). Its start is what the proof is measured from.
  client.on_request = [&](const std::string& method) {
    if (method == "PUT") clock.Advance(11s);
    return OkStatus();
  };
  h.Release();
  ASSERT_TRUE(h.WaitReturned());
  EXPECT_FALSE(h.elector().MayWrite());
  EXPECT_TRUE(h.stopped_leading());
}

TEST(LeaderFencing, NoRequestIsStartedThatCouldOutliveTheRenewDeadline) {
  runtime::FakeClock clock;
  FakeLeaseClient client(clock);
  ElectorHarness h(client, clock);
  h.Start();
  ASSERT_TRUE(h.ParkedAt(1));
  const auto acquired_at = clock.MonotonicNow() - h.config().retry_period;
  // Each request takes a full request timeout and fails.
  const auto per_request = LeaseRequestTimeout(h.config());
  std::atomic<int64_t> latest_end_ns{0};
  client.on_request = [&](const std::string&) {
    clock.Advance(per_request);
    latest_end_ns = (clock.MonotonicNow() - acquired_at).count();
    return UnavailableError("timeout");
  };
  h.Release();
  for (int i = 2; h.ParkedAt(i); ++i) h.Release();
  ASSERT_TRUE(h.WaitReturned());
  EXPECT_GT(client.requests.load(), 0);
  // Every request ended by the renew deadline after the last successful write.
  EXPECT_LE(std::chrono::nanoseconds(latest_end_ns.load()), h.config().renew_deadline);
  EXPECT_FALSE(h.elector().MayWrite());
}

TEST(LeaderFencing, FrozenLeaderStopsWritingBeforeTheLeaseCanBeTaken) {
  runtime::FakeClock clock;
  FakeLeaseClient client(clock);
  ElectorHarness h(client, clock);
  h.Start();
  ASSERT_TRUE(h.ParkedAt(1));
  const auto last_write = clock.MonotonicNow() - h.config().retry_period;
  // Freeze (SIGSTOP) for longer than the lease: time passes, nothing runs. A peer observing
  // our last write at `last_write` or later may take the lease at last_write + LeaseDuration;
  // MayWrite is false from last_write + RenewDeadline on.
  clock.Advance(h.config().lease_duration);
  EXPECT_GE(clock.MonotonicNow(), last_write + h.config().renew_deadline);
  EXPECT_FALSE(h.elector().MayWrite());
  client.SetHolder("other");
  const int writes_before = client.writes.load();
  h.Release();  // SIGCONT
  ASSERT_TRUE(h.WaitReturned());
  EXPECT_FALSE(h.elector().IsLeader());
  EXPECT_EQ(client.writes.load(), writes_before);  // it did not write the lease back
  EXPECT_EQ(client.Holder(), "other");
}

TEST(LeaderFencing, RenewDeadlineIsStrictlyShorterThanTheLease) {
  LeaderElectionConfig c;
  c.lease_namespace = "ns";
  c.lease_name = "l";
  c.identity = "i";
  c.lease_duration = 10s;
  c.renew_deadline = 10s;
  EXPECT_FALSE(ValidateLeaderElectionConfig(c).ok());
  c.renew_deadline = 9s;
  EXPECT_OK(ValidateLeaderElectionConfig(c));
}

TEST(LeaderFencing, MayWriteIsSafeToCallFromManyThreadsWhileRenewing) {
  runtime::FakeClock clock;
  FakeLeaseClient client(clock);
  LeaderElectionConfig c;
  c.lease_namespace = "kube-system";
  c.lease_name = "joinguard";
  c.identity = "me";
  c.lease_duration = 15s;
  c.renew_deadline = 10s;
  c.retry_period = 2s;
  std::atomic<int> waits{0};
  c.wait = [&](std::stop_token stop, std::chrono::nanoseconds d) {
    clock.Advance(d);
    ++waits;
    std::this_thread::yield();
    return !stop.stop_requested();
  };
  runtime::Logger logger{runtime::LogLevel::kError};
  auto e = LeaderElector::Create(client, c, clock, logger);
  ASSERT_TRUE(e.ok());
  std::atomic<bool> done{false};
  std::atomic<int> true_seen{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!done) {
        if ((*e)->MayWrite()) ++true_seen;
      }
    });
  }
  std::jthread runner([&](std::stop_token st) { (*e)->Run(st); });
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (waits.load() < 200 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  runner.request_stop();
  runner.join();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GE(waits.load(), 200);
  EXPECT_GT(true_seen.load(), 0);
  EXPECT_FALSE((*e)->MayWrite());  // stopped
}

}  // namespace
}  // namespace joinguard::kube
