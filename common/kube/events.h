// core/v1 Event recorder (kubernetes/client-go tools/record/event.go and events_cache.go).
// Best effort and off the decision path: Record() only queues (runtime::AsyncSink, bounded,
// drops the oldest when full); one thread writes, aggregating repeats. Failures are logged,
// never returned to the caller.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "common/kube/client.h"
#include "common/kube/objects.h"
#include "common/runtime/async_sink.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"

namespace joinguard::kube {

inline constexpr std::string_view kEventTypeNormal = "Normal";
inline constexpr std::string_view kEventTypeWarning = "Warning";
inline constexpr size_t kDefaultEventCacheSize = 4096;
inline constexpr size_t kDefaultEventQueueCapacity = 1024;
// How long Stop() (and the destructor) keeps writing what is queued before giving up on the rest.
inline constexpr std::chrono::seconds kDefaultEventStopDeadline{5};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // type: kEventTypeNormal | kEventTypeWarning. Never fails from the caller's point of view.
  virtual void Record(const ObjectReference& object, std::string_view type, std::string_view reason,
                      std::string_view message) = 0;
};

struct EventRecorderOptions {
  EventSource source;  // component (e.g. "joinguard-controller") and host
  std::string reporting_instance;
  // Namespace for events about cluster-scoped objects (client-go uses "default").
  std::string cluster_scoped_namespace = "default";
  // Aggregated (object, type, reason, message) keys remembered (LRU); client-go's
  // maxLruCacheEntries (tools/record/events_cache.go).
  size_t cache_size = kDefaultEventCacheSize;
  // Records queued for the writer thread at most; beyond it the oldest is dropped.
  size_t queue_capacity = kDefaultEventQueueCapacity;
};

// Record() queues and returns at once. The writer thread POSTs an Event for the first
// occurrence of (object, type, reason, message) and a merge PATCH of count and lastTimestamp
// for repeats; repeats queued together become one write. A repeat whose PATCH finds the Event
// gone (404) creates a new one. Memory: queue_capacity records + cache_size keys.
class EventRecorderImpl final : public EventRecorder {
 public:
  EventRecorderImpl(Client& client, EventRecorderOptions options, const runtime::Clock& clock,
                    const runtime::Logger& logger);
  ~EventRecorderImpl() override;  // flushes what is queued
  void Record(const ObjectReference& object, std::string_view type, std::string_view reason,
              std::string_view message) override;

  // Waits until everything recorded so far has been written (or failed); false on timeout.
  bool Flush(std::chrono::nanoseconds timeout);
  // Writes what is queued and stops the writer; later records are dropped. Idempotent. Events
  // still queued when `deadline` has passed are given up (counted in Dropped()): Stop returns
  // within `deadline` plus at most one write already in flight (bounded by the client's request
  // timeout), so a hung API server cannot hold up shutdown past the pod's grace period.
  void Stop(std::chrono::nanoseconds deadline = kDefaultEventStopDeadline);
  // Records dropped because the queue was full, after Stop, or still queued at Stop's deadline.
  uint64_t Dropped() const;

 private:
  struct Pending {
    ObjectReference object;
    std::string type;
    std::string reason;
    std::string message;
    Time at;
  };
  struct Entry {
    std::string event_namespace;
    std::string event_name;
    int32_t count = 0;
    std::list<std::string>::iterator lru_pos;
  };
  static std::string Key(const Pending& p);
  // Writer thread only.
  void WriteBatch(std::vector<Pending>&& batch);
  void Write(const Pending& p, int32_t repeats, Time last);
  void Remember(const std::string& key, Entry entry);

  Client& client_;
  const EventRecorderOptions options_;
  // Steady-clock nanoseconds after which the writer gives up on queued events (0 = no deadline
  // yet); set once by Stop().
  std::atomic<int64_t> give_up_at_ns_{0};
  std::atomic<uint64_t> abandoned_{0};  // events given up at Stop's deadline
  const runtime::Clock& clock_;
  const runtime::Logger& logger_;
  // Touched only by the sink's writer thread (no lock needed).
  std::map<std::string, Entry> cache_;
  std::list<std::string> lru_;                         // most recent first
  std::unique_ptr<runtime::AsyncSink<Pending>> sink_;  // last: its thread uses the members above
};

// Records nothing (for tools and tests that do not care).
class NoopEventRecorder final : public EventRecorder {
 public:
  void Record(const ObjectReference&, std::string_view, std::string_view, std::string_view) override {}
};

// "<object name>.<hex unix nanoseconds>" (client-go tools/record/util).
std::string EventName(std::string_view object_name, Time t);

}  // namespace joinguard::kube
