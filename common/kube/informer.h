// Reflector + typed, indexed store (client-go tools/cache: reflector.go, store.go,
// thread_safe_store.go, index.go).
//
// The reflector lists (paged), watches from the list's resourceVersion, re-watches from the last
// seen RV on a normal close, re-lists on 410 / errors with exponential backoff and jitter.
// Each object is decoded with the codec ONCE per watch event (or list item) and stored as a
// shared_ptr<const T>: reads hand out that pointer and never copy or decode. An optional derive
// function computes a companion value from each object version (the controller keeps a CSR's
// parsed request there), and indexers (cache.Indexer semantics: an index function maps an
// object to zero or more values) may use it; both run once per object version, when the
// version enters the store, never per read.
//
// Handlers see every change exactly once per store transition. A re-list replaces the store
// and emits OnAdd/OnUpdate for new/changed objects and OnDelete for objects that vanished, so no
// change is lost across a re-watch or re-list.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/kube/client.h"
#include "common/runtime/backoff.h"

namespace joinguard::kube {

// "<namespace>/<name>" or "<name>" for cluster-scoped objects (MetaNamespaceKeyFunc).
std::string ObjectKey(std::string_view ns, std::string_view name);
template <typename T>
std::string ObjectKey(const T& o) {
  return ObjectKey(o.metadata.namespace_, o.metadata.name);
}

struct InformerOptions {
  std::string namespace_;  // "" = all namespaces / cluster-scoped
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  // Each watch asks for timeoutSeconds random in [min_watch_timeout, 2*min_watch_timeout).
  std::chrono::seconds min_watch_timeout{300};
  runtime::BackoffOptions backoff;  // 800 ms doubling to 30 s, reset after 2 min
  // Re-deliver every cached object as OnUpdate(old == new) this often; 0 = never.
  std::chrono::milliseconds resync_period{0};
  // Keep each object's original JSON (`raw`) in the store. Off by default: the store is read
  // only, and `raw` (managedFields, unmodelled fields) is most of an object's memory. Writers
  // that need unknown fields to survive a read-modify-write re-read the object live.
  bool keep_raw = false;
  std::string name = "informer";  // for logs
};

struct InformerStats {
  int lists = 0;
  int watches = 0;
  int relists_after_gone = 0;
  int undecodable = 0;  // objects the codec refused (treated as absent, logged)
};

// Where the reflector puts what it reads. Implemented by Informer<T>.
class ReflectorStore {
 public:
  virtual ~ReflectorStore() = default;
  // A re-list, one page at a time, so that only one page's JSON is alive at once (a 10,000-CSR
  // list as one JSON document is over 100 MiB): BeginReplace, AddListPage per page (decodes its
  // items into a staging area; an error abandons the re-list), then CommitReplace swaps the
  // staged objects in and delivers the changes.
  virtual void BeginReplace() = 0;
  virtual Status AddListPage(const Json& page) = 0;
  virtual void CommitReplace() = 0;
  // Applies one ADDED/MODIFIED/DELETED event; returns the object's resourceVersion.
  virtual std::string Apply(WatchEventType type, const Json& object) = 0;
  // Re-delivers every object as OnUpdate(old == new).
  virtual void Resync() = 0;
};

// The list/watch loop (client-go reflector.go). Not a template: the typed store does decoding.
class Reflector {
 public:
  Reflector(Client& client, const Resource& resource, InformerOptions options, const runtime::Clock& clock,
            const runtime::Logger& logger, std::function<double()> rand01, ReflectorStore& store);
  ~Reflector();  // stops and joins

  void Start();
  void Stop();
  void Run(std::stop_token stop);

  bool HasSynced() const;
  bool WaitForSync(std::chrono::steady_clock::time_point deadline) const;
  std::string LastSyncResourceVersion() const;
  InformerStats GetStats() const;
  void CountUndecodable();

 private:
  Status ListAndReplace(std::stop_token stop);
  Status WatchOnce(std::stop_token stop);

  Client& client_;
  const Resource resource_;
  const InformerOptions options_;
  const runtime::Clock& clock_;
  const runtime::Logger& logger_;
  std::function<double()> rand01_;
  runtime::Backoff backoff_;
  ReflectorStore& store_;

  mutable std::mutex mu_;  // guards last_rv_, synced_, stopped_, stats_
  mutable std::condition_variable synced_cv_;
  std::string last_rv_;
  bool synced_ = false;
  bool stopped_ = false;
  InformerStats stats_;

