// Injectable clock (Envoy-style): production uses RealClock, tests use FakeClock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace joinguard::runtime {

class Clock {
 public:
  using SystemTime = std::chrono::system_clock::time_point;
  using MonotonicTime = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual SystemTime Now() const = 0;
  virtual MonotonicTime MonotonicNow() const = 0;
};

class RealClock final : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
  MonotonicTime MonotonicNow() const override { return std::chrono::steady_clock::now(); }
};

// Thread-safe manual clock for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemTime(std::chrono::seconds(1'700'000'000)))
      : now_(start), mono_(MonotonicTime(std::chrono::seconds(1000))) {}
  SystemTime Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  MonotonicTime MonotonicNow() const override {
    std::lock_guard<std::mutex> l(mu_);
    return mono_;
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
  void SetNow(SystemTime t) {
    std::lock_guard<std::mutex> l(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;  // guards now_, mono_
  SystemTime now_;
  MonotonicTime mono_;
};

}  // namespace joinguard::runtime
