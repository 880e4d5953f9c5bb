#include "common/runtime/backoff.h"

#include <algorithm>
#include <random>

namespace joinguard::runtime {

std::function<double()> DefaultRand01() {
  auto state = std::make_shared<std::pair<std::mutex, std::mt19937_64>>();
  state->second.seed(std::random_device{}());
  return [state]() {
    std::lock_guard<std::mutex> l(state->first);
    return std::uniform_real_distribution<double>(0.0, 1.0)(state->second);
  };
}

std::chrono::nanoseconds Jitter(std::chrono::nanoseconds d, double jitter,
                                const std::function<double()>& rand01) {
  if (jitter <= 0) jitter = 1.0;
  double r = rand01 ? rand01() : 0.0;
  r = std::clamp(r, 0.0, 1.0);
  return std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(d.count()) * (1.0 + jitter * r)));
}

Backoff::Backoff(BackoffOptions options, const Clock& clock, std::function<double()> rand01)
    : options_(options),
      clock_(clock),
      rand01_(rand01 ? std::move(rand01) : DefaultRand01()),
      current_(options.initial) {}

std::chrono::nanoseconds Backoff::Next() {
  std::lock_guard<std::mutex> l(mu_);
  const auto now = clock_.MonotonicNow();
  if (has_last_ && options_.reset_after.count() > 0 && now - last_ > options_.reset_after) {
    current_ = options_.initial;
  }
  has_last_ = true;
  last_ = now;
  const auto base = std::min(current_, options_.max);
  const double next = static_cast<double>(current_.count()) * options_.factor;
  current_ = std::chrono::nanoseconds(
      static_cast<int64_t>(std::min(next, static_cast<double>(options_.max.count()))));
  if (options_.jitter <= 0) return base;
  // Jitter may push a delay above max; cap it there as the reflector's backoff manager does.
  return std::min(Jitter(base, options_.jitter, rand01_), options_.max);
}

void Backoff::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  current_ = options_.initial;
  has_last_ = false;
}

std::chrono::nanoseconds Backoff::CurrentBase() const {
  std::lock_guard<std::mutex> l(mu_);
  if (has_last_ && options_.reset_after.count() > 0 && clock_.MonotonicNow() - last_ > options_.reset_after) {
    return options_.initial;
  }
  return std::min(current_, options_.max);
}

}  // namespace joinguard::runtime
