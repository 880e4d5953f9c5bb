#include "common/status/status.h"

#include <cstdio>
#include <iterator>

#include "common/text/enum_names.h"
namespace joinguard {

std::string_view StatusCodeName(StatusCode code) {
  // Indexed by code: OK, then JG_STATUS_ERROR_CODES in numeric order (checked below).
#define JG_STATUS_CODE_NAME(name, number, text) text,
  static constexpr std::string_view kNames[] = {"OK", JG_STATUS_ERROR_CODES(JG_STATUS_CODE_NAME)};
#undef JG_STATUS_CODE_NAME
#define JG_STATUS_CODE_NUMBER(name, number, text) number,
  static constexpr int kNumbers[] = {0, JG_STATUS_ERROR_CODES(JG_STATUS_CODE_NUMBER)};
#undef JG_STATUS_CODE_NUMBER
  static_assert(
      [] {
        for (size_t i = 0; i < std::size(kNumbers); ++i) {
          if (kNumbers[i] != static_cast<int>(i)) return false;
        }
        return true;
      }(),
      "JG_STATUS_ERROR_CODES must list the codes 1, 2, 3, ... in order");
  return text::EnumName(code, kNames, "UNKNOWN_CODE");
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  Status s(code_, std::string(context) + ": " + message_);
  s.reason_ = reason_;
  s.http_status_ = http_status_;
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }
std::ostream& operator<<(std::ostream& os, StatusCode c) { return os << StatusCodeName(c); }

}  // namespace joinguard
