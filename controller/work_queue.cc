#include "controller/work_queue.h"

#include <algorithm>

namespace joinguard::controller {

WorkQueue::WorkQueue(const runtime::Clock& clock, WorkQueueOptions options)
    : clock_(clock), options_(options), overall_(options.qps, options.burst, clock) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // re-queued by Done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  waiting_.erase(key);  // an immediate add supersedes a delayed one
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::nanoseconds delay) {
  if (delay <= std::chrono::nanoseconds::zero()) {
    Add(key);
    return;
  }
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  auto at =
      clock_.MonotonicNow() + std::chrono::duration_cast<runtime::Clock::MonotonicTime::duration>(delay);
  auto it = waiting_.find(key);
  if (it == waiting_.end() || at < it->second) waiting_[key] = at;
  cv_.notify_all();  // a waiter may need to wake earlier
}

std::chrono::nanoseconds WorkQueue::NextItemDelay(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  int n = it == failures_.end() ? 0 : it->second;
  // base * 2^n, capped; computed in double to avoid overflow.
  double d = static_cast<double>(options_.base_delay.count());
  for (int i = 0; i < n && d < static_cast<double>(options_.max_delay.count()); ++i) d *= 2;
  d = std::min(d, static_cast<double>(options_.max_delay.count()));
  return std::chrono::nanoseconds(static_cast<int64_t>(d));
}

void WorkQueue::AddRateLimited(const std::string& key) {
  std::chrono::nanoseconds item = NextItemDelay(key);
  {
    std::lock_guard<std::mutex> l(mu_);
    ++failures_[key];
  }
  std::chrono::nanoseconds overall = overall_.Reserve();
  AddAfter(key, std::max(item, overall));
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteReadyLocked(runtime::Clock::MonotonicTime now) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second <= now) {
      std::string key = it->first;
      it = waiting_.erase(it);
      AddLocked(key);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    PromoteReadyLocked(clock_.MonotonicNow());
    if (!queue_.empty()) {
      std::string key = std::move(queue_.front());
      queue_.pop_front();
      processing_.insert(key);
      dirty_.erase(key);
      return key;
    }
    if (waiting_.empty()) {
      cv_.wait(l);
    } else {
      auto earliest = std::min_element(waiting_.begin(), waiting_.end(), [](const auto& a, const auto& b) {
                        return a.second < b.second;
                      })->second;
      auto d = earliest - clock_.MonotonicNow();
      // Bounded so an injected clock that jumps is noticed without a wake-up call.
      cv_.wait_for(l, std::min<std::chrono::steady_clock::duration>(d, std::chrono::seconds(1)));
    }
  }
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> l(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> l(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

size_t WorkQueue::WaitingLen() const {
  std::lock_guard<std::mutex> l(mu_);
  return waiting_.size();
}

void WorkQueue::WakeForTest() {
  std::lock_guard<std::mutex> l(mu_);
  cv_.notify_all();
}

}  // namespace joinguard::controller
