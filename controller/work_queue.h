// A de-duplicating, rate-limited work queue keyed by string (client-go util/workqueue):
// an item is never processed by two workers at once; adding an item that is already queued
// is a no-op; adding an item that is being processed queues it again for after Done().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/runtime/clock.h"
#include "common/runtime/rate_limiter.h"

namespace joinguard::controller {

struct WorkQueueOptions {
  // Per-item exponential backoff (kube-controller-manager's certificate controller uses
  // 200 ms doubling up to 1000 s) ...
  std::chrono::nanoseconds base_delay = std::chrono::milliseconds(200);
  std::chrono::nanoseconds max_delay = std::chrono::seconds(1000);
  // ... combined (max) with an overall token bucket that only slows retries.
  double qps = 10;
  int burst = 100;
};

class WorkQueue {
 public:
  WorkQueue(const runtime::Clock& clock, WorkQueueOptions options = {});

  void Add(const std::string& key);
  // Adds after `delay` (immediately when <= 0). A key already waiting keeps the earlier time.
  void AddAfter(const std::string& key, std::chrono::nanoseconds delay);
  // Adds after max(per-item backoff, overall limiter delay); bumps the item's failure count.
  void AddRateLimited(const std::string& key);
  // Clears the item's failure count (call after a successful reconcile).
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;
  // The delay AddRateLimited would use next for `key` from the per-item backoff alone.
  std::chrono::nanoseconds NextItemDelay(const std::string& key) const;

  // Blocks until an item is ready or the queue shuts down (then nullopt). The caller must
  // call Done(key) when finished.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  // After ShutDown every Get() returns nullopt at once, so workers stop promptly.
  void ShutDown();
  bool ShuttingDown() const;

  size_t Len() const;         // ready items
  size_t WaitingLen() const;  // delayed items

  // Re-evaluates delayed items after a FakeClock was advanced.
  void WakeForTest();

 private:
  void AddLocked(const std::string& key);
  void PromoteReadyLocked(runtime::Clock::MonotonicTime now);

  const runtime::Clock& clock_;
  const WorkQueueOptions options_;
  runtime::TokenBucketRateLimiter overall_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;                                   // queued (or to be re-queued after Done)
  std::set<std::string> processing_;                              // handed out, not yet Done
  std::map<std::string, runtime::Clock::MonotonicTime> waiting_;  // delayed adds
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace joinguard::controller