  std::jthread thread_;
};

// The companion type of an informer without a derive function.
struct NoDerived {};

// A typed informer: reflector + thread-safe store of decoded objects (each with an optional
// value derived from it) + indexers.
template <typename T, typename Derived = NoDerived>
class Informer final : public ReflectorStore {
 public:
  using Ptr = std::shared_ptr<const T>;
  using DerivedPtr = std::shared_ptr<const Derived>;
  // One object version and the value derived from exactly that version (null without a derive
  // function), read together under one lock.
  struct Item {
    Ptr obj;
    DerivedPtr derived;
  };
  // Maps an object to its index values (client-go cache.IndexFunc). Runs on the informer thread
  // when a version enters the store and again when it leaves (the values are not kept: a
  // per-entry copy of every key was about 0.2 KiB per cached CSR), so it must be deterministic
  // (the same values for the same object and derived value), thread-safe, and must not call
  // back into the store.
  using IndexFunc = std::function<std::vector<std::string>(const T&)>;
  // The same over the object and its derived value (null when the derive function gave none).
  using DerivedIndexFunc = std::function<std::vector<std::string>(const T&, const Derived*)>;
  // Computes an object version's companion value, once, when the version enters the store
  // (before the indexers). `previous` is the version it replaces under the same key (null for
  // a new key), so that work depending only on fields that did not change can be reused; the
  // function decides what "did not change" means. Runs on the informer thread; must not call
  // back into the store.
  using DeriveFunc = std::function<DerivedPtr(const T& obj, const Item* previous)>;
  // Trims an object version before it is stored (client-go SharedIndexInformer.SetTransform,
  // k8s.io/client-go/tools/cache/shared_informer.go, there used to drop managedFields): runs
  // after the derive function, which sees the whole decoded object, and before the indexers
  // and handlers, which see the trimmed one. It may only drop what no reader of the store
  // needs. Runs on the informer thread; must not call back into the store.
  using TransformFunc = std::function<void(T& obj, const Derived* derived)>;

  struct Handlers {
    std::function<void(const T&)> on_add;
    std::function<void(const T& old_obj, const T& new_obj)> on_update;
    std::function<void(const T& last_known)> on_delete;
  };

  // `client`, `clock` and `logger` must outlive the informer.
  static StatusOr<std::unique_ptr<Informer>> Create(Client& client, InformerOptions options,
                                                    const runtime::Clock& clock,
                                                    const runtime::Logger& logger,
                                                    std::function<double()> rand01 = {}) {
    if (options.page_size <= 0) return InvalidArgumentError("informer: page_size must be > 0");
    if (options.min_watch_timeout.count() <= 0) {
      return InvalidArgumentError("informer: min_watch_timeout must be > 0");
    }
    return std::unique_ptr<Informer>(
        new Informer(client, std::move(options), clock, logger, std::move(rand01)));
  }
  ~Informer() override { reflector_.Stop(); }

  // Add before Start(). Handlers run on the informer thread, in order, never concurrently.
  void AddHandlers(Handlers h) { handlers_.push_back(std::move(h)); }
  // Add before Start(). kInvalidArgument for a duplicate name.
  Status AddIndexer(std::string name, IndexFunc fn) {
    return AddIndexer(std::move(name),
                      DerivedIndexFunc([fn = std::move(fn)](const T& o, const Derived*) { return fn(o); }));
  }
  Status AddIndexer(std::string name, DerivedIndexFunc fn) {
    if (indexers_.count(name))
      return InvalidArgumentError("informer: indexer \"" + name + "\" already exists");
    indexers_.emplace(name, std::move(fn));
    indices_[name];
    return OkStatus();
  }
  // Set before Start (and before the first list).
  void SetDeriveFunc(DeriveFunc fn) { derive_ = std::move(fn); }
  // Set before Start (and before the first list).
  void SetTransformFunc(TransformFunc fn) { transform_ = std::move(fn); }

  void Start() { reflector_.Start(); }
  void Stop() { reflector_.Stop(); }
  void Run(std::stop_token stop) { reflector_.Run(stop); }
  // True once the first list has been applied to the store and its handlers delivered.
  bool HasSynced() const { return reflector_.HasSynced(); }
  // Waits until synced; false on timeout or if stopped.
  bool WaitForSync(std::chrono::steady_clock::time_point deadline) const {
    return reflector_.WaitForSync(deadline);
  }
  std::string LastSyncResourceVersion() const { return reflector_.LastSyncResourceVersion(); }
  InformerStats GetStats() const { return reflector_.GetStats(); }

