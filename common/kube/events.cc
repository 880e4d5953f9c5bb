#include "common/kube/events.h"

#include <algorithm>
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
    : client_(client), options_(std::move(options)), clock_(clock), logger_(logger) {
  runtime::AsyncSinkOptions so;
  so.capacity = std::max<size_t>(1, options_.queue_capacity);
  // Create only fails on capacity 0 or an empty handler, both excluded here.
  sink_ = std::move(*runtime::AsyncSink<Pending>::Create(
      so, [this](std::vector<Pending>&& batch) { WriteBatch(std::move(batch)); }));
}

EventRecorderImpl::~EventRecorderImpl() { Stop(); }

void EventRecorderImpl::Stop(std::chrono::nanoseconds deadline) {
  const int64_t at = (std::chrono::steady_clock::now() + deadline).time_since_epoch().count();
  int64_t none = 0;
  give_up_at_ns_.compare_exchange_strong(none, std::max<int64_t>(at, 1));
  sink_->Stop();
}

bool EventRecorderImpl::Flush(std::chrono::nanoseconds timeout) { return sink_->WaitIdle(timeout); }

uint64_t EventRecorderImpl::Dropped() const { return sink_->Stats().dropped + abandoned_.load(); }

void EventRecorderImpl::Record(const ObjectReference& object, std::string_view type, std::string_view reason,
                               std::string_view message) {
  sink_->Submit(Pending{object, std::string(type), std::string(reason), std::string(message), clock_.Now()});
}

std::string EventRecorderImpl::Key(const Pending& p) {
  // client-go's EventCorrelator aggregates on (source, object, type, reason, message).
  const ObjectReference& o = p.object;
  return o.kind + "\x1f" + o.namespace_ + "\x1f" + o.name + "\x1f" + o.uid + "\x1f" + p.type + "\x1f" +
         p.reason + "\x1f" + p.message;
}

void EventRecorderImpl::WriteBatch(std::vector<Pending>&& batch) {
  // Coalesce repeats within the batch, keeping first-seen order: one write per key.
  struct Group {
    size_t first;
    int32_t repeats = 0;
    Time last;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  for (size_t i = 0; i < batch.size(); ++i) {
    std::string key = Key(batch[i]);
    auto [it, inserted] = groups.try_emplace(key, Group{i, 0, batch[i].at});
    if (inserted) order.push_back(std::move(key));
    if (it->second.repeats < INT32_MAX) ++it->second.repeats;
    it->second.last = std::max(it->second.last, batch[i].at);
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const int64_t give_up_at = give_up_at_ns_.load();
    if (give_up_at != 0 && std::chrono::steady_clock::now().time_since_epoch().count() >= give_up_at) {
      uint64_t left = 0;
      for (size_t j = i; j < order.size(); ++j) left += static_cast<uint64_t>(groups[order[j]].repeats);
      abandoned_ += left;
      logger_.Warning("shutdown deadline passed; events not written", {{"events", std::to_string(left)}});
      return;
    }
    const Group& g = groups[order[i]];
    Write(batch[g.first], g.repeats, g.last);
  }
}

void EventRecorderImpl::Remember(const std::string& key, Entry entry) {
  lru_.push_front(key);
  entry.lru_pos = lru_.begin();
  cache_[key] = std::move(entry);
  while (cache_.size() > options_.cache_size && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

void EventRecorderImpl::Write(const Pending& p, int32_t repeats, Time last) {
  const std::string key = Key(p);
  const std::string event_ns =
      p.object.namespace_.empty() ? options_.cluster_scoped_namespace : p.object.namespace_;
  if (auto it = cache_.find(key); it != cache_.end()) {
    Entry& e = it->second;
    const int32_t count = e.count > INT32_MAX - repeats ? INT32_MAX : e.count + repeats;
    Json patch = {{"count", count}, {"lastTimestamp", FormatTime(last)}};
    auto r = client_.PatchRaw(Event::kResource, e.event_namespace, e.event_name, PatchType::kMerge, patch);
    if (r.ok()) {
      e.count = count;
      lru_.erase(e.lru_pos);
      lru_.push_front(key);
      e.lru_pos = lru_.begin();
      return;
    }
    if (!IsNotFound(r.status())) {
      logger_.Warning("could not update event (best effort)",
                      {{"event", e.event_name}, {"reason", p.reason}, {"error", r.status().ToString()}});
      return;
    }
    // The Event expired (TTL) or was deleted: start a new one.
    lru_.erase(e.lru_pos);
    cache_.erase(it);
  }
  Event ev;
  ev.metadata.name = EventName(p.object.name, p.at);
  ev.metadata.namespace_ = event_ns;
  ev.involved_object = p.object;
  ev.reason = p.reason;
  ev.message = p.message;
  ev.type = p.type;
  ev.source = options_.source;
  ev.first_timestamp = p.at;
  ev.last_timestamp = last;
  ev.count = repeats;
  ev.reporting_component = options_.source.component;
  ev.reporting_instance =
      options_.reporting_instance.empty() ? options_.source.host : options_.reporting_instance;
  auto created = client_.Create(ev);
  if (!created.ok()) {
    logger_.Warning("could not record event (best effort)", {{"object", p.object.kind + "/" + p.object.name},
                                                             {"reason", p.reason},
                                                             {"error", created.status().ToString()}});
    return;
  }
  Entry entry;
  entry.event_namespace = event_ns;
  entry.event_name = created->metadata.name.empty() ? ev.metadata.name : created->metadata.name;
  entry.count = repeats;
  Remember(key, std::move(entry));
}

}  // namespace joinguard::kube
