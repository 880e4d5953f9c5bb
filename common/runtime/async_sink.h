// AsyncSink<T>: a bounded queue drained by one thread, so that side effects that must never
// slow a decision (Events, audit lines) leave the caller's thread at once.
//
//  - Submit() never blocks the producer beyond a short critical section: when the queue is full
//    the OLDEST queued item is dropped and counted (the newest state is the most useful one,
//    as in client-go's event broadcaster, which drops when its channel is full:
//    kubernetes/client-go tools/record/event.go, apimachinery pkg/watch/mux.go
//    `DropIfChannelFull`).
//  - One drain thread hands items to the handler in FIFO order, in batches of everything queued
//    at that moment, so a handler can aggregate repeats.
//  - Stop() (and the destructor) delivers everything still queued, then joins the thread.
//    Items submitted after Stop() are dropped and counted.
//
// Memory is bounded by `capacity` items plus the batch being handled.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/status/status.h"

namespace joinguard::runtime {

struct AsyncSinkOptions {
  // Items queued at most; the oldest is dropped when a new one arrives at this size. > 0.
  size_t capacity = 4096;
};

struct AsyncSinkStats {
  uint64_t submitted = 0;  // Submit() calls, accepted or not
  uint64_t delivered = 0;  // items handed to the handler
  uint64_t dropped = 0;    // items dropped (queue full, or submitted after Stop)
  size_t queued = 0;       // items waiting now
};

template <typename T>
class AsyncSink {
 public:
  // Called on the drain thread with every item queued at that moment, oldest first.
  using BatchHandler = std::function<void(std::vector<T>&&)>;
  using ItemHandler = std::function<void(T&&)>;

  static StatusOr<std::unique_ptr<AsyncSink>> Create(AsyncSinkOptions options, BatchHandler handler) {
    if (options.capacity == 0) {
      return InvalidArgumentError("async sink capacity must be > 0");
    }
    if (!handler) return InvalidArgumentError("async sink needs a handler");
    return std::unique_ptr<AsyncSink>(new AsyncSink(options, std::move(handler)));
  }

  static StatusOr<std::unique_ptr<AsyncSink>> CreatePerItem(AsyncSinkOptions options, ItemHandler handler) {
    if (!handler) return InvalidArgumentError("async sink needs a handler");
    return Create(options, [h = std::move(handler)](std::vector<T>&& batch) {
      for (T& item : batch) h(std::move(item));
    });
  }

  AsyncSink(const AsyncSink&) = delete;
  AsyncSink& operator=(const AsyncSink&) = delete;
  ~AsyncSink() { Stop(); }

  // Queues `item`. Returns false if it was not queued (sink stopped). Dropping the oldest item
  // to make room still returns true: the new item is queued.
  bool Submit(T item) {
    {
      std::lock_guard<std::mutex> l(mu_);
      ++submitted_;
      if (stopping_) {
        ++dropped_;
        return false;
      }
      if (queue_.size() >= capacity_) {
        queue_.pop_front();
        ++dropped_;
      }
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
  }

  // Delivers everything queued, then stops the drain thread. Idempotent; thread-safe. Must
  // not be called from the handler (it would join its own thread).
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

  // Waits until every item submitted so far has been handled (or dropped), or `timeout`.
  // For tests and orderly shutdown; returns false on timeout.
  bool WaitIdle(std::chrono::nanoseconds timeout) {
    std::unique_lock<std::mutex> l(mu_);
    return idle_cv_.wait_for(l, timeout, [&] { return queue_.empty() && !handling_; });
  }

  AsyncSinkStats Stats() const {
    std::lock_guard<std::mutex> l(mu_);
    return AsyncSinkStats{submitted_, delivered_, dropped_, queue_.size()};
  }

 private:
  AsyncSink(AsyncSinkOptions options, BatchHandler handler)
      : capacity_(options.capacity), handler_(std::move(handler)) {
    thread_ = std::thread([this] { Drain(); });
  }

  void Drain() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        if (stopping_) return;
        continue;
      }
      std::vector<T> batch;
      batch.reserve(queue_.size());
      while (!queue_.empty()) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      handling_ = true;
      l.unlock();
      const size_t n = batch.size();
      try {
        handler_(std::move(batch));
      } catch (...) {
        // A handler must not throw; if one does, the batch is lost but the sink keeps
        // draining (a dead drain thread would silently drop everything after it).
      }
      l.lock();
      handling_ = false;
      delivered_ += n;
      if (queue_.empty()) idle_cv_.notify_all();
    }
  }

  const size_t capacity_;
  const BatchHandler handler_;
  mutable std::mutex mu_;            // guards queue_, stopping_, handling_ and the counters
  std::condition_variable cv_;       // queue_ non-empty or stopping_
  std::condition_variable idle_cv_;  // queue_ empty and !handling_
  std::deque<T> queue_;
  bool stopping_ = false;
  bool handling_ = false;
  uint64_t submitted_ = 0;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
  std::mutex join_mu_;  // serialises joining thread_ between concurrent Stop() calls
  std::thread thread_;
};

}  // namespace joinguard::runtime
