#include "common/runtime/duration.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

namespace joinguard::runtime {
namespace {

Status Invalid(std::string_view text) {
  return InvalidArgumentError("time: invalid duration \"" + std::string(text) + "\"");
}

// Unit → nanoseconds.
bool UnitNanos(std::string_view unit, double* out) {
  if (unit == "ns")
    *out = 1;
  else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
    *out = 1e3;
  else if (unit == "ms")
    *out = 1e6;
  else if (unit == "s")
    *out = 1e9;
  else if (unit == "m")
    *out = 60e9;
  else if (unit == "h")
    *out = 3600e9;
  else
    return false;
  return true;
}

}  // namespace

StatusOr<Duration> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return Invalid(text);
  double total_ns = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        ++i;
        digits = true;
      }
    }
    if (!digits) return Invalid(text);
    double value = std::stod(std::string(s.substr(0, i)));
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && s[j] != '.' && !std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == 0) return InvalidArgumentError("time: missing unit in duration \"" + std::string(text) + "\"");
    double unit_ns = 0;
    if (!UnitNanos(s.substr(0, j), &unit_ns)) {
      return InvalidArgumentError("time: unknown unit \"" + std::string(s.substr(0, j)) +
                                  "\" in duration \"" + std::string(text) + "\"");
    }
    s.remove_prefix(j);
    total_ns += value * unit_ns;
    if (total_ns > 9.2e18) return Invalid(text);
  }
  auto ms = static_cast<int64_t>(std::llround(total_ns / 1e6));
  return Duration(negative ? -ms : ms);
}

std::string FormatGoDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string sign;
  if (ms < 0) {
    sign = "-";
    ms = -ms;
  }
  if (ms < 1000) return sign + std::to_string(ms) + "ms";
  int64_t hours = ms / 3'600'000;
  int64_t minutes = (ms / 60'000) % 60;
  int64_t seconds = (ms / 1000) % 60;
  int64_t frac = ms % 1000;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += std::to_string(seconds);
  if (frac > 0) {
    std::string f = std::to_string(frac);
    f = std::string(3 - f.size(), '0') + f;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  out += "s";
  return out;
}

}  // namespace joinguard::runtime
