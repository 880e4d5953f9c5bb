#include "common/runtime/rate_limiter.h"

#include <algorithm>

#include "common/runtime/stop.h"

namespace joinguard::runtime {

TokenBucketRateLimiter::TokenBucketRateLimiter(double qps, int burst, const Clock& clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(std::max(1, burst)),
      last_(clock.MonotonicNow()) {}

void TokenBucketRateLimiter::RefillLocked(Clock::MonotonicTime now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

std::chrono::nanoseconds TokenBucketRateLimiter::Reserve() {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);
  std::lock_guard<std::mutex> l(mu_);
  RefillLocked(clock_.MonotonicNow());
  tokens_ -= 1.0;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  // In debt: the token becomes ours once -tokens_ more tokens have been refilled.
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
}

bool TokenBucketRateLimiter::TryAccept() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> l(mu_);
  RefillLocked(clock_.MonotonicNow());
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

Status TokenBucketRateLimiter::Wait(std::stop_token stop) {
  const auto wait = Reserve();
  if (wait.count() > 0 && !WaitFor(stop, wait)) {
    // Give the reserved token back so a cancelled waiter does not slow others down.
    std::lock_guard<std::mutex> l(mu_);
    tokens_ = std::min(burst_, tokens_ + 1.0);
    return CancelledError("rate limiter wait cancelled");
  }
  if (stop.stop_requested()) return CancelledError("rate limiter wait cancelled");
  return OkStatus();
}

}  // namespace joinguard::runtime
