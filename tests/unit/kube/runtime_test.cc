// Rate limiter, backoff and interruptible waits (common/runtime additions owned by kube).
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/runtime/backoff.h"
#include "common/runtime/rate_limiter.h"
#include "common/runtime/stop.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::runtime {
namespace {

using namespace std::chrono_literals;
using ::joinguard::testing::StatusIs;

TEST(TokenBucket, BurstThenQps) {
  FakeClock clock;
  TokenBucketRateLimiter rl(/*qps=*/5, /*burst=*/3, clock);
  EXPECT_TRUE(rl.TryAccept());
  EXPECT_TRUE(rl.TryAccept());
  EXPECT_TRUE(rl.TryAccept());
  EXPECT_FALSE(rl.TryAccept());  // burst exhausted
  clock.Advance(199ms);
  EXPECT_FALSE(rl.TryAccept());
  clock.Advance(1ms);  // 200 ms = one token at 5 qps
  EXPECT_TRUE(rl.TryAccept());
  EXPECT_FALSE(rl.TryAccept());
  clock.Advance(10s);  // refill caps at burst
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.TryAccept());
  EXPECT_FALSE(rl.TryAccept());
}

TEST(TokenBucket, ReservationsQueue) {
  FakeClock clock;
  TokenBucketRateLimiter rl(10, 1, clock);
  EXPECT_EQ(rl.Reserve(), 0ns);
  EXPECT_EQ(rl.Reserve(), 100ms);
  EXPECT_EQ(rl.Reserve(), 200ms);
  clock.Advance(300ms);
  EXPECT_EQ(rl.Reserve(), 0ns);
}

TEST(TokenBucket, UnlimitedAndCancelledWait) {
  FakeClock clock;
  TokenBucketRateLimiter unlimited(0, 1, clock);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.TryAccept());
  TokenBucketRateLimiter rl(0.001, 1, clock);  // one token per 1000 s
  ASSERT_OK(rl.Wait({}));
  std::stop_source stop;
  stop.request_stop();
  EXPECT_THAT(rl.Wait(stop.get_token()), StatusIs(StatusCode::kCancelled));
}

TEST(TokenBucket, RealClockWaitPaces) {
  RealClock clock;
  TokenBucketRateLimiter rl(50, 1, clock);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) ASSERT_OK(rl.Wait({}));
  // 1 burst + 5 tokens at 50 qps ≥ 100 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 95ms);
}

TEST(Backoff, DoublesCapsAndResets) {
  FakeClock clock;
  BackoffOptions o;
  o.initial = 800ms;
  o.max = 30s;
  o.jitter = 0;  // deterministic
  o.reset_after = 2min;
  Backoff b(o, clock);
  EXPECT_EQ(b.Next(), 800ms);
  EXPECT_EQ(b.Next(), 1600ms);
  EXPECT_EQ(b.Next(), 3200ms);
  for (int i = 0; i < 10; ++i) b.Next();
  EXPECT_EQ(b.Next(), 30s);
  clock.Advance(2min + 1s);  // healthy for longer than reset_after
  EXPECT_EQ(b.Next(), 800ms);
  b.Next();
  b.Reset();
  EXPECT_EQ(b.Next(), 800ms);
}

TEST(Backoff, JitterUsesInjectedRandom) {
  FakeClock clock;
  BackoffOptions o;
  o.initial = 1s;
  o.max = 30s;
  o.jitter = 1.0;
  double r = 0.5;
  Backoff b(o, clock, [&r] { return r; });
  EXPECT_EQ(b.Next(), 1500ms);
  r = 0.0;
  EXPECT_EQ(b.Next(), 2s);
  r = 0.999;
  EXPECT_EQ(b.CurrentBase(), 4s);
  // Jitter never exceeds max.
  BackoffOptions capped = o;
  capped.initial = 20s;
  Backoff c(capped, clock, [] { return 0.99; });
  EXPECT_EQ(c.Next(), 30s);
  EXPECT_EQ(Jitter(2s, 1.2, [] { return 0.5; }), 3200ms);
}

TEST(Stop, WaitForReturnsEarlyOnStop) {
  std::stop_source src;
  std::thread t([&] { src.request_stop(); });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(WaitFor(src.get_token(), 60s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  t.join();
  EXPECT_TRUE(WaitFor(std::stop_token{}, 1ms));
}

}  // namespace
}  // namespace joinguard::runtime
