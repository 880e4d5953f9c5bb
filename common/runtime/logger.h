// A small structured logger. No global instance: main() creates one and passes it down.
// Fields are key/value strings; secrets must never be passed (use crypto::RedactToken).
#pragma once

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace joinguard::runtime {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

using LogField = std::pair<std::string, std::string>;
using LogFields = std::vector<LogField>;

class Logger {
 public:
  enum class Format { kText, kJson };
  // Writes to `out` (not owned; stderr by default).
  explicit Logger(LogLevel min_level = LogLevel::kInfo, Format format = Format::kText,
                  std::FILE* out = stderr)
      : min_level_(min_level), format_(format), out_(out) {}

  void Log(LogLevel level, std::string_view message, const LogFields& fields = {}) const;
  void Debug(std::string_view m, const LogFields& f = {}) const { Log(LogLevel::kDebug, m, f); }
  void Info(std::string_view m, const LogFields& f = {}) const { Log(LogLevel::kInfo, m, f); }
  void Warning(std::string_view m, const LogFields& f = {}) const { Log(LogLevel::kWarning, m, f); }
  void Error(std::string_view m, const LogFields& f = {}) const { Log(LogLevel::kError, m, f); }
  bool Enabled(LogLevel level) const { return level >= min_level_; }

  static bool ParseLevel(std::string_view text, LogLevel* out);

 private:
  LogLevel min_level_;
  Format format_;
  std::FILE* out_;
  mutable std::mutex mu_;  // serialises writes to out_
};

// Escapes a string as a JSON string literal (with quotes).
std::string JsonQuote(std::string_view s);

}  // namespace joinguard::runtime
