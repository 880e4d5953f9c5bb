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

namespace {

// Encodes `obj` once, stamped with `rv`: the stored version every reader shares.
ObjectRef Encode(json& obj, int64_t rv) {
  SetResourceVersion(obj, rv);
  auto stored = std::make_shared<StoredObject>();
  stored->text = obj.dump();
  stored->rv = rv;
  return stored;
}

// A continue key "ns/name" as a map key (names and namespaces never contain '/').
std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {key, ""};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

Subscription::Result Subscription::Next(EventRef* out, std::chrono::steady_clock::time_point deadline) {
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

bool Subscription::TryNext(EventRef* out) {
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

void Subscription::Push(const EventRef& e) {
  if (filter_ && !filter_(*e)) return;
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    wake = queue_.empty();  // a non-empty queue already has its waiter woken
    queue_.push_back(e);
  }
  if (wake) cv_.notify_all();
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

ObjectRef Store::GetRef(const std::string& gvr, const std::string& ns, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return nullptr;
  auto it = g->second.find({ns, name});
  if (it == g->second.end()) return nullptr;
  return it->second;
}

std::optional<json> Store::Get(const std::string& gvr, const std::string& ns, const std::string& name) const {
  ObjectRef ref = GetRef(gvr, ns, name);
  if (!ref) return std::nullopt;
  return ref->Parse();
}

Store::ListResult Store::List(const std::string& gvr, const std::string& ns,
                              const std::string& after_key) const {
  RefList refs = ListRefs(gvr, ns, after_key);
  ListResult out;
  out.rv = refs.rv;
  out.items.reserve(refs.items.size());
  for (const auto& ref : refs.items) out.items.push_back(ref->Parse());
  return out;
}

Store::RefList Store::ListRefs(const std::string& gvr, const std::string& ns, const std::string& after_key,
                               int64_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  RefList out;
  out.rv = rv_;
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return out;
  const Bucket& bucket = g->second;
  auto it = after_key.empty() ? bucket.lower_bound({ns, ""}) : bucket.upper_bound(SplitKey(after_key));
  if (!ns.empty() && it != bucket.end() && it->first.first < ns) it = bucket.lower_bound({ns, ""});
  for (; it != bucket.end(); ++it) {
    if (!ns.empty() && it->first.first != ns) break;
    if (limit > 0 && static_cast<int64_t>(out.items.size()) >= limit) {
      ++out.remaining;
      continue;
    }
    out.items.push_back(it->second);
    out.last_key = it->first.first + "/" + it->first.second;
  }
  return out;
}

// Each write encodes the new version before it changes anything, so an object that cannot be
// encoded (json::type_error for invalid UTF-8) leaves the store as it was.
StatusOr<ObjectRef> Store::Create(const std::string& gvr, json obj) {
  std::string ns = obj["metadata"].value("namespace", "");
  std::string name = obj["metadata"].value("name", "");
  std::lock_guard<std::mutex> lock(mu_);
  auto& bucket = objects_[gvr];
  if (bucket.count({ns, name})) return AlreadyExistsError(name);
  ObjectRef stored = Encode(obj, rv_ + 1);
  int64_t rv = NextRvLocked();
  bucket.emplace(Key{ns, name}, stored);
  AppendLocked(StoreEvent{"ADDED", gvr, std::move(ns), std::move(name), rv, stored, nullptr, {}});
  return stored;
}

StatusOr<ObjectRef> Store::Update(const std::string& gvr, const std::string& ns, const std::string& name,
                                  const Mutator& fn) {
  // Optimistic concurrency, as the apiserver's GuaranteedUpdate over etcd (apiserver
  // pkg/storage/etcd3/store.go): decode and mutate outside the lock, then commit only if the
  // object is still the version that was read; otherwise run `fn` again on the newer version.
  // The lock is held for the compare, the encode and the swap only, so a write's validation
  // (a CSR's checks) no longer blocks every other request.
  while (true) {
    const ObjectRef old = GetRef(gvr, ns, name);
    if (!old) return NotFoundError(name);
    const json current = old->Parse();
    JG_ASSIGN_OR_RETURN(json updated, fn(current));
    // Identical content (ignoring resourceVersion) is not written: compared with the stored
    // resourceVersion copied over.
    if (updated.is_object() && updated.contains("metadata") && updated["metadata"].is_object()) {
      const json& stored_meta = current["metadata"];
      if (stored_meta.contains("resourceVersion")) {
        updated["metadata"]["resourceVersion"] = stored_meta["resourceVersion"];
      } else {
        updated["metadata"].erase("resourceVersion");
      }
      if (updated == current) return old;
    }
    std::lock_guard<std::mutex> lock(mu_);
    Swap swap = SwapLocked(gvr, ns, name, old, updated);
    if (swap.stored) return swap.stored;
    if (swap.gone) return NotFoundError(name);
    // Written meanwhile: decide again on the newer version.
  }
}

StatusOr<ObjectRef> Store::Replace(const std::string& gvr, const std::string& ns, const std::string& name,
                                   const ObjectRef& expected, json updated) {
  std::lock_guard<std::mutex> lock(mu_);
  Swap swap = SwapLocked(gvr, ns, name, expected, updated);
  if (swap.stored) return swap.stored;
  return AbortedError(name + (swap.gone ? " is gone" : " changed since it was read"));
}

Store::Swap Store::SwapLocked(const std::string& gvr, const std::string& ns, const std::string& name,
                              const ObjectRef& expected, json& updated) {
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return {nullptr, true};
  auto it = g->second.find({ns, name});
  if (it == g->second.end()) return {nullptr, true};
  if (it->second != expected) return {};
  ObjectRef stored = Encode(updated, rv_ + 1);
  int64_t rv = NextRvLocked();
  it->second = stored;
  AppendLocked(StoreEvent{"MODIFIED", gvr, ns, name, rv, std::move(stored), expected, {}});
  return {it->second};
}

StatusOr<ObjectRef> Store::Delete(const std::string& gvr, const std::string& ns, const std::string& name,
                                  const std::function<Status(const json&)>& precondition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = objects_.find(gvr);
  if (g == objects_.end()) return NotFoundError(name);
  auto it = g->second.find({ns, name});
  if (it == g->second.end()) return NotFoundError(name);
  json last = it->second->Parse();
  if (precondition) JG_RETURN_IF_ERROR(precondition(last));
  const ObjectRef old = it->second;
  ObjectRef stamped = Encode(last, rv_ + 1);
  int64_t rv = NextRvLocked();
  g->second.erase(it);
  AppendLocked(StoreEvent{"DELETED", gvr, ns, name, rv, stamped, old, {}});
  return stamped;
}

void Store::AppendLocked(StoreEvent e) {
  e.at = clock_.MonotonicNow();
  ++change_counts_[e.gvr];
  auto shared = std::make_shared<const StoreEvent>(std::move(e));
  for (const auto& s : subs_) s->Push(shared);
  log_.push_back(std::move(shared));
  PruneLocked();
  if (on_change_) on_change_();
}

void Store::PruneLocked() {
  auto cutoff = clock_.MonotonicNow() - window_;
  while (!log_.empty() && (log_.front()->at < cutoff || log_.size() > max_events_)) {
    pruned_through_ = log_.front()->rv;
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
        sub->Push(std::make_shared<const StoreEvent>(
            StoreEvent{"ADDED", initial_gvr, key.first, key.second, obj->rv, obj, nullptr, {}}));
      }
    }
  } else if (from_rv >= 0) {
    if (from_rv < pruned_through_) {
      return OutOfRangeError("too old resource version: " + std::to_string(from_rv) + " (" +
                             std::to_string(pruned_through_) + ")");
    }
    // The log is in RV order: start at the first event after from_rv.
    auto first = std::upper_bound(log_.begin(), log_.end(), from_rv,
                                  [](int64_t rv, const EventRef& e) { return rv < e->rv; });
    for (auto it = first; it != log_.end(); ++it) sub->Push(*it);
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

std::string Store::Snapshot() const {
  std::vector<std::pair<std::string, std::vector<ObjectRef>>> buckets;
  int64_t rv = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rv = rv_;
    for (const auto& [gvr, bucket] : objects_) {
      auto& [name, refs] = buckets.emplace_back(gvr, std::vector<ObjectRef>{});
      refs.reserve(bucket.size());
      for (const auto& [key, obj] : bucket) refs.push_back(obj);
    }
  }
  // The same document Restore reads: {"objects":[{"gvr":..,"object":..}],"resourceVersion":N}.
  size_t size = 64;
  for (const auto& [gvr, refs] : buckets) {
    for (const auto& r : refs) size += r->text.size() + gvr.size() + 32;
  }
  std::string out;
  out.reserve(size);
  out += "{\"objects\":[";
  bool first = true;
  for (const auto& [gvr, refs] : buckets) {
    const std::string prefix = "{\"gvr\":" + json(gvr).dump() + ",\"object\":";
    for (const auto& r : refs) {
      if (!first) out += ',';
      first = false;
      out += prefix;
      out += r->text;
      out += '}';
    }
  }
  out += "],\"resourceVersion\":" + std::to_string(rv) + "}";
  return out;
}

Status Store::Restore(const json& snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    rv_ = snapshot.at("resourceVersion").get<int64_t>();
    objects_.clear();
    for (const auto& entry : snapshot.at("objects")) {
      const json& obj = entry.at("object");
      auto stored = std::make_shared<StoredObject>();
      stored->text = obj.dump();
      stored->rv = ParseResourceVersion(obj["metadata"].value("resourceVersion", ""));
      objects_[entry.at("gvr").get<std::string>()][{obj["metadata"].value("namespace", ""),
                                                    obj["metadata"].value("name", "")}] = std::move(stored);
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
