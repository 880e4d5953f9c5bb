// core/v1 Event recorder (client-go tools/record, k8s-api.md §5.2). Best effort: failures are
// logged, never returned into the caller's decision path.
#pragma once

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
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"

namespace joinguard::kube {

inline constexpr std::string_view kEventTypeNormal = "Normal";
inline constexpr std::string_view kEventTypeWarning = "Warning";

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // type: kEventTypeNormal | kEventTypeWarning. Never fails from the caller's point of view.
  virtual void Record(const ObjectReference& object, std::string_view type,
                      std::string_view reason, std::string_view message) = 0;
};

struct EventRecorderOptions {
  EventSource source;  // component (e.g. "joinguard-controller") and host
  std::string reporting_instance;
  // Namespace for events about cluster-scoped objects (client-go uses "default").
  std::string cluster_scoped_namespace = "default";
  size_t cache_size = 4096;  // aggregated (object, type, reason, message) keys remembered (LRU)
};

// Writes synchronously on the caller's thread: a POST for the first occurrence, a merge PATCH
// of count and lastTimestamp for repeats of the same (object, type, reason, message). A
// repeat whose PATCH finds the Event gone (404) creates a new one.
class EventRecorderImpl final : public EventRecorder {
 public:
  EventRecorderImpl(Client& client, EventRecorderOptions options, const runtime::Clock& clock,
                    const runtime::Logger& logger);
  void Record(const ObjectReference& object, std::string_view type, std::string_view reason,
              std::string_view message) override;

 private:
  struct Entry {
    std::string event_namespace;
    std::string event_name;
    int32_t count = 0;
    Time first_timestamp;
    std::list<std::string>::iterator lru_pos;
  };
  Client& client_;
  const EventRecorderOptions options_;
  const runtime::Clock& clock_;
  const runtime::Logger& logger_;
  std::mutex mu_;  // guards cache_, lru_; held across the API call so repeats count correctly
  std::map<std::string, Entry> cache_;
  std::list<std::string> lru_;  // most recent first
};

// Records nothing (for tools and tests that do not care).
class NoopEventRecorder final : public EventRecorder {
 public:
  void Record(const ObjectReference&, std::string_view, std::string_view,
              std::string_view) override {}
};

// "<object name>.<hex unix nanoseconds>" (client-go tools/record/util).
std::string EventName(std::string_view object_name, Time t);

}  // namespace joinguard::kube
