#include "common/kube/leader_election.h"

#include "common/runtime/backoff.h"
#include "common/runtime/stop.h"

namespace joinguard::kube {
namespace {

int32_t DurationSeconds(std::chrono::milliseconds d) {
  auto s = static_cast<int32_t>((d.count() + 999) / 1000);
  return std::max<int32_t>(1, s);
}

}  // namespace

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
  if (static_cast<double>(c.renew_deadline.count()) <= 1.2 * static_cast<double>(c.retry_period.count())) {
    return InvalidArgumentError("leader election: renewDeadline must be greater than 1.2 * retryPeriod");
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(Client& client,
                                                               LeaderElectionConfig config,
                                                               const runtime::Clock& clock,
                                                               const runtime::Logger& logger,
                                                               EventRecorder* recorder,
                                                               std::function<double()> rand01) {
  JG_RETURN_IF_ERROR(ValidateLeaderElectionConfig(config));
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, std::move(config), clock, logger,
                                                          recorder, std::move(rand01)));
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config,
                             const runtime::Clock& clock, const runtime::Logger& logger,
                             EventRecorder* recorder, std::function<double()> rand01)
    : client_(client),
      config_(std::move(config)),
      clock_(clock),
      logger_(logger),
      recorder_(recorder),
      rand01_(rand01 ? std::move(rand01) : runtime::DefaultRand01()) {}

LeaderElector::~LeaderElector() = default;

bool LeaderElector::IsLeader() const { return leading_.load(); }

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

bool LeaderElector::TryAcquireOrRenew() {
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
      cached->spec.holder_identity = config_.identity;
      cached->spec.lease_duration_seconds = duration;
      cached->spec.renew_time = now;
      auto updated = client_.Update(*cached);
      if (updated.ok()) {
        SetObserved(*updated);
        return true;
      }
      logger_.Debug("lease fast-path renew failed", {{"error", updated.status().ToString()}});
    }
  }

  // 2. Get (create when missing).
  auto got = client_.Get<Lease>(config_.lease_namespace, config_.lease_name);
  if (!got.ok()) {
    if (!IsNotFound(got.status())) {
      logger_.Warning("error retrieving lease", {{"lease", config_.lease_namespace + "/" + config_.lease_name},
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
    auto created = client_.Create(lease);
    if (!created.ok()) {
      logger_.Debug("lease create failed", {{"error", created.status().ToString()}});
      return false;
    }
    SetObserved(*created);
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
  auto updated = client_.Update(lease);
  if (!updated.ok()) {
    logger_.Debug("lease update failed", {{"error", updated.status().ToString()}});
    return false;
  }
  SetObserved(*updated);
  return true;
}

void LeaderElector::Release() {
  for (int attempt = 0; attempt < 3; ++attempt) {
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
  // Acquire: every RetryPeriod with jitter 1.2 (client-go wait.JitterUntil).
  bool acquired = false;
  while (!stop.stop_requested()) {
    if (TryAcquireOrRenew()) {
      acquired = true;
      break;
    }
    runtime::WaitFor(stop, runtime::Jitter(config_.retry_period, 1.2, rand01_));
  }
  if (!acquired) return;

  std::stop_source leading_source;
  leading_.store(true);
  logger_.Info("successfully acquired lease", {{"lease", lease_key}, {"identity", config_.identity}});
  Lease ref_lease;
  ref_lease.metadata.name = config_.lease_name;
  ref_lease.metadata.namespace_ = config_.lease_namespace;
  if (recorder_) {
    recorder_->Record(ReferenceTo(ref_lease), kEventTypeNormal, "LeaderElection",
                      config_.identity + " became leader");
  }
  if (config_.on_started_leading) config_.on_started_leading(leading_source.get_token());

  // Renew: retry every RetryPeriod until RenewDeadline; missing it means we lost the lease.
  bool lost = false;
  while (!stop.stop_requested()) {
    const auto deadline = clock_.MonotonicNow() + config_.renew_deadline;
    bool renewed = false;
    while (!stop.stop_requested() && clock_.MonotonicNow() < deadline) {
      if (TryAcquireOrRenew()) {
        renewed = true;
        break;
      }
      runtime::WaitFor(stop, config_.retry_period);
    }
    if (stop.stop_requested()) break;
    if (!renewed) {
      lost = true;
      break;
    }
    runtime::WaitFor(stop, config_.retry_period);
  }
  leading_.store(false);
  leading_source.request_stop();
  if (lost) {
    logger_.Warning("failed to renew lease; stopped leading",
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
