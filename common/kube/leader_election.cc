#include "common/kube/leader_election.h"

#include "common/runtime/backoff.h"
#include "common/runtime/stop.h"

namespace joinguard::kube {
namespace {

int32_t DurationSeconds(std::chrono::milliseconds d) {
  auto s = static_cast<int32_t>((d.count() + 999) / 1000);
  return std::max<int32_t>(1, s);
}

int64_t Nanos(runtime::Clock::MonotonicTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// client-go wait.JitterUntil's factor for the acquire loop.
constexpr double kRetryJitterFactor = 1.2;
// Release makes a few attempts on 409 (client-go retries its release update the same way).
constexpr int kReleaseAttempts = 3;

}  // namespace

std::chrono::milliseconds LeaseRequestTimeout(const LeaderElectionConfig& config) {
  return std::max(std::chrono::milliseconds(1), config.renew_deadline / kLeaseRequestsPerAttempt);
}

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.lease_name.empty() || c.lease_namespace.empty()) {
    return InvalidArgumentError("leader election: lease name and namespace are required");
  }
  if (c.identity.empty()) return InvalidArgumentError("leader election: identity is required");
  if (c.retry_period.count() <= 0 || c.renew_deadline.count() <= 0 || c.lease_duration.count() <= 0) {
    return InvalidArgumentError("leader election: durations must be > 0");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return InvalidArgumentError("leader election: leaseDuration must be greater than renewDeadline");
  }
  // client-go: renewDeadline must exceed JitterFactor (1.2) * retryPeriod.
  if (static_cast<double>(c.renew_deadline.count()) <=
      kRetryJitterFactor * static_cast<double>(c.retry_period.count())) {
    return InvalidArgumentError("leader election: renewDeadline must be greater than 1.2 * retryPeriod");
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(Client& client, LeaderElectionConfig config,
                                                               const runtime::Clock& clock,
                                                               const runtime::Logger& logger,
                                                               EventRecorder* recorder,
                                                               std::function<double()> rand01) {
  JG_RETURN_IF_ERROR(ValidateLeaderElectionConfig(config));
  return std::unique_ptr<LeaderElector>(
      new LeaderElector(client, std::move(config), clock, logger, recorder, std::move(rand01)));
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config, const runtime::Clock& clock,
                             const runtime::Logger& logger, EventRecorder* recorder,
                             std::function<double()> rand01)
    : lease_client_(client.WithRequestPolicy(RequestPolicy{LeaseRequestTimeout(config), /*max_retries=*/0})),
      client_(lease_client_ ? *lease_client_ : client),
      config_(std::move(config)),
      lease_request_timeout_(LeaseRequestTimeout(config_)),
      clock_(clock),
      logger_(logger),
      recorder_(recorder),
      rand01_(rand01 ? std::move(rand01) : runtime::DefaultRand01()) {}

LeaderElector::~LeaderElector() = default;

bool LeaderElector::IsLeader() const { return leading_.load(); }

std::chrono::nanoseconds LeaderElector::WriteBudget() const {
  if (!leading_.load(std::memory_order_acquire)) return std::chrono::nanoseconds(0);
  const int64_t until = renewed_at_ns_.load(std::memory_order_acquire) +
                        std::chrono::duration_cast<std::chrono::nanoseconds>(config_.renew_deadline).count();
  const int64_t left = until - Nanos(clock_.MonotonicNow());
  return std::chrono::nanoseconds(left > 0 ? left : 0);
}

bool LeaderElector::MayWrite() const { return WriteBudget().count() > 0; }

void LeaderElector::MarkRenewed(runtime::Clock::MonotonicTime write_started) {
  renewed_at_ns_.store(Nanos(write_started), std::memory_order_release);
}

bool LeaderElector::Fits(runtime::Clock::MonotonicTime deadline) const {
  return clock_.MonotonicNow() + lease_request_timeout_ <= deadline;
}

bool LeaderElector::Wait(std::stop_token stop, std::chrono::nanoseconds d) const {
  if (config_.wait) return config_.wait(stop, d);
  return runtime::WaitFor(stop, d);
}

std::string LeaderElector::GetLeader() const {
  std::lock_guard<std::mutex> l(mu_);
  if (!observed_ || !observed_->spec.holder_identity) return "";
  return *observed_->spec.holder_identity;
}

bool LeaderElector::LeaseValidLocked(runtime::Clock::MonotonicTime now) const {
  if (!observed_) return false;
  const int32_t secs = observed_->spec.lease_duration_seconds.value_or(0);
  return observed_time_ + std::chrono::seconds(secs) > now;
}

void LeaderElector::SetObserved(const Lease& lease) {
  std::string new_leader;
  {
    std::lock_guard<std::mutex> l(mu_);
    Json spec = ToJson(lease)["spec"];
    if (!observed_ || spec != observed_raw_spec_) {
      observed_raw_spec_ = spec;
      observed_time_ = clock_.MonotonicNow();
    }
    observed_ = lease;
    const std::string holder = lease.spec.holder_identity.value_or("");
    if (holder != reported_leader_) {
      reported_leader_ = holder;
      new_leader = holder;
    }
  }
  if (!new_leader.empty() && config_.on_new_leader) config_.on_new_leader(new_leader);
}

bool LeaderElector::TryAcquireOrRenew(runtime::Clock::MonotonicTime deadline) {
  const Time now = clock_.Now();
  const int32_t duration = DurationSeconds(config_.lease_duration);

  // 1. Fast path: renew from the cached record (carries its resourceVersion).
  if (leading_.load()) {
    std::optional<Lease> cached;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (LeaseValidLocked(clock_.MonotonicNow())) cached = observed_;
    }
    if (cached) {
      if (!Fits(deadline)) return false;
      cached->spec.holder_identity = config_.identity;
      cached->spec.lease_duration_seconds = duration;
      cached->spec.renew_time = now;
      const auto started = clock_.MonotonicNow();
      auto updated = client_.Update(*cached);
      if (updated.ok()) {
        SetObserved(*updated);
        MarkRenewed(started);
        return true;
      }
      logger_.Debug("lease fast-path renew failed", {{"error", updated.status().ToString()}});
    }
  }

  // 2. Get (create when missing).
  if (!Fits(deadline)) return false;
  auto got = client_.Get<Lease>(config_.lease_namespace, config_.lease_name);
  if (!got.ok()) {
    if (!IsNotFound(got.status())) {
      logger_.Warning("error retrieving lease",
                      {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                       {"error", got.status().ToString()}});
      return false;
    }
    Lease lease;
    lease.metadata.name = config_.lease_name;
    lease.metadata.namespace_ = config_.lease_namespace;
    lease.spec.holder_identity = config_.identity;
    lease.spec.lease_duration_seconds = duration;
    lease.spec.acquire_time = now;
    lease.spec.renew_time = now;
    lease.spec.lease_transitions = 0;
    if (!Fits(deadline)) return false;
    const auto started = clock_.MonotonicNow();
    auto created = client_.Create(lease);
    if (!created.ok()) {
      // client-go logs this at error level ("error initially creating leader election record",
      // tools/leaderelection/leaderelection.go); losing the create race to another replica is normal.
      if (IsAlreadyExists(created.status())) {
        logger_.Debug("lease create failed", {{"error", created.status().ToString()}});
      } else {
        logger_.Warning("error initially creating leader election record",
                        {{"error", created.status().ToString()}});
      }
      return false;
    }
    SetObserved(*created);
    MarkRenewed(started);
    return true;
  }

  // 3. Record what we saw (expiry is judged from when the record last changed, locally).
  SetObserved(*got);
  const std::string holder = got->spec.holder_identity.value_or("");
  {
    std::lock_guard<std::mutex> l(mu_);
    // 4. Held by someone else and not expired: not ours.
    if (!holder.empty() && holder != config_.identity && LeaseValidLocked(clock_.MonotonicNow())) {
      return false;
    }
  }

  // 5. Take over or renew.
  Lease lease = *got;
  if (holder == config_.identity) {
    if (!lease.spec.acquire_time) lease.spec.acquire_time = now;
    if (!lease.spec.lease_transitions) lease.spec.lease_transitions = 0;
  } else {
    lease.spec.lease_transitions = got->spec.lease_transitions.value_or(0) + 1;
    lease.spec.acquire_time = now;
  }
  lease.spec.holder_identity = config_.identity;
  lease.spec.lease_duration_seconds = duration;
  lease.spec.renew_time = now;
  if (!Fits(deadline)) return false;
  const auto started = clock_.MonotonicNow();
  auto updated = client_.Update(lease);
  if (!updated.ok()) {
    logger_.Debug("lease update failed", {{"error", updated.status().ToString()}});
    return false;
  }
  SetObserved(*updated);
  MarkRenewed(started);
  return true;
}

void LeaderElector::Release() {
  for (int attempt = 0; attempt < kReleaseAttempts; ++attempt) {
    std::optional<Lease> lease;
    {
      std::lock_guard<std::mutex> l(mu_);
      lease = observed_;
    }
    if (!lease || lease->spec.holder_identity.value_or("") != config_.identity) return;
    const Time now = clock_.Now();
    lease->spec.holder_identity = "";
    lease->spec.lease_duration_seconds = 1;
    lease->spec.renew_time = now;
    lease->spec.acquire_time = now;
    auto updated = client_.Update(*lease);
    if (updated.ok()) {
      SetObserved(*updated);
      logger_.Info("released leader lease", {{"identity", config_.identity}});
      return;
    }
    if (!IsConflict(updated.status())) {
      logger_.Warning("failed to release leader lease",
                      {{"identity", config_.identity}, {"error", updated.status().ToString()}});
      return;
    }
    auto fresh = client_.Get<Lease>(config_.lease_namespace, config_.lease_name);
    if (!fresh.ok()) return;
    SetObserved(*fresh);
  }
}

void LeaderElector::Run(std::stop_token stop) {
  const std::string lease_key = config_.lease_namespace + "/" + config_.lease_name;
  logger_.Info("attempting to acquire leader lease", {{"lease", lease_key}, {"identity", config_.identity}});
  // Acquire: every RetryPeriod with jitter (client-go wait.JitterUntil). An acquire attempt is
  // bounded like a renew so that the write it makes is fresh when it succeeds.
  bool acquired = false;
  while (!stop.stop_requested()) {
    if (TryAcquireOrRenew(clock_.MonotonicNow() + config_.renew_deadline)) {
      acquired = true;
      break;
    }
    Wait(stop, runtime::Jitter(config_.retry_period, kRetryJitterFactor, rand01_));
  }
  if (!acquired) return;

  std::stop_source leading_source;
  leading_.store(true, std::memory_order_release);
  logger_.Info("successfully acquired lease", {{"lease", lease_key}, {"identity", config_.identity}});
  Lease ref_lease;
  ref_lease.metadata.name = config_.lease_name;
  ref_lease.metadata.namespace_ = config_.lease_namespace;
  if (recorder_) {
    recorder_->Record(ReferenceTo(ref_lease), kEventTypeNormal, "LeaderElection",
                      config_.identity + " became leader");
  }
  if (config_.on_started_leading) config_.on_started_leading(leading_source.get_token());

  // Renew every RetryPeriod. Leadership is proven only until the last successful write's start
  // + RenewDeadline (MayWrite); when that passes without another success, we have lost it.
  bool lost = false;
  while (!stop.stop_requested()) {
    Wait(stop, config_.retry_period);
    bool renewed = false;
    for (;;) {
      if (stop.stop_requested()) break;
      const auto deadline = runtime::Clock::MonotonicTime(
                                std::chrono::nanoseconds(renewed_at_ns_.load(std::memory_order_acquire))) +
                            config_.renew_deadline;
      if (clock_.MonotonicNow() >= deadline) break;
      if (TryAcquireOrRenew(deadline)) {
        // A success that came back after its own proof expired (cpprest's timeout is an
        // inactivity timer, so a trickling response can outlast it) proves nothing.
        renewed = MayWrite();
        break;
      }
      const auto left = deadline - clock_.MonotonicNow();
      if (left <= std::chrono::nanoseconds(0)) break;
      Wait(stop, std::min<std::chrono::nanoseconds>(config_.retry_period, left));
    }
    if (stop.stop_requested()) break;
    if (!renewed) {
      lost = true;
      break;
    }
  }
  leading_.store(false, std::memory_order_release);
  leading_source.request_stop();
  if (lost) {
    logger_.Warning("failed to renew lease within the renew deadline; stopped leading",
                    {{"lease", lease_key}, {"identity", config_.identity}});
  } else {
    logger_.Info("stopped leading", {{"lease", lease_key}, {"identity", config_.identity}});
  }
  if (recorder_) {
    recorder_->Record(ReferenceTo(ref_lease), kEventTypeNormal, "LeaderElection",
                      config_.identity + " stopped leading");
  }
  if (config_.on_stopped_leading) config_.on_stopped_leading();
  if (!lost && config_.release_on_cancel) Release();
}

}  // namespace joinguard::kube
