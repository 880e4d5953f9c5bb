// metav1.Time (RFC 3339, whole seconds, UTC) and metav1.MicroTime (exactly six fractional
// digits, kubernetes/apimachinery pkg/apis/meta/v1/micro_time.go) formatting and parsing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::kube {

using Time = std::chrono::system_clock::time_point;

// "2026-11-29T03:06:24Z" (sub-second part truncated).
std::string FormatTime(Time t);
// "2026-11-29T03:06:24.123456Z".
std::string FormatMicroTime(Time t);
// Accepts RFC 3339 with or without fractional seconds (any digit count) and with "Z" or a
// numeric offset ("+02:00"), as Go's time.Parse(RFC3339) does. kInvalidArgument otherwise.
StatusOr<Time> ParseTime(std::string_view text);

}  // namespace joinguard::kube
