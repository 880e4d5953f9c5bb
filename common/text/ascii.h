// ASCII case folding and trimming, the one copy every caller uses. Kubernetes and Go compare
// these tokens byte-wise in ASCII (Go's strings.ToLower / strings.EqualFold on ASCII input,
// strings.TrimSpace on ASCII white space); locale-dependent <cctype> folding is never wanted.
#pragma once

#include <string>
#include <string_view>

namespace joinguard::text {

// Go's unicode.IsSpace restricted to ASCII: '\t', '\n', '\v', '\f', '\r', ' '.
inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// `s` without leading and trailing bytes from `chars` (default: ASCII white space).
inline std::string_view TrimAscii(std::string_view s, std::string_view chars = kAsciiSpace) {
  const size_t begin = s.find_first_not_of(chars);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(chars) - begin + 1);
}

}  // namespace joinguard::text
