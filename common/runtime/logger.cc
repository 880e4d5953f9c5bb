#include "common/runtime/logger.h"

#include <chrono>
#include <ctime>

#include "common/text/enum_names.h"
namespace joinguard::runtime {
namespace {

std::string_view LevelName(LogLevel l) {
  static constexpr std::string_view kNames[] = {"debug", "info", "warning", "error"};
  return text::EnumName(l, kNames, "info");
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

void Logger::Log(LogLevel level, std::string_view message, const LogFields& fields) const {
  if (!Enabled(level)) return;
  std::string line;
  if (format_ == Format::kJson) {
    line = "{\"ts\":" + JsonQuote(Timestamp()) + ",\"level\":" + JsonQuote(LevelName(level)) +
           ",\"msg\":" + JsonQuote(message);
    for (const auto& [k, v] : fields) line += "," + JsonQuote(k) + ":" + JsonQuote(v);
    line += "}\n";
  } else {
    line = Timestamp() + " " + std::string(LevelName(level)) + " " + std::string(message);
    for (const auto& [k, v] : fields) {
      bool quote = v.empty() || v.find_first_of(" \t\"=") != std::string::npos;
      line += " " + k + "=" + (quote ? JsonQuote(v) : v);
    }
    line += "\n";
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

bool Logger::ParseLevel(std::string_view text, LogLevel* out) {
  if (text == "debug")
    *out = LogLevel::kDebug;
  else if (text == "info")
    *out = LogLevel::kInfo;
  else if (text == "warning" || text == "warn")
    *out = LogLevel::kWarning;
  else if (text == "error")
    *out = LogLevel::kError;
  else
    return false;
  return true;
}

}  // namespace joinguard::runtime
