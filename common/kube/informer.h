// Reflector + informer (client-go tools/cache, k8s-api.md §2.4): list (paged), watch from the
// list's resourceVersion, re-watch from the last seen RV on a normal close, re-list on 410 /
// ERROR events, exponential backoff with jitter on failures. A thread-safe store answers reads;
// handlers see every change exactly once per store transition. A re-list replaces the store
// and emits OnAdd/OnUpdate for new/changed objects and OnDelete for objects that vanished, so
// no change is lost across a re-watch or re-list.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/client.h"
#include "common/runtime/backoff.h"

namespace joinguard::kube {

// "<namespace>/<name>" or "<name>" for cluster-scoped objects (MetaNamespaceKeyFunc).
std::string ObjectKey(const Json& object);
std::string ObjectKey(std::string_view ns, std::string_view name);

struct RawEventHandlers {
  std::function<void(const Json& obj)> on_add;
  std::function<void(const Json& old_obj, const Json& new_obj)> on_update;
  std::function<void(const Json& last_known)> on_delete;
};

struct InformerOptions {
  std::string namespace_;      // "" = all namespaces / cluster-scoped
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  // Each watch asks for timeoutSeconds random in [min_watch_timeout, 2*min_watch_timeout).
  std::chrono::seconds min_watch_timeout{300};
  runtime::BackoffOptions backoff;  // 800 ms doubling to 30 s, reset after 2 min
  // Re-deliver every cached object as OnUpdate(old == new) this often; 0 = never.
  std::chrono::milliseconds resync_period{0};
  std::string name = "informer";  // for logs
};

class RawInformer {
 public:
  // `client`, `clock` and `logger` must outlive the informer.
  static StatusOr<std::unique_ptr<RawInformer>> Create(Client& client, const Resource& resource,
                                                       InformerOptions options,
                                                       const runtime::Clock& clock,
                                                       const runtime::Logger& logger,
                                                       std::function<double()> rand01 = {});
  ~RawInformer();  // stops and joins

  // Add before Start(). Handlers run on the informer thread, in order, never concurrently.
  void AddHandlers(RawEventHandlers handlers);

  // Runs the list/watch loop on an owned thread until Stop() or destruction.
  void Start();
  void Stop();
  // Or run it on the caller's thread until `stop` fires.
  void Run(std::stop_token stop);

  // True once the first list has been applied to the store and its handlers delivered.
  bool HasSynced() const;
  // Waits until synced; false on timeout or if stopped.
  bool WaitForSync(std::chrono::steady_clock::time_point deadline) const;

  // Store reads (thread-safe copies).
  std::optional<Json> Get(const std::string& key) const;
  std::vector<Json> List() const;
  std::vector<std::string> Keys() const;
  std::string LastSyncResourceVersion() const;

  // Counters for tests and metrics.
  struct Stats {
    int lists = 0;
    int watches = 0;
    int relists_after_gone = 0;
  };
  Stats GetStats() const;

 private:
  RawInformer(Client& client, const Resource& resource, InformerOptions options,
              const runtime::Clock& clock, const runtime::Logger& logger,
              std::function<double()> rand01);
  Status ListAndReplace(std::stop_token stop);
  Status WatchOnce(std::stop_token stop);
  void ApplyEvent(const WatchEvent& e);
  void Resync();

  Client& client_;
  const Resource resource_;
  const InformerOptions options_;
  const runtime::Clock& clock_;
  const runtime::Logger& logger_;
  std::function<double()> rand01_;
  runtime::Backoff backoff_;

  std::vector<RawEventHandlers> handlers_;  // set before Start, then read-only
  std::mutex handler_mu_;  // serialises handler delivery (events and resync)

  mutable std::mutex mu_;  // guards store_, last_rv_, synced_, stats_
  mutable std::condition_variable synced_cv_;
  std::map<std::string, Json> store_;
  std::string last_rv_;
  bool synced_ = false;
  bool stopped_ = false;
  Stats stats_;

  std::jthread thread_;
};

// Typed view over RawInformer: objects decoded with the codec on every read/handler call.
template <typename T>
class Informer {
 public:
  struct Handlers {
    std::function<void(const T&)> on_add;
    std::function<void(const T& old_obj, const T& new_obj)> on_update;
    std::function<void(const T& last_known)> on_delete;
  };

  static StatusOr<std::unique_ptr<Informer<T>>> Create(Client& client, InformerOptions options,
                                                       const runtime::Clock& clock,
                                                       const runtime::Logger& logger,
                                                       std::function<double()> rand01 = {}) {
    auto raw = RawInformer::Create(client, T::kResource, std::move(options), clock, logger,
                                   std::move(rand01));
    if (!raw.ok()) return raw.status();
    return std::unique_ptr<Informer<T>>(new Informer<T>(std::move(*raw), logger));
  }

  void AddHandlers(Handlers h) {
    const runtime::Logger* log = &logger_;
    RawEventHandlers raw;
    if (h.on_add) raw.on_add = [f = h.on_add, log](const Json& j) {
      auto o = Decode<T>(j);
      if (o.ok()) f(*o); else log->Warning("informer: cannot decode object", {{"error", o.status().ToString()}});
    };
    if (h.on_update) raw.on_update = [f = h.on_update, log](const Json& a, const Json& b) {
      auto oa = Decode<T>(a);
      auto ob = Decode<T>(b);
      if (oa.ok() && ob.ok()) f(*oa, *ob); else log->Warning("informer: cannot decode object");
    };
    if (h.on_delete) raw.on_delete = [f = h.on_delete, log](const Json& j) {
      auto o = Decode<T>(j);
      if (o.ok()) f(*o); else log->Warning("informer: cannot decode object", {{"error", o.status().ToString()}});
    };
    raw_->AddHandlers(std::move(raw));
  }

  void Start() { raw_->Start(); }
  void Stop() { raw_->Stop(); }
  void Run(std::stop_token stop) { raw_->Run(stop); }
  bool HasSynced() const { return raw_->HasSynced(); }
  bool WaitForSync(std::chrono::steady_clock::time_point deadline) const {
    return raw_->WaitForSync(deadline);
  }
  // nullopt when absent (or undecodable).
  std::optional<T> Get(const std::string& key) const {
    auto j = raw_->Get(key);
    if (!j) return std::nullopt;
    auto o = Decode<T>(*j);
    if (!o.ok()) return std::nullopt;
    return std::move(*o);
  }
  std::vector<T> List() const {
    std::vector<T> out;
    for (const Json& j : raw_->List()) {
      auto o = Decode<T>(j);
      if (o.ok()) out.push_back(std::move(*o));
    }
    return out;
  }
  RawInformer& raw() { return *raw_; }

 private:
  Informer(std::unique_ptr<RawInformer> raw, const runtime::Logger& logger)
      : raw_(std::move(raw)), logger_(logger) {}
  std::unique_ptr<RawInformer> raw_;
  const runtime::Logger& logger_;
};

}  // namespace joinguard::kube
