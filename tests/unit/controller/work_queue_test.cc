#include "controller/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace joinguard::controller {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, DeduplicatesQueuedItems) {
  runtime::FakeClock clock;
  WorkQueue q(clock);
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
}

TEST(WorkQueueTest, ItemAddedWhileProcessingIsRequeuedAfterDone) {
  runtime::FakeClock clock;
  WorkQueue q(clock);
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  q.Add("a");  // while a worker holds it
  EXPECT_EQ(q.Len(), 0u) << "never handed to two workers at once";
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueueTest, PerItemBackoffDoublesAndForgetResets) {
  runtime::FakeClock clock;
  WorkQueueOptions o;
  o.base_delay = 200ms;
  o.max_delay = 1s;
  WorkQueue q(clock, o);
  EXPECT_EQ(q.NextItemDelay("a"), 200ms);
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextItemDelay("a"), 400ms);
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextItemDelay("a"), 800ms);
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextItemDelay("a"), 1s) << "capped";
  EXPECT_EQ(q.NumRequeues("a"), 3);
  EXPECT_EQ(q.NextItemDelay("b"), 200ms) << "per item";
  q.Forget("a");
  EXPECT_EQ(q.NextItemDelay("a"), 200ms);
}

TEST(WorkQueueTest, RateLimitedItemBecomesReadyWhenTheClockPasses) {
  runtime::FakeClock clock;
  WorkQueue q(clock);
  q.AddRateLimited("a");  // 200 ms
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.WaitingLen(), 1u);
  std::atomic<bool> got{false};
  std::thread worker([&] {
    auto k = q.Get();
    got = k.has_value() && *k == "a";
  });
  clock.Advance(250ms);
  q.WakeForTest();
  worker.join();
  EXPECT_TRUE(got);
}

TEST(WorkQueueTest, ImmediateAddSupersedesDelayedAdd) {
  runtime::FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("a", 10s);
  q.Add("a");
  EXPECT_EQ(q.WaitingLen(), 0u);
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueueTest, OverallLimiterSlowsBurstsOfRetries) {
  runtime::FakeClock clock;
  WorkQueueOptions o;
  o.base_delay = 1ms;
  o.qps = 1;
  o.burst = 1;
  WorkQueue q(clock, o);
  q.AddRateLimited("a");  // takes the only token: per-item 1 ms
  q.AddRateLimited("b");  // must wait ~1 s for the bucket
  clock.Advance(10ms);
  q.WakeForTest();
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.WaitingLen(), 1u) << "b is held back by the overall bucket";
  clock.Advance(1s);
  EXPECT_EQ(q.Get(), "b");
}

TEST(WorkQueueTest, ShutDownReleasesBlockedWorkers) {
  runtime::FakeClock clock;
  WorkQueue q(clock);
  std::atomic<int> stopped{0};
  std::thread a([&] {
    if (!q.Get()) ++stopped;
  });
  std::thread b([&] {
    if (!q.Get()) ++stopped;
  });
  q.ShutDown();
  a.join();
  b.join();
  EXPECT_EQ(stopped, 2);
  q.Add("x");
  EXPECT_EQ(q.Len(), 0u) << "no adds after shutdown";
}

}  // namespace
}  // namespace joinguard::controller
