#include "tests/sandbox/logic/util.h"

#include <ctime>

#include "common/crypto/encoding.h"

namespace joinguard::sandbox::logic {

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {
bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s) {
  int year, mon, day, hour, min, sec;
  if (!Digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, mon) || s[7] != '-' ||
      !Digits(s, 8, 2, day) || s[10] != 'T' || !Digits(s, 11, 2, hour) || s[13] != ':' ||
      !Digits(s, 14, 2, min) || s[16] != ':' || !Digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    long long ns = 0;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        ns = ns * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    while (digits < 9) {
      ns *= 10;
      ++digits;
    }
    frac = std::chrono::nanoseconds(ns);
  }
  int offset_secs = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_secs = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);
  // Reject dates timegm normalised (e.g. Feb 30).
  std::tm check{};
  gmtime_r(&t, &check);
  if (check.tm_mday != day || check.tm_mon != mon - 1) return std::nullopt;
  auto tp = std::chrono::system_clock::from_time_t(t - offset_secs);
  return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(frac);
}

std::optional<std::string> SecretDataValue(const nlohmann::json& secret, const std::string& key) {
  if (!secret.is_object()) return std::nullopt;
  auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return std::nullopt;
  auto it = data->find(key);
  if (it == data->end() || !it->is_string()) return std::nullopt;
  auto decoded = crypto::Base64Decode(it->get<std::string>());
  if (!decoded.ok()) return std::nullopt;
  return *decoded;
}

std::string GoQuote(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

std::string FieldError::ToString() const {
  std::string out = field + ": " + type;
  if (!value.empty()) out += ": " + value;
  if (!detail.empty()) out += ": " + detail;
  return out;
}

Status InvalidError(std::string_view kind_group, std::string_view name,
                    const std::vector<FieldError>& errors) {
  std::string msg = std::string(kind_group) + " " + GoQuote(name) + " is invalid: ";
  if (errors.size() == 1) {
    msg += errors[0].ToString();
  } else {
    msg += "[";
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i) msg += ", ";
      msg += errors[i].ToString();
    }
    msg += "]";
  }
  return InvalidArgumentError(std::move(msg)).WithReason("Invalid", 422);
}

}  // namespace joinguard::sandbox::logic
