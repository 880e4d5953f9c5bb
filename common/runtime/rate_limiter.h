// Client-side token-bucket rate limiter (client-go flowcontrol.NewTokenBucketRateLimiter).
#pragma once

#include <chrono>
#include <mutex>
#include <stop_token>

#include "common/runtime/clock.h"
#include "common/status/status.h"

namespace joinguard::runtime {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Blocks until a token is available. kCancelled if `stop` fires first.
  virtual Status Wait(std::stop_token stop) = 0;
  // Takes a token if one is available now.
  virtual bool TryAccept() = 0;
};

// `qps` tokens per second refill a bucket of `burst` tokens (starts full). qps <= 0 means
// unlimited. Reservations are taken immediately (like golang.org/x/time/rate), so concurrent
// callers queue fairly.
class TokenBucketRateLimiter final : public RateLimiter {
 public:
  TokenBucketRateLimiter(double qps, int burst, const Clock& clock);
  Status Wait(std::stop_token stop) override;
  bool TryAccept() override;
  // Takes a token now (possibly going into debt) and returns how long the caller must wait
  // before using it. Zero when a token was available. Exposed for deterministic tests.
  std::chrono::nanoseconds Reserve();

 private:
  void RefillLocked(Clock::MonotonicTime now);
  const double qps_;
  const double burst_;
  const Clock& clock_;
  std::mutex mu_;  // guards tokens_, last_
  double tokens_;
  Clock::MonotonicTime last_;
};

}  // namespace joinguard::runtime