  // ---- Store reads: thread-safe, no copies of objects. ----
  Ptr Get(const std::string& key) const { return GetItem(key).obj; }
  // The object and its derived value; both null when the key is not in the store.
  Item GetItem(const std::string& key) const {
    std::shared_lock<std::shared_mutex> l(mu_);
    auto it = items_.find(key);
    return it == items_.end() ? Item{} : Item{it->second.obj, it->second.derived};
  }
  std::vector<Ptr> List() const {
    std::shared_lock<std::shared_mutex> l(mu_);
    std::vector<Ptr> out;
    out.reserve(items_.size());
    for (const auto& [k, e] : items_) out.push_back(e.obj);
    return out;
  }
  std::vector<std::string> Keys() const {
    std::shared_lock<std::shared_mutex> l(mu_);
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const auto& [k, e] : items_) out.push_back(k);
    return out;
  }
  size_t Size() const {
    std::shared_lock<std::shared_mutex> l(mu_);
    return items_.size();
  }
  // Objects whose index function returned `value` (client-go Indexer.ByIndex). Unknown index
  // → empty.
  std::vector<Ptr> ByIndex(const std::string& index, const std::string& value) const {
    std::shared_lock<std::shared_mutex> l(mu_);
    std::vector<Ptr> out;
    auto idx = indices_.find(index);
    if (idx == indices_.end()) return out;
    auto keys = idx->second.find(value);
    if (keys == idx->second.end()) return out;
    out.reserve(keys->second.size());
    for (const std::string& k : keys->second) {
      auto it = items_.find(k);
      if (it != items_.end()) out.push_back(it->second.obj);
    }
    return out;
  }
  // Number of objects under `value` in `index`, without building a list.
  size_t CountByIndex(const std::string& index, const std::string& value) const {
    std::shared_lock<std::shared_mutex> l(mu_);
    auto idx = indices_.find(index);
    if (idx == indices_.end()) return 0;
    auto keys = idx->second.find(value);
    return keys == idx->second.end() ? 0 : keys->second.size();
  }

  // ---- ReflectorStore (called on the informer thread only). ----
  void BeginReplace() override { staged_.clear(); }

  Status AddListPage(const Json& page) override {
    StatusOr<ObjectList<T>> decoded = DecodeList<T>(page);
    if (!decoded.ok()) {
      reflector_.CountUndecodable();
      staged_.clear();
      return decoded.status().Annotate("decoding the list");
    }
    for (T& item : decoded->items) {
      std::string key = ObjectKey(item);
      Entry e = MakeEntry(std::move(item), Previous(key));
      staged_[std::move(key)] = std::move(e);
    }
    return OkStatus();
  }

  void CommitReplace() override {
    std::map<std::string, Entry> fresh = std::move(staged_);
    staged_.clear();
    std::vector<Note> notes;
    {
      std::unique_lock<std::shared_mutex> l(mu_);
      for (const auto& [key, e] : fresh) {
        auto it = items_.find(key);
        if (it == items_.end()) {
          notes.push_back({NoteKind::kAdd, nullptr, e.obj});
        } else if (it->second.obj->metadata.resource_version != e.obj->metadata.resource_version) {
          notes.push_back({NoteKind::kUpdate, it->second.obj, e.obj});
        }
      }
      for (const auto& [key, e] : items_) {
        if (!fresh.count(key)) notes.push_back({NoteKind::kDelete, nullptr, e.obj});
      }
      items_ = std::move(fresh);
      for (auto& [name, idx] : indices_) idx.clear();
      for (const auto& [key, e] : items_) IndexLocked(key, IndexValues(e));
    }
    Deliver(notes);
  }

  std::string Apply(WatchEventType type, const Json& object) override {
    StatusOr<T> decoded = Decode<T>(object);
    std::vector<Note> notes;
    if (!decoded.ok()) {
      // Treated as absent: a reader never sees a half-understood object.
      reflector_.CountUndecodable();
      logger_.Warning("informer: cannot decode object; treating it as absent",
                      {{"informer", options_name_}, {"error", decoded.status().ToString()}});
      ObjectMeta m = MetaOf(object);
      Remove(ObjectKey(m.namespace_, m.name), &notes);
      Deliver(notes);
      return m.resource_version;
    }
    std::string key = ObjectKey(*decoded);
    std::string rv = decoded->metadata.resource_version;
    if (type == WatchEventType::kDeleted) {
      Ptr last = std::make_shared<const T>(std::move(*decoded));
      {
        std::unique_lock<std::shared_mutex> l(mu_);
        auto it = items_.find(key);
        if (it != items_.end()) {
          UnindexLocked(key, it->second);
          items_.erase(it);
        }
      }
      notes.push_back({NoteKind::kDelete, nullptr, std::move(last)});
    } else {
      Entry e = MakeEntry(std::move(*decoded), Previous(key));
      Ptr obj = e.obj;
      const std::vector<std::vector<std::string>> values = IndexValues(e);
      {
        std::unique_lock<std::shared_mutex> l(mu_);
        auto it = items_.find(key);
        if (it == items_.end()) {
          notes.push_back({NoteKind::kAdd, nullptr, obj});
          IndexLocked(key, values);
          items_.emplace(key, std::move(e));
        } else {
          notes.push_back({NoteKind::kUpdate, it->second.obj, obj});
          UnindexLocked(key, it->second);
          IndexLocked(key, values);
          it->second = std::move(e);
        }
      }
    }
    Deliver(notes);
    return rv;
  }

