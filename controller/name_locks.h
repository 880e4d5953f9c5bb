// Per-node-name serialization and the in-process record of approvals the CSR cache has not
// shown yet.
//
// NameLocks: two workers never decide two CSRs for one node name at the same time; a worker
// holds the name's lock from fact gathering to the approval write. Locks exist only while
// held or awaited, so memory follows concurrency, not history.
//
// RecentApprovals: after this process writes an approval, the CSR cache shows it only once the
// watch delivers the update. Until then the approval lives here, so a second CSR for the same
// name decided in that window sees it (duplicates in flight).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace joinguard::controller {

class NameLocks {
 public:
  class Guard {
   public:
    Guard(NameLocks& locks, std::string name) : locks_(&locks), name_(std::move(name)) {
      locks_->Acquire(name_);
    }
    ~Guard() {
      if (locks_) locks_->Release(name_);
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    NameLocks* locks_;
    std::string name_;
  };

  // Blocks until no other Guard holds `name`.
  Guard Lock(const std::string& name) { return Guard(*this, name); }
  // Names currently held or awaited (for tests: locks do not accumulate).
  size_t Size() const {
    std::lock_guard<std::mutex> l(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    bool held = false;
    int waiters = 0;
  };
  void Acquire(const std::string& name) {
    std::unique_lock<std::mutex> l(mu_);
    Entry& e = entries_[name];
    ++e.waiters;
    cv_.wait(l, [&] { return !e.held; });
    --e.waiters;
    e.held = true;
  }
  void Release(const std::string& name) {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = entries_.find(name);
      if (it == entries_.end()) return;
      it->second.held = false;
      if (it->second.waiters == 0) entries_.erase(it);
    }
    cv_.notify_all();
  }

  mutable std::mutex mu_;  // guards entries_
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;  // std::map: references stay valid across inserts
};

// Bounded: beyond kMaxRecentApprovals the oldest entry is dropped (by then the cache has long
// caught up, and the NodeJoin record still guards the name across replicas).
inline constexpr size_t kMaxRecentApprovals = 16384;

class RecentApprovals {
 public:
  struct Entry {
    std::string csr_name;
    std::string csr_uid;
    uint64_t seq = 0;
  };

  void Add(const std::string& node_name, const std::string& csr_name, const std::string& csr_uid) {
    std::lock_guard<std::mutex> l(mu_);
    if (auto old = by_name_.find(node_name); old != by_name_.end()) order_.erase(old->second.seq);
    by_name_[node_name] = Entry{csr_name, csr_uid, ++seq_};
    order_.emplace(seq_, node_name);
    while (by_name_.size() > kMaxRecentApprovals && !order_.empty()) {
      auto oldest = order_.begin();
      auto it = by_name_.find(oldest->second);
      if (it != by_name_.end() && it->second.seq == oldest->first) by_name_.erase(it);
      order_.erase(oldest);
    }
  }
  std::optional<Entry> Get(const std::string& node_name) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_name_.find(node_name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }
  // Forgets the entry once the cache shows that approval (called with the approved CSR's uid).
  void Forget(const std::string& node_name, const std::string& csr_uid) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_name_.find(node_name);
    if (it == by_name_.end() || it->second.csr_uid != csr_uid) return;
    order_.erase(it->second.seq);
    by_name_.erase(it);
  }
  size_t Size() const {
    std::lock_guard<std::mutex> l(mu_);
    return by_name_.size();
  }

 private:
  mutable std::mutex mu_;  // guards the fields below
  std::map<std::string, Entry> by_name_;
  std::map<uint64_t, std::string> order_;  // seq → node name, oldest first
  uint64_t seq_ = 0;
};

}  // namespace joinguard::controller
