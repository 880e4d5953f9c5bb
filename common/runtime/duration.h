// Go time.Duration text ("5m0s", "300ms", "1h30m"): the one duration syntax joinguard accepts, in
// flags and configuration files alike (Go's time.ParseDuration / Duration.String, src/time/format.go).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::runtime {

using Duration = std::chrono::milliseconds;

// Parses Go's time.ParseDuration syntax (units ns, us, µs, ms, s, m, h; decimals; sign), rounded
// to milliseconds. kInvalidArgument with Go's wording: `time: invalid duration "<text>"`.
StatusOr<Duration> ParseGoDuration(std::string_view text);

// Formats like Go's Duration.String(): "5m0s", "1h0m0s", "300ms", "1.5s", "0s".
std::string FormatGoDuration(Duration d);

}  // namespace joinguard::runtime
