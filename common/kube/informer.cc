#include "common/kube/informer.h"

#include "common/runtime/stop.h"

namespace joinguard::kube {
namespace {

// kubernetes/client-go tools/cache/reflector.go: a watch that ends this quickly without
// delivering anything is treated as a failure and backed off.
constexpr auto kVeryShortWatch = std::chrono::seconds(1);

}  // namespace

std::string ObjectKey(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  return std::string(ns) + "/" + std::string(name);
}

Reflector::Reflector(Client& client, const Resource& resource, InformerOptions options,
                     const runtime::Clock& clock, const runtime::Logger& logger,
                     std::function<double()> rand01, ReflectorStore& store)
    : client_(client),
      resource_(resource),
      options_(std::move(options)),
      clock_(clock),
      logger_(logger),
      rand01_(rand01 ? std::move(rand01) : runtime::DefaultRand01()),
      backoff_(options_.backoff, clock_, rand01_),
      store_(store) {}

Reflector::~Reflector() { Stop(); }

void Reflector::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token st) { Run(st); });
}

void Reflector::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

bool Reflector::HasSynced() const {
  std::lock_guard<std::mutex> l(mu_);
  return synced_;
}

bool Reflector::WaitForSync(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> l(mu_);
  synced_cv_.wait_until(l, deadline, [this] { return synced_ || stopped_; });
  return synced_;
}

std::string Reflector::LastSyncResourceVersion() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_rv_;
}

InformerStats Reflector::GetStats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

void Reflector::CountUndecodable() {
  std::lock_guard<std::mutex> l(mu_);
  ++stats_.undecodable;
}

Status Reflector::ListAndReplace(std::stop_token stop) {
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
  // Page by page (the continue tokens of Client::ListAllRaw), each page decoded and dropped
  // before the next is read: the peak is one page of JSON, not the whole list.
  std::string rv;
  store_.BeginReplace();
  for (bool first = true;; first = false) {
    if (stop.stop_requested()) return CancelledError("informer stopped");
    JG_ASSIGN_OR_RETURN(Json page, client_.ListRaw(resource_, options_.namespace_, lo));
    StatusOr<ObjectList<Json>> meta = DecodeListMeta(page);
    if (!meta.ok()) return meta.status().Annotate("list " + resource_.CollectionPath(options_.namespace_));
    if (first) rv = meta->resource_version;
    JG_RETURN_IF_ERROR(store_.AddListPage(page));
    if (meta->continue_token.empty()) break;
    lo.continue_token = meta->continue_token;
    // Later pages must not carry a resourceVersion (the continue token encodes it).
    lo.resource_version.clear();
    lo.resource_version_match.clear();
  }
  store_.CommitReplace();
  {
    std::lock_guard<std::mutex> l(mu_);
    last_rv_ = rv;
    synced_ = true;
  }
  synced_cv_.notify_all();
  return OkStatus();
}

Status Reflector::WatchOnce(std::stop_token stop) {
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
  Status s = client_.WatchRaw(
      resource_, options_.namespace_, lo,
      [&](const WatchEvent& e) -> Status {
        ++events;
        std::string rv;
        switch (e.type) {
          case WatchEventType::kBookmark:
            rv = MetaOf(e.object).resource_version;
            break;
          case WatchEventType::kAdded:
          case WatchEventType::kModified:
          case WatchEventType::kDeleted:
            rv = store_.Apply(e.type, e.object);
            break;
          case WatchEventType::kError:
            break;
        }
        if (!rv.empty()) {
          std::lock_guard<std::mutex> l(mu_);
          last_rv_ = rv;
        }
        return OkStatus();
      },
      stop);
  if (s.ok() && events == 0 && clock_.MonotonicNow() - start < kVeryShortWatch && !stop.stop_requested()) {
    return UnavailableError("very short watch: closed in under 1 s with no events");
  }
  return s;
}

void Reflector::Run(std::stop_token stop) {
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
        if (HasSynced()) store_.Resync();
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
      logger_.Info("watch expired (410); re-listing", {{"informer", options_.name}, {"error", s.message()}});
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
