// The sandbox's object store: what etcd + the watch cache are to kube-apiserver. One
// cluster-wide resourceVersion counter; objects keyed by (group/version/resource, namespace,
// name) and kept in key order; a time-bounded event log for watch replay (older → 410).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/runtime/clock.h"
#include "common/status/status.h"

namespace joinguard::sandbox {

// One stored version of an object, immutable once stored: its canonical JSON text (nlohmann's
// dump, keys sorted) is the only copy. GET, LIST, watch events and the state file send these
// bytes as they are, so an object is encoded once per write, not once per reader; the event log
// and every watcher share the same version instead of copying it (the watch cache's
// cachingObject does the same upstream: apiserver pkg/storage/cacher/caching_object.go).
struct StoredObject {
  std::string text;
  int64_t rv = 0;  // metadata.resourceVersion
  nlohmann::json Parse() const { return nlohmann::json::parse(text); }
};
using ObjectRef = std::shared_ptr<const StoredObject>;

struct StoreEvent {
  std::string type;  // ADDED, MODIFIED, DELETED
  std::string gvr, ns, name;
  int64_t rv = 0;
  ObjectRef object;      // new state (last state for DELETED, stamped with the deletion RV)
  ObjectRef old_object;  // previous state for MODIFIED/DELETED; null for ADDED
  runtime::Clock::MonotonicTime at{};
};
using EventRef = std::shared_ptr<const StoreEvent>;

// A queue of store events for one watcher or controller. Thread-safe.
class Subscription {
 public:
  using Filter = std::function<bool(const StoreEvent&)>;
  enum class Result { kEvent, kTimeout, kClosed };
  explicit Subscription(Filter filter) : filter_(std::move(filter)) {}

  // Waits until an event is queued (kEvent, *out filled), `deadline` passes (kTimeout) or the
  // subscription is closed and drained (kClosed). Waiting uses the real steady clock.
  Result Next(EventRef* out, std::chrono::steady_clock::time_point deadline);
  // Non-blocking: true and *out filled when an event is queued.
  bool TryNext(EventRef* out);
  void Close();
  // Wakes a waiter without an event (Next returns kTimeout early); used for re-checks.
  void Kick();

 private:
  friend class Store;
  void Push(const EventRef& e);
  Filter filter_;
  std::mutex mu_;  // guards queue_, closed_, kicked_
  std::condition_variable cv_;
  std::deque<EventRef> queue_;
  bool closed_ = false;
  bool kicked_ = false;
};

class Store {
 public:
  Store(const runtime::Clock& clock, std::chrono::seconds window, int max_events);
  ~Store();

