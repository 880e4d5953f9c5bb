// Interruptible waits on std::stop_token (C++20). Production code waits with these, never with
// a bare sleep, so shutdown is immediate.
#pragma once

#include <chrono>
#include <stop_token>

namespace joinguard::runtime {

// Waits for `d` or until `stop` is requested. Returns false if stopped (or already stopped).
bool WaitFor(std::stop_token stop, std::chrono::nanoseconds d);

// Waits until the steady-clock `deadline` or until `stop` is requested. false if stopped.
bool WaitUntil(std::stop_token stop, std::chrono::steady_clock::time_point deadline);

}  // namespace joinguard::runtime