  void Resync() override {
    std::vector<Note> notes;
    {
      std::shared_lock<std::shared_mutex> l(mu_);
      for (const auto& [k, e] : items_) notes.push_back({NoteKind::kUpdate, e.obj, e.obj});
    }
    Deliver(notes);
  }

 private:
  enum class NoteKind { kAdd, kUpdate, kDelete };
  struct Note {
    NoteKind kind;
    Ptr old_obj;
    Ptr obj;
  };
  struct Entry {
    Ptr obj;
    DerivedPtr derived;  // derive_(*obj), or null
  };

  Informer(Client& client, InformerOptions options, const runtime::Clock& clock,
           const runtime::Logger& logger, std::function<double()> rand01)
      : keep_raw_(options.keep_raw),
        options_name_(options.name),
        logger_(logger),
        reflector_(client, T::kResource, std::move(options), clock, logger, std::move(rand01), *this) {}

  // The stored version under `key`, for the derive function (informer thread: the only writer).
  std::optional<Item> Previous(const std::string& key) const {
    if (!derive_) return std::nullopt;
    Item item = GetItem(key);
    if (!item.obj) return std::nullopt;
    return item;
  }
  Entry MakeEntry(T&& obj, const std::optional<Item>& previous) {
    if (!keep_raw_) obj.raw = Json();
    Entry e;
    if (derive_) e.derived = derive_(obj, previous ? &*previous : nullptr);
    if (transform_) transform_(obj, e.derived.get());
    e.obj = std::make_shared<const T>(std::move(obj));
    return e;
  }
  // The entry's values for every index, parallel to indexers_ (and indices_: same map order).
  std::vector<std::vector<std::string>> IndexValues(const Entry& e) const {
    std::vector<std::vector<std::string>> out;
    out.reserve(indexers_.size());
    for (const auto& [name, fn] : indexers_) out.push_back(fn(*e.obj, e.derived.get()));
    return out;
  }
  void IndexLocked(const std::string& key, const std::vector<std::vector<std::string>>& values) {
    size_t i = 0;
    for (auto& [name, idx] : indices_) {
      for (const std::string& v : values[i]) idx[v].insert(key);
      ++i;
    }
  }
  // Recomputes what `e` was indexed under (index functions are deterministic).
  void UnindexLocked(const std::string& key, const Entry& e) {
    const std::vector<std::vector<std::string>> values = IndexValues(e);
    size_t i = 0;
    for (auto& [name, idx] : indices_) {
      for (const std::string& v : values[i]) {
        auto it = idx.find(v);
        if (it == idx.end()) continue;
        it->second.erase(key);
        if (it->second.empty()) idx.erase(it);
      }
      ++i;
    }
  }
  void Remove(const std::string& key, std::vector<Note>* notes) {
    std::unique_lock<std::shared_mutex> l(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) return;
    notes->push_back({NoteKind::kDelete, nullptr, it->second.obj});
    UnindexLocked(key, it->second);
    items_.erase(it);
  }
  void Deliver(const std::vector<Note>& notes) {
    std::lock_guard<std::mutex> hl(handler_mu_);
    for (const Note& n : notes) {
      for (const Handlers& h : handlers_) {
        switch (n.kind) {
          case NoteKind::kAdd:
            if (h.on_add) h.on_add(*n.obj);
            break;
          case NoteKind::kUpdate:
            if (h.on_update) h.on_update(*n.old_obj, *n.obj);
            break;
          case NoteKind::kDelete:
            if (h.on_delete) h.on_delete(*n.obj);
            break;
        }
      }
    }
  }

  const bool keep_raw_;
  const std::string options_name_;
  const runtime::Logger& logger_;
  std::vector<Handlers> handlers_;                    // set before Start, then read-only
  std::map<std::string, DerivedIndexFunc> indexers_;  // set before Start, then read-only
  DeriveFunc derive_;                                 // set before Start, then read-only
  TransformFunc transform_;                           // set before Start, then read-only
  std::mutex handler_mu_;                             // serialises handler delivery

  std::map<std::string, Entry> staged_;  // a re-list in progress (informer thread only)
  mutable std::shared_mutex mu_;         // guards items_ and indices_
  std::map<std::string, Entry> items_;
  // index name → index value → keys. The outer map's key set is fixed before Start.
  std::map<std::string, std::unordered_map<std::string, std::set<std::string>>> indices_;

  Reflector reflector_;  // last: it runs against the members above
};

}  // namespace joinguard::kube
