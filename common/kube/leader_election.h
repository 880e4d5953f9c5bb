// Lease-based leader election with client-go's algorithm (tools/leaderelection,
// k8s-api.md §4.3). Expiry is judged on the LOCAL monotonic clock from when a lease record
// was last seen to change, never by comparing the server's renewTime with our clock.
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
};

// Checks LeaseDuration > RenewDeadline > 1.2 * RetryPeriod > 0 and non-empty names.
Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  // `client`, `clock`, `logger` (and `recorder` when given) must outlive the elector.
  static StatusOr<std::unique_ptr<LeaderElector>> Create(Client& client,
                                                         LeaderElectionConfig config,
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

 private:
  LeaderElector(Client& client, LeaderElectionConfig config, const runtime::Clock& clock,
                const runtime::Logger& logger, EventRecorder* recorder,
                std::function<double()> rand01);
  bool TryAcquireOrRenew();
  void Release();
  void SetObserved(const Lease& lease);
  bool LeaseValidLocked(runtime::Clock::MonotonicTime now) const;

  Client& client_;
  const LeaderElectionConfig config_;
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
};

}  // namespace joinguard::kube
