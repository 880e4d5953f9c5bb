// AsyncSink: bounded, never blocks the producer, drops oldest and counts, flushes on stop.
#include "common/runtime/async_sink.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace joinguard::runtime {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

constexpr auto kWait = 30s;  // generous bound for a loaded machine; never a sleep

// A handler that blocks until released, so tests control when the drain thread is busy.
class Gate {
 public:
  void WaitEntered() {
    std::unique_lock<std::mutex> l(mu_);
    ASSERT_TRUE(cv_.wait_for(l, kWait, [&] { return entered_; }));
  }
  void EnterAndWait() {
    std::unique_lock<std::mutex> l(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(l, [&] { return open_; });
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;  // guards entered_, open_
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

TEST(AsyncSink, RejectsZeroCapacityAndMissingHandler) {
  EXPECT_FALSE(AsyncSink<int>::Create({.capacity = 0}, [](std::vector<int>&&) {}).ok());
  EXPECT_FALSE(AsyncSink<int>::Create({.capacity = 1}, nullptr).ok());
  EXPECT_FALSE(AsyncSink<int>::CreatePerItem({.capacity = 1}, nullptr).ok());
}

TEST(AsyncSink, DeliversInOrder) {
  std::mutex mu;
  std::vector<int> got;
  auto sink = AsyncSink<int>::CreatePerItem({.capacity = 100}, [&](int&& v) {
    std::lock_guard<std::mutex> l(mu);
    got.push_back(v);
  });
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 50; ++i) EXPECT_TRUE((*sink)->Submit(i));
  ASSERT_TRUE((*sink)->WaitIdle(kWait));
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(got.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i], i);
  EXPECT_EQ((*sink)->Stats().delivered, 50u);
  EXPECT_EQ((*sink)->Stats().dropped, 0u);
}

TEST(AsyncSink, FullQueueDropsOldestWithoutBlockingProducer) {
  Gate gate;
  std::mutex mu;
  std::vector<std::vector<int>> batches;
  auto sink = AsyncSink<int>::Create({.capacity = 3}, [&](std::vector<int>&& b) {
    if (b.front() == 0) gate.EnterAndWait();  // hold the drain thread on the first batch
    std::lock_guard<std::mutex> l(mu);
    batches.push_back(std::move(b));
  });
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Submit(0));
  gate.WaitEntered();  // the drain thread now holds item 0 and is blocked
  // The producer submits 10 more while the consumer is stuck: none of these calls may block.
  for (int i = 1; i <= 10; ++i) EXPECT_TRUE((*sink)->Submit(i));
  AsyncSinkStats s = (*sink)->Stats();
  EXPECT_EQ(s.queued, 3u);
  EXPECT_EQ(s.dropped, 7u);  // 1..7 dropped, 8..10 kept
  gate.Open();
  ASSERT_TRUE((*sink)->WaitIdle(kWait));
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_THAT(batches[0], ElementsAre(0));
  EXPECT_THAT(batches[1], ElementsAre(8, 9, 10));  // one batch: the handler can aggregate
  EXPECT_EQ((*sink)->Stats().delivered, 4u);
  EXPECT_EQ((*sink)->Stats().submitted, 11u);
}

TEST(AsyncSink, StopFlushesEverythingQueued) {
  Gate gate;
  std::atomic<int> handled{0};
  auto sink = AsyncSink<int>::CreatePerItem({.capacity = 1000}, [&](int&& v) {
    if (v == 0) gate.EnterAndWait();
    handled.fetch_add(1);
  });
  ASSERT_TRUE(sink.ok());
  (*sink)->Submit(0);
  gate.WaitEntered();
  for (int i = 1; i < 500; ++i) (*sink)->Submit(i);
  std::thread stopper([&] { (*sink)->Stop(); });
  gate.Open();
  stopper.join();
  EXPECT_EQ(handled.load(), 500);
  EXPECT_EQ((*sink)->Stats().queued, 0u);
  // After Stop, submissions are refused and counted as drops.
  EXPECT_FALSE((*sink)->Submit(1));
  EXPECT_EQ((*sink)->Stats().dropped, 1u);
  (*sink)->Stop();  // idempotent
}

TEST(AsyncSink, DestructorFlushes) {
  std::atomic<int> handled{0};
  {
    auto sink =
        AsyncSink<std::string>::CreatePerItem({.capacity = 10}, [&](std::string&&) { handled.fetch_add(1); });
    ASSERT_TRUE(sink.ok());
    for (int i = 0; i < 10; ++i) (*sink)->Submit("x");
  }
  EXPECT_EQ(handled.load(), 10);
}

TEST(AsyncSink, ThrowingHandlerDoesNotKillTheDrainThread) {
  std::atomic<int> handled{0};
  auto sink = AsyncSink<int>::CreatePerItem({.capacity = 10}, [&](int&& v) {
    if (v == 1) throw std::runtime_error("boom");
    handled.fetch_add(1);
  });
  ASSERT_TRUE(sink.ok());
  (*sink)->Submit(1);
  ASSERT_TRUE((*sink)->WaitIdle(kWait));
  (*sink)->Submit(2);
  ASSERT_TRUE((*sink)->WaitIdle(kWait));
  EXPECT_EQ(handled.load(), 1);
}

TEST(AsyncSink, ManyProducersNothingLostBelowCapacity) {
  std::atomic<int> handled{0};
  constexpr int kThreads = 4;
  constexpr int kPer = 1000;
  auto sink =
      AsyncSink<int>::CreatePerItem({.capacity = kThreads * kPer}, [&](int&&) { handled.fetch_add(1); });
  ASSERT_TRUE(sink.ok());
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPer; ++i) (*sink)->Submit(i);
    });
  }
  for (auto& p : producers) p.join();
  (*sink)->Stop();
  EXPECT_EQ(handled.load(), kThreads * kPer);
  EXPECT_EQ((*sink)->Stats().dropped, 0u);
}

}  // namespace
}  // namespace joinguard::runtime
