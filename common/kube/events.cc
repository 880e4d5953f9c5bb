#include "common/kube/events.h"

#include <cstdio>

namespace joinguard::kube {

std::string EventName(std::string_view object_name, Time t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(ns));
  return std::string(object_name) + "." + buf;
}

EventRecorderImpl::EventRecorderImpl(Client& client, EventRecorderOptions options,
                                     const runtime::Clock& clock, const runtime::Logger& logger)
    : client_(client), options_(std::move(options)), clock_(clock), logger_(logger) {}

void EventRecorderImpl::Record(const ObjectReference& object, std::string_view type,
                               std::string_view reason, std::string_view message) {
  const std::string event_ns =
      object.namespace_.empty() ? options_.cluster_scoped_namespace : object.namespace_;
  // client-go's EventCorrelator aggregates on (source, object, type, reason, message).
  std::string key = object.kind + "\x1f" + object.namespace_ + "\x1f" + object.name + "\x1f" +
                    object.uid + "\x1f" + std::string(type) + "\x1f" + std::string(reason) +
                    "\x1f" + std::string(message);
  const Time now = clock_.Now();
  std::lock_guard<std::mutex> l(mu_);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    Entry& e = it->second;
    Json patch = {{"count", e.count + 1}, {"lastTimestamp", FormatTime(now)}};
    auto r = client_.PatchRaw(Event::kResource, e.event_namespace, e.event_name, PatchType::kMerge,
                              patch);
    if (r.ok()) {
      ++e.count;
      lru_.erase(e.lru_pos);
      lru_.push_front(key);
      e.lru_pos = lru_.begin();
      return;
    }
    if (!IsNotFound(r.status())) {
      logger_.Warning("could not update event (best effort)",
                      {{"event", e.event_name}, {"reason", std::string(reason)},
                       {"error", r.status().ToString()}});
      return;
    }
    // The Event expired (TTL) or was deleted: start a new one.
    lru_.erase(e.lru_pos);
    cache_.erase(it);
  }
  Event ev;
  ev.metadata.name = EventName(object.name, now);
  ev.metadata.namespace_ = event_ns;
  ev.involved_object = object;
  ev.reason = std::string(reason);
  ev.message = std::string(message);
  ev.type = std::string(type);
  ev.source = options_.source;
  ev.first_timestamp = now;
  ev.last_timestamp = now;
  ev.count = 1;
  ev.reporting_component = options_.source.component;
  ev.reporting_instance = options_.reporting_instance.empty() ? options_.source.host
                                                              : options_.reporting_instance;
  auto created = client_.Create(ev);
  if (!created.ok()) {
    logger_.Warning("could not record event (best effort)",
                    {{"object", object.kind + "/" + object.name}, {"reason", std::string(reason)},
                     {"error", created.status().ToString()}});
    return;
  }
  lru_.push_front(key);
  Entry entry;
  entry.event_namespace = event_ns;
  entry.event_name = created->metadata.name.empty() ? ev.metadata.name : created->metadata.name;
  entry.count = 1;
  entry.first_timestamp = now;
  entry.lru_pos = lru_.begin();
  cache_[key] = entry;
  while (cache_.size() > options_.cache_size && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace joinguard::kube
