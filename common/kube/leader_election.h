// Lease-based leader election with client-go's algorithm
// (kubernetes/client-go tools/leaderelection/leaderelection.go, resourcelock/leaselock.go).
// Expiry is judged on the LOCAL monotonic clock from when a lease record was last seen to
// change, never by comparing the server's renewTime with our clock.
//
// Fencing (beyond client-go): MayWrite() is true only while the last successful acquire/renew
// write was STARTED less than RenewDeadline ago. Another candidate can take the lease only
// LeaseDuration after it OBSERVED that write, which is after we started it, so a leader that
// is frozen, partitioned or slow stops writing at least LeaseDuration - RenewDeadline before
// anyone else can start. Every renew attempt is bounded by the renew deadline: requests go
// through a client with a per-request timeout of RenewDeadline / kLeaseRequestsPerAttempt and
// no retries, and a request is only started if it can finish before the deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "common/kube/client.h"
#include "common/kube/events.h"
#include "common/kube/objects.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"

namespace joinguard::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per candidate (pod name + random suffix)
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  bool release_on_cancel = true;
  // Callbacks run on the elector's thread and must return quickly. on_started_leading gets a
  // stop_token that fires when leadership is lost or the elector stops.
  std::function<void(std::stop_token leading)> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
  // Interruptible wait; false when `stop` fired. Empty = runtime::WaitFor. Tests inject one
  // that advances a FakeClock.
  std::function<bool(std::stop_token stop, std::chrono::nanoseconds d)> wait;
};

// An attempt is at most: fast-path PUT, then GET and PUT (client-go tryAcquireOrRenew).
inline constexpr int kLeaseRequestsPerAttempt = 3;

// The per-request timeout of lease requests: RenewDeadline / kLeaseRequestsPerAttempt.
std::chrono::milliseconds LeaseRequestTimeout(const LeaderElectionConfig& config);

// Checks LeaseDuration > RenewDeadline > 1.2 * RetryPeriod > 0 and non-empty names.
Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  // `client`, `clock`, `logger` (and `recorder` when given) must outlive the elector.
  static StatusOr<std::unique_ptr<LeaderElector>> Create(Client& client, LeaderElectionConfig config,
                                                         const runtime::Clock& clock,
                                                         const runtime::Logger& logger,
                                                         EventRecorder* recorder = nullptr,
                                                         std::function<double()> rand01 = {});
  ~LeaderElector();

  // Blocks: acquire (retrying every RetryPeriod with jitter), then renew until the renew
  // deadline is missed or `stop` fires; then calls on_stopped_leading (if it was leading) and,
  // on a clean stop with release_on_cancel, releases the lease. Returns when done; like
  // client-go, it does not try to re-acquire after losing the lease (callers restart or exit).
  void Run(std::stop_token stop);

  bool IsLeader() const;
  std::string GetLeader() const;  // last observed holder identity

  // Leader fencing; thread-safe and cheap (one atomic load and a clock read). True only while
  // this replica leads and its last successful lease write started less than RenewDeadline
  // ago. Check it immediately before every write; when false, do not write.
  bool MayWrite() const;
  // How long MayWrite() stays true without another renew (0 when false): a writer may bound
  // its request timeout with it.
  std::chrono::nanoseconds WriteBudget() const;

 private:
  LeaderElector(Client& client, LeaderElectionConfig config, const runtime::Clock& clock,
                const runtime::Logger& logger, EventRecorder* recorder, std::function<double()> rand01);
  // One client-go tryAcquireOrRenew; no request is started that could not finish by
  // `deadline`.
  bool TryAcquireOrRenew(runtime::Clock::MonotonicTime deadline);
  // Whether a request of lease_request_timeout_ started now ends by `deadline`.
  bool Fits(runtime::Clock::MonotonicTime deadline) const;
  void MarkRenewed(runtime::Clock::MonotonicTime write_started);
  bool Wait(std::stop_token stop, std::chrono::nanoseconds d) const;
  void Release();
  void SetObserved(const Lease& lease);
  bool LeaseValidLocked(runtime::Clock::MonotonicTime now) const;

  std::unique_ptr<Client> lease_client_;  // bounded requests (see LeaseRequestTimeout)
  Client& client_;                        // *lease_client_, or the caller's client when it cannot derive one
  const LeaderElectionConfig config_;
  const std::chrono::milliseconds lease_request_timeout_;
  const runtime::Clock& clock_;
  const runtime::Logger& logger_;
  EventRecorder* recorder_;
  std::function<double()> rand01_;

  mutable std::mutex mu_;  // guards the observed record below
  std::optional<Lease> observed_;
  Json observed_raw_spec_;
  runtime::Clock::MonotonicTime observed_time_{};
  std::string reported_leader_;
  std::atomic<bool> leading_{false};
  // Monotonic nanoseconds at which the last successful lease write was started; MayWrite() is
  // true while now < renewed_at_ns_ + renew_deadline (and leading_).
  std::atomic<int64_t> renewed_at_ns_{0};
};

}  // namespace joinguard::kube
