#include "common/kube/informer.h"

#include "common/runtime/stop.h"

namespace joinguard::kube {
namespace {

std::string RvOf(const Json& obj) {
  if (!obj.is_object()) return "";
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto rv = m->find("resourceVersion");
  return rv != m->end() && rv->is_string() ? rv->get<std::string>() : "";
}

struct Notification {
  enum Kind { kAdd, kUpdate, kDelete } kind;
  Json old_obj;
  Json obj;
};

}  // namespace

std::string ObjectKey(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  return std::string(ns) + "/" + std::string(name);
}

std::string ObjectKey(const Json& object) {
  ObjectMeta m = MetaOf(object);
  return ObjectKey(m.namespace_, m.name);
}

StatusOr<std::unique_ptr<RawInformer>> RawInformer::Create(Client& client, const Resource& resource,
                                                           InformerOptions options,
                                                           const runtime::Clock& clock,
                                                           const runtime::Logger& logger,
                                                           std::function<double()> rand01) {
  if (options.page_size <= 0) return InvalidArgumentError("informer: page_size must be > 0");
  if (options.min_watch_timeout.count() <= 0) {
    return InvalidArgumentError("informer: min_watch_timeout must be > 0");
  }
  return std::unique_ptr<RawInformer>(
      new RawInformer(client, resource, std::move(options), clock, logger, std::move(rand01)));
}

RawInformer::RawInformer(Client& client, const Resource& resource, InformerOptions options,
                         const runtime::Clock& clock, const runtime::Logger& logger,
                         std::function<double()> rand01)
    : client_(client),
      resource_(resource),
      options_(std::move(options)),
      clock_(clock),
      logger_(logger),
      rand01_(rand01 ? std::move(rand01) : runtime::DefaultRand01()),
      backoff_(options_.backoff, clock_, rand01_) {}

RawInformer::~RawInformer() { Stop(); }

void RawInformer::AddHandlers(RawEventHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void RawInformer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token st) { Run(st); });
}

void RawInformer::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

bool RawInformer::HasSynced() const {
  std::lock_guard<std::mutex> l(mu_);
  return synced_;
}

bool RawInformer::WaitForSync(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> l(mu_);
  synced_cv_.wait_until(l, deadline, [this] { return synced_ || stopped_; });
  return synced_;
}

std::optional<Json> RawInformer::Get(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = store_.find(key);
  if (it == store_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> RawInformer::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> out;
  out.reserve(store_.size());
  for (const auto& [k, v] : store_) out.push_back(v);
  return out;
}

std::vector<std::string> RawInformer::Keys() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : store_) out.push_back(k);
  return out;
}

std::string RawInformer::LastSyncResourceVersion() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_rv_;
}

RawInformer::Stats RawInformer::GetStats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

namespace {
void Deliver(const std::vector<RawEventHandlers>& handlers, const std::vector<Notification>& ns) {
  for (const auto& n : ns) {
    for (const auto& h : handlers) {
      switch (n.kind) {
        case Notification::kAdd:
          if (h.on_add) h.on_add(n.obj);
          break;
        case Notification::kUpdate:
          if (h.on_update) h.on_update(n.old_obj, n.obj);
          break;
        case Notification::kDelete:
          if (h.on_delete) h.on_delete(n.obj);
          break;
      }
    }
  }
}
}  // namespace

Status RawInformer::ListAndReplace(std::stop_token stop) {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  lo.limit = options_.page_size;
  // A consistent (quorum) read, paged. client-go's first list uses RV "0" (watch cache) for
  // speed; a consistent list is never older than what we already saw, which keeps the
  // "no lost events" argument simple.
  {
    std::lock_guard<std::mutex> l(mu_);
    ++stats_.lists;
  }
  if (stop.stop_requested()) return CancelledError("informer stopped");
  JG_ASSIGN_OR_RETURN(Json list, client_.ListAllRaw(resource_, options_.namespace_, lo));
  std::map<std::string, Json> fresh;
  for (auto& item : list["items"]) {
    // List items carry no apiVersion/kind; add them so handlers see whole objects.
    if (!item.contains("apiVersion")) item["apiVersion"] = resource_.ApiVersion();
    if (!item.contains("kind")) item["kind"] = std::string(resource_.kind);
    std::string key = ObjectKey(item);
    fresh[key] = std::move(item);
  }
  std::string rv;
  if (list.contains("metadata") && list["metadata"].contains("resourceVersion")) {
    rv = list["metadata"]["resourceVersion"].get<std::string>();
  }
  std::vector<Notification> notes;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, obj] : fresh) {
      auto it = store_.find(key);
      if (it == store_.end()) {
        notes.push_back({Notification::kAdd, Json(), obj});
      } else if (RvOf(it->second) != RvOf(obj)) {
        notes.push_back({Notification::kUpdate, it->second, obj});
      }
    }
    // Objects that vanished while we were not watching: deliver their deletion.
    for (const auto& [key, obj] : store_) {
      if (!fresh.count(key)) notes.push_back({Notification::kDelete, Json(), obj});
    }
    store_ = std::move(fresh);
    last_rv_ = rv;
  }
  {
    std::lock_guard<std::mutex> hl(handler_mu_);
    Deliver(handlers_, notes);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    synced_ = true;
  }
  synced_cv_.notify_all();
  return OkStatus();
}