  int64_t rv() const;
  // Number of changes ever made to `gvr` (0 when none): lets callers cache derived views of a
  // few collections (RBAC, bootstrap tokens) while other collections churn.
  int64_t ChangeCount(const std::string& gvr) const;
  // The stored version (nullptr when absent); no decoding.
  ObjectRef GetRef(const std::string& gvr, const std::string& ns, const std::string& name) const;
  bool Contains(const std::string& gvr, const std::string& ns, const std::string& name) const {
    return GetRef(gvr, ns, name) != nullptr;
  }
  // The object decoded (a copy the caller owns).
  std::optional<nlohmann::json> Get(const std::string& gvr, const std::string& ns,
                                    const std::string& name) const;
  struct ListResult {
    std::vector<nlohmann::json> items;  // key order (namespace, name)
    int64_t rv = 0;
  };
  // ns "" = all namespaces (or a cluster-scoped resource). `after_key` ("ns/name") skips keys
  // up to and including it (continue tokens). Decodes every item: for the few small collections
  // the server reads itself (RBAC, token Secrets); requests use ListRefs.
  ListResult List(const std::string& gvr, const std::string& ns, const std::string& after_key = "") const;
  struct RefList {
    std::vector<ObjectRef> items;  // key order (namespace, name)
    std::string last_key;          // "ns/name" of the last item ("" when none)
    int64_t remaining = 0;         // objects after the returned ones (with a limit)
    int64_t rv = 0;
  };
  // As List, without decoding, at most `limit` items (0 = all). A page copies only its own
  // references (the rest are only counted, for remainingItemCount).
  RefList ListRefs(const std::string& gvr, const std::string& ns, const std::string& after_key = "",
                   int64_t limit = 0) const;
  // Stores a new object (metadata.name set; uid/creationTimestamp filled by the caller) and
  // stamps it with the next resourceVersion. kAlreadyExists when the key is taken.
  StatusOr<ObjectRef> Create(const std::string& gvr, nlohmann::json obj);
  // Read-modify-write: `fn(current)` returns the new object or an error. `fn` runs outside the
  // store lock and runs again when another write changed the object in between (optimistic
  // concurrency, as GuaranteedUpdate), so it must not have side effects. kNotFound when absent.
  // A result equal to the current object (ignoring resourceVersion) is not stored: no RV bump
  // and no event, as etcd3's identical-bytes short-circuit.
  using Mutator = std::function<StatusOr<nlohmann::json>(const nlohmann::json& current)>;
  StatusOr<ObjectRef> Update(const std::string& gvr, const std::string& ns, const std::string& name,
                             const Mutator& fn);
  // Compare-and-swap for writers that read the object through GetRef/ListRefs and only ever
  // write a real change (the sandbox's controllers): stores `updated` as the next version if
  // `expected` is still the stored version, without decoding it again; kAborted (nothing
  // written) when another write came first or the object is gone.
  StatusOr<ObjectRef> Replace(const std::string& gvr, const std::string& ns, const std::string& name,
                              const ObjectRef& expected, nlohmann::json updated);
  // Deletes after `precondition(current)` passes. Returns the last state stamped with the
  // deletion RV. kNotFound when absent.
  StatusOr<ObjectRef> Delete(const std::string& gvr, const std::string& ns, const std::string& name,
                             const std::function<Status(const nlohmann::json&)>& precondition = {});

  // Subscribes atomically with the replay: from_rv < 0 → only future events; otherwise retained
  // events with rv > from_rv are queued first. `initial_gvr` non-empty → synthetic ADDED events
  // for the current objects of that gvr (namespace `initial_ns`, "" = all) are queued first
  // (watch from RV ""/"0"). kOutOfRange with `too old resource version: N (M)` when events after
  // from_rv were already dropped from the log (M = newest dropped RV).
  StatusOr<std::shared_ptr<Subscription>> Subscribe(Subscription::Filter filter, int64_t from_rv,
                                                    const std::string& initial_gvr = "",
                                                    const std::string& initial_ns = "");
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  void CloseAllSubscriptions();

  // Persistence: the whole state as JSON text ({"resourceVersion":N,"objects":[{"gvr","object"}]})
  // and back. The store lock is held only to collect the stored versions, not to encode them.
  std::string Snapshot() const;
  Status Restore(const nlohmann::json& snapshot);
  // Called (under the store lock: keep it cheap) after every change.
  void SetOnChange(std::function<void()> fn);

 private:
  using Key = std::pair<std::string, std::string>;  // (ns, name)
  using Bucket = std::map<Key, ObjectRef>;
  void AppendLocked(StoreEvent e);
  // The commit step of Update and Replace, under mu_: stores `updated` as the next version of the
  // object if `expected` is still its stored version. `stored` is empty when nothing was
  // written: the object is gone (`gone`) or another write came first.
  struct Swap {
    ObjectRef stored;
    bool gone = false;
  };
  Swap SwapLocked(const std::string& gvr, const std::string& ns, const std::string& name,
                  const ObjectRef& expected, nlohmann::json& updated);
  void PruneLocked();
  int64_t NextRvLocked() { return ++rv_; }

  const runtime::Clock& clock_;
  const std::chrono::seconds window_;
  const size_t max_events_;
  mutable std::mutex mu_;  // guards everything below
  int64_t rv_ = 0;
  std::map<std::string, Bucket> objects_;  // gvr → key → object
  std::deque<EventRef> log_;
  int64_t pruned_through_ = 0;  // newest RV no longer in log_
  std::vector<std::shared_ptr<Subscription>> subs_;
  std::map<std::string, int64_t> change_counts_;  // gvr → changes
  std::function<void()> on_change_;
};

// Sets metadata.resourceVersion (as the opaque string the API shows).
void SetResourceVersion(nlohmann::json& obj, int64_t rv);
int64_t ParseResourceVersion(const std::string& rv);  // -1 when not a number

}  // namespace joinguard::sandbox
