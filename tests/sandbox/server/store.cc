#include "tests/sandbox/server/store.h"

#include <algorithm>

namespace joinguard::sandbox {

using nlohmann::json;

void SetResourceVersion(json& obj, int64_t rv) { obj["metadata"]["resourceVersion"] = std::to_string(rv); }

int64_t ParseResourceVersion(const std::string& rv) {
  if (rv.empty() || rv.size() > 18) return -1;
  int64_t v = 0;
  for (char c : rv) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Subscription::Result Subscription::Next(StoreEvent* out, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return !queue_.empty() || closed_ || kicked_; });
  if (!queue_.empty()) {
    *out = std::move(queue_.front());
    queue_.pop_front();
    return Result::kEvent;
  }
  kicked_ = false;
  return closed_ ? Result::kClosed : Result::kTimeout;
}

bool Subscription::TryNext(StoreEvent* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return false;
  *out = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

void Subscription::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

void Subscription::Kick() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    kicked_ = true;
  }
  cv_.notify_all();
}

void Subscription::Push(const StoreEvent& e) {
  if (filter_ && !filter_(e)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    queue_.push_back(e);
  }
  cv_.notify_all();
}

Store::Store(const runtime::Clock& clock, std::chrono::seconds window, int max_events)
    : clock_(clock), window_(window), max_events_(static_cast<size_t>(std::max(1, max_events))) {}

Store::~Store() { CloseAllSubscriptions(); }

int64_t Store::rv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

int64_t Store::ChangeCount(const std::string& gvr) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = change_counts_.find(gvr);
  return it == change_counts_.end() ? 0 : it->second;
}

std::optional<json> Store::Get(const std::string& gvr, const std::string& ns, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return std::nullopt;
  auto it = g->second.find({ns, name});
  if (it == g->second.end()) return std::nullopt;
  return it->second;
}

Store::ListResult Store::List(const std::string& gvr, const std::string& ns,
                              const std::string& after_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  ListResult out;
  out.rv = rv_;
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return out;
  for (const auto& [key, obj] : g->second) {
    if (!ns.empty() && key.first != ns) continue;
    if (!after_key.empty() && key.first + "/" + key.second <= after_key) continue;
    out.items.push_back(obj);
  }
  return out;
}

StatusOr<json> Store::Create(const std::string& gvr, json obj) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string ns = obj["metadata"].value("namespace", "");
  std::string name = obj["metadata"].value("name", "");
  auto& bucket = objects_[gvr];
  if (bucket.count({ns, name})) return AlreadyExistsError(name);
  int64_t rv = NextRvLocked();
  SetResourceVersion(obj, rv);
  bucket[{ns, name}] = obj;
  AppendLocked(StoreEvent{"ADDED", gvr, ns, name, rv, obj, nullptr, {}});
  return obj;
}

StatusOr<json> Store::Update(const std::string& gvr, const std::string& ns, const std::string& name,
                             const Mutator& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return NotFoundError(name);
  auto it = g->second.find({ns, name});
  if (it == g->second.end()) return NotFoundError(name);
  JG_ASSIGN_OR_RETURN(json updated, fn(it->second));
  // Identical content (ignoring resourceVersion) is not written. Compared in place with the
  // stored resourceVersion copied over (no copies of the objects).
  if (updated.is_object() && updated.contains("metadata") && updated["metadata"].is_object()) {
    const json& stored_meta = it->second["metadata"];
    if (stored_meta.contains("resourceVersion")) {
      updated["metadata"]["resourceVersion"] = stored_meta["resourceVersion"];
    } else {
      updated["metadata"].erase("resourceVersion");
    }
    if (updated == it->second) return it->second;
  }
  json old = it->second;
  int64_t rv = NextRvLocked();
  SetResourceVersion(updated, rv);
  it->second = updated;
  AppendLocked(StoreEvent{"MODIFIED", gvr, ns, name, rv, updated, old, {}});
  return updated;
}

StatusOr<json> Store::Delete(const std::string& gvr, const std::string& ns, const std::string& name,
                             const std::function<Status(const json&)>& precondition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return NotFoundError(name);
  auto it = g->second.find({ns, name});
  if (it == g->second.end()) return NotFoundError(name);
  if (precondition) JG_RETURN_IF_ERROR(precondition(it->second));
  json old = it->second;
  json last = old;
  int64_t rv = NextRvLocked();
  SetResourceVersion(last, rv);
  g->second.erase(it);
  AppendLocked(StoreEvent{"DELETED", gvr, ns, name, rv, last, old, {}});
  return last;
}

void Store::AppendLocked(StoreEvent e) {
  e.at = clock_.MonotonicNow();
  ++change_counts_[e.gvr];
  for (const auto& s : subs_) s->Push(e);
  log_.push_back(std::move(e));
  PruneLocked();
  if (on_change_) on_change_();
}

void Store::PruneLocked() {
  auto cutoff = clock_.MonotonicNow() - window_;
  while (!log_.empty() && (log_.front().at < cutoff || log_.size() > max_events_)) {
    pruned_through_ = log_.front().rv;
    log_.pop_front();
  }
}

StatusOr<std::shared_ptr<Subscription>> Store::Subscribe(Subscription::Filter filter, int64_t from_rv,
                                                         const std::string& initial_gvr,
                                                         const std::string& initial_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked();
  auto sub = std::make_shared<Subscription>(std::move(filter));
  if (!initial_gvr.empty()) {
    auto g = objects_.find(initial_gvr);
    if (g != objects_.end()) {
      for (const auto& [key, obj] : g->second) {
        if (!initial_ns.empty() && key.first != initial_ns) continue;
        StoreEvent e{"ADDED",
                     initial_gvr,
                     key.first,
                     key.second,
                     ParseResourceVersion(obj["metadata"].value("resourceVersion", "")),
                     obj,
                     nullptr,
                     {}};
        sub->Push(e);
      }
    }
  } else if (from_rv >= 0) {
    if (from_rv < pruned_through_) {
      return OutOfRangeError("too old resource version: " + std::to_string(from_rv) + " (" +
                             std::to_string(pruned_through_) + ")");
    }
    for (const auto& e : log_) {
      if (e.rv > from_rv) sub->Push(e);
    }
  }
  subs_.push_back(sub);
  return sub;
}

void Store::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
  }
  sub->Close();
}

void Store::CloseAllSubscriptions() {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs.swap(subs_);
  }
  for (auto& s : subs) s->Close();
}

json Store::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  json objects = json::array();
  for (const auto& [gvr, bucket] : objects_) {
    for (const auto& [key, obj] : bucket) objects.push_back({{"gvr", gvr}, {"object", obj}});
  }
  return {{"resourceVersion", rv_}, {"objects", objects}};
}

Status Store::Restore(const json& snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    rv_ = snapshot.at("resourceVersion").get<int64_t>();
    objects_.clear();
    for (const auto& entry : snapshot.at("objects")) {
      const json& obj = entry.at("object");
      objects_[entry.at("gvr").get<std::string>()]
              [{obj["metadata"].value("namespace", ""), obj["metadata"].value("name", "")}] = obj;
    }
  } catch (const std::exception& e) {
    return DataLossError(std::string("sandbox state is corrupt: ") + e.what() +
                         "; delete the state directory to start fresh");
  }
  log_.clear();
  for (const auto& [gvr, bucket] : objects_) ++change_counts_[gvr];
  pruned_through_ = rv_;  // history before a restart is gone: older watches get 410
  return OkStatus();
}

void Store::SetOnChange(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  on_change_ = std::move(fn);
}

}  // namespace joinguard::sandbox