void RawInformer::ApplyEvent(const WatchEvent& e) {
  std::vector<Notification> notes;
  {
    std::lock_guard<std::mutex> l(mu_);
    const std::string rv = RvOf(e.object);
    if (e.type == WatchEventType::kBookmark) {
      if (!rv.empty()) last_rv_ = rv;
      return;
    }
    const std::string key = ObjectKey(e.object);
    auto it = store_.find(key);
    switch (e.type) {
      case WatchEventType::kAdded:
      case WatchEventType::kModified:
        if (it == store_.end()) {
          notes.push_back({Notification::kAdd, Json(), e.object});
          store_[key] = e.object;
        } else {
          notes.push_back({Notification::kUpdate, it->second, e.object});
          it->second = e.object;
        }
        break;
      case WatchEventType::kDeleted:
        if (it != store_.end()) store_.erase(it);
        notes.push_back({Notification::kDelete, Json(), e.object});
        break;
      default:
        break;
    }
    if (!rv.empty()) last_rv_ = rv;
  }
  std::lock_guard<std::mutex> hl(handler_mu_);
  Deliver(handlers_, notes);
}

Status RawInformer::WatchOnce(std::stop_token stop) {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  lo.allow_watch_bookmarks = true;
  {
    std::lock_guard<std::mutex> l(mu_);
    lo.resource_version = last_rv_;
    ++stats_.watches;
  }
  const double r = rand01_ ? rand01_() : 0.0;
  lo.timeout_seconds = static_cast<int>(static_cast<double>(options_.min_watch_timeout.count()) * (1.0 + r));
  const auto start = clock_.MonotonicNow();
  int events = 0;
  Status s = client_.WatchRaw(resource_, options_.namespace_, lo,
                              [&](const WatchEvent& e) -> Status {
                                ++events;
                                ApplyEvent(e);
                                return OkStatus();
                              },
                              stop);
  if (s.ok() && events == 0 && clock_.MonotonicNow() - start < std::chrono::seconds(1) &&
      !stop.stop_requested()) {
    // reflector.go: "very short watch" — the server closed at once; back off.
    return UnavailableError("very short watch: closed in under 1 s with no events");
  }
  return s;
}

void RawInformer::Resync() {
  std::vector<Notification> notes;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [k, v] : store_) notes.push_back({Notification::kUpdate, v, v});
  }
  std::lock_guard<std::mutex> hl(handler_mu_);
  Deliver(handlers_, notes);
}

void RawInformer::Run(std::stop_token stop) {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = false;
  }
  std::jthread resync;
  if (options_.resync_period.count() > 0) {
    resync = std::jthread([this, stop](std::stop_token own) {
      while (!own.stop_requested() && !stop.stop_requested()) {
        if (!runtime::WaitFor(own, options_.resync_period)) break;
        if (stop.stop_requested()) break;
        if (HasSynced()) Resync();
      }
    });
  }
  bool need_list = true;
  while (!stop.stop_requested()) {
    if (need_list) {
      Status s = ListAndReplace(stop);
      if (!s.ok()) {
        if (stop.stop_requested()) break;
        logger_.Warning("informer list failed; backing off",
                        {{"informer", options_.name}, {"error", s.ToString()}});
        runtime::WaitFor(stop, backoff_.Next());
        continue;
      }
      need_list = false;
    }
    Status s = WatchOnce(stop);
    if (stop.stop_requested()) break;
    if (s.ok()) continue;  // normal close: re-watch from the last RV
    if (IsGone(s)) {
      logger_.Info("watch expired (410); re-listing",
                   {{"informer", options_.name}, {"error", s.message()}});
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.relists_after_gone;
      need_list = true;
      continue;
    }
    logger_.Warning("watch failed; backing off and re-listing",
                    {{"informer", options_.name}, {"error", s.ToString()}});
    need_list = true;
    runtime::WaitFor(stop, backoff_.Next());
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = true;
  }
  synced_cv_.notify_all();
}

}  // namespace joinguard::kube
