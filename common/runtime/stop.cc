#include "common/runtime/stop.h"

#include <condition_variable>
#include <mutex>

namespace joinguard::runtime {

bool WaitUntil(std::stop_token stop, std::chrono::steady_clock::time_point deadline) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(mu);
  // wait_until with a stop_token returns early (true from pred) when stop is requested.
  cv.wait_until(lock, stop, deadline, [] { return false; });
  return !stop.stop_requested();
}

bool WaitFor(std::stop_token stop, std::chrono::nanoseconds d) {
  if (stop.stop_requested()) return false;
  if (d.count() <= 0) return true;
  return WaitUntil(stop, std::chrono::steady_clock::now() +
                             std::chrono::duration_cast<std::chrono::steady_clock::duration>(d));
}

}  // namespace joinguard::runtime
