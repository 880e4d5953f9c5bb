// Small helpers shared by the sandbox logic modules: RFC 3339 time, base64 Secret data, field
// errors in apimachinery's wording.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"

namespace joinguard::sandbox::logic {

// "2026-11-29T03:06:24Z" (metav1.Time: whole seconds, UTC).
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
// Go time.RFC3339 parsing: "YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)". nullopt if unparseable.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s);

// Secret data value (base64 in JSON) as raw bytes; nullopt when absent or not valid base64.
std::optional<std::string> SecretDataValue(const nlohmann::json& secret, const std::string& key);
// cluster-bootstrap's bootstrapsecretutil.GetData: the value, or "" when missing.
inline std::string GetData(const nlohmann::json& secret, const std::string& key) {
  return SecretDataValue(secret, key).value_or("");
}

// One apimachinery field.Error, rendered as upstream's Error(): "<field>: <Type>: <detail>".
struct FieldError {
  std::string field;
  std::string type;   // "Required value", "Invalid value", "Unsupported value", ...
  std::string value;  // already rendered (e.g. "\"foo\"", "599"); empty = omitted
  std::string detail;
  std::string ToString() const;
};

// kInvalidArgument (reason "Invalid", 422) with the upstream message
// `<Kind>.<group> "<name>" is invalid: <e1>` or `... is invalid: [e1, e2]`.
Status InvalidError(std::string_view kind_group, std::string_view name,
                    const std::vector<FieldError>& errors);

std::string GoQuote(std::string_view s);  // "\"...\"" with JSON-style escaping

}  // namespace joinguard::sandbox::logic
