// Exponential backoff with jitter (client-go wait.Backoff / reflector backoff manager).
// Time and randomness are injected so tests are deterministic.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

#include "common/runtime/clock.h"

namespace joinguard::runtime {

struct BackoffOptions {
  std::chrono::nanoseconds initial = std::chrono::milliseconds(800);  // reflector default
  std::chrono::nanoseconds max = std::chrono::seconds(30);
  double factor = 2.0;
  // Each delay d becomes d * (1 + jitter * r) with r uniform in [0, 1) (client-go wait.Jitter).
  double jitter = 1.0;
  // When the time since the last failure exceeds this, the next delay starts again at
  // `initial` (reflector: reset after 2 min of health). Zero disables.
  std::chrono::nanoseconds reset_after = std::chrono::minutes(2);
};

// Thread-safe. Next() returns the delay to wait before the next attempt.
class Backoff {
 public:
  // rand01 returns a uniform double in [0, 1); empty = a std::mt19937 seeded from random_device.
  Backoff(BackoffOptions options, const Clock& clock, std::function<double()> rand01 = {});

  std::chrono::nanoseconds Next();
  void Reset();
  // The un-jittered delay the next call to Next() will use (for tests and logging).
  std::chrono::nanoseconds CurrentBase() const;

 private:
  const BackoffOptions options_;
  const Clock& clock_;
  std::function<double()> rand01_;
  mutable std::mutex mu_;  // guards the fields below
  std::chrono::nanoseconds current_;
  bool has_last_ = false;
  Clock::MonotonicTime last_;
};

// Returns `d * (1 + jitter * rand01())` (client-go wait.Jitter; jitter <= 0 means 1.0).
std::chrono::nanoseconds Jitter(std::chrono::nanoseconds d, double jitter,
                                const std::function<double()>& rand01);

// A default rand01 source (thread-safe, seeded from std::random_device).
std::function<double()> DefaultRand01();

}  // namespace joinguard::runtime
