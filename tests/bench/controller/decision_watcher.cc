#include "tests/bench/controller/decision_watcher.h"

namespace joinguard::bench {

using namespace std::chrono_literals;

constexpr int kWatchTimeoutSeconds = 600;
constexpr auto kRewatchBackoff = 100ms;

Status DecisionWatcher::Start() {
  auto list = client_.ListAllRaw(kube::resources::kCertificateSigningRequests, "", {});
  if (!list.ok()) return list.status().Annotate("listing CSRs before the watch");
  const auto now = Clock::now();
  for (const auto& item : (*list)["items"]) OnObject(item, now);
  resource_version_ = (*list)["metadata"].value("resourceVersion", "");
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  return OkStatus();
}

void DecisionWatcher::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

bool DecisionWatcher::WaitForDecided(size_t count, Clock::time_point deadline) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_until(l, deadline, [&] { return decided_ >= count; });
}

size_t DecisionWatcher::decided() const {
  std::lock_guard<std::mutex> l(mu_);
  return decided_;
}

std::optional<CsrTrack> DecisionWatcher::Get(const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = tracks_.find(name);
  if (it == tracks_.end()) return std::nullopt;
  return it->second;
}

void DecisionWatcher::Forget(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  tracks_.erase(name);
}

std::vector<std::pair<std::string, CsrTrack>> DecisionWatcher::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return {tracks_.begin(), tracks_.end()};
}

std::string DecisionWatcher::last_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_error_;
}

void DecisionWatcher::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    kube::ListOptions o;
    o.resource_version = resource_version_;
    o.allow_watch_bookmarks = true;
    o.timeout_seconds = kWatchTimeoutSeconds;
    Status s = client_.WatchRaw(
        kube::resources::kCertificateSigningRequests, "", o,
        [&](const kube::WatchEvent& e) -> Status {
          const auto now = Clock::now();
          const auto& meta = e.object.value("metadata", kube::Json::object());
          std::string rv = meta.value("resourceVersion", "");
          if (!rv.empty()) resource_version_ = rv;
          if (e.type == kube::WatchEventType::kAdded || e.type == kube::WatchEventType::kModified) {
            OnObject(e.object, now);
          }
          return OkStatus();
        },
        stop);
    if (stop.stop_requested()) return;
    if (!s.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      last_error_ = s.ToString();
    }
    ++restarts_;
    if (kube::IsGone(s)) {
      auto list = client_.ListAllRaw(kube::resources::kCertificateSigningRequests, "", {});
      if (list.ok()) {
        const auto now = Clock::now();
        for (const auto& item : (*list)["items"]) OnObject(item, now);
        resource_version_ = (*list)["metadata"].value("resourceVersion", "");
      }
    }
    std::this_thread::sleep_for(kRewatchBackoff);  // re-watch backoff, not synchronisation
  }
}

void DecisionWatcher::OnObject(const kube::Json& obj, Clock::time_point now) {
  std::string name = obj.value("metadata", kube::Json::object()).value("name", "");
  if (name.empty()) return;
  bool approved = false, denied = false;
  const auto status = obj.value("status", kube::Json::object());
  for (const auto& c : status.value("conditions", kube::Json::array())) {
    if (c.value("status", "") != "True") continue;
    if (c.value("type", "") == "Approved") approved = true;
    if (c.value("type", "") == "Denied") denied = true;
  }
  std::lock_guard<std::mutex> l(mu_);
  auto [it, inserted] = tracks_.try_emplace(name);
  CsrTrack& t = it->second;
  if (inserted) t.seen = now;
  if ((!approved && !denied) || t.is_decided) return;
  t.is_decided = true;
  t.decided = now;
  t.approved = approved && !denied;
  ++decided_;
  cv_.notify_all();
}

}  // namespace joinguard::bench
