// Go encoding/pem.Decode semantics, enough for CSR/certificate validation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace joinguard::sandbox::logic {

struct PemBlock {
  std::string type;
  std::map<std::string, std::string> headers;
  std::string bytes;  // decoded DER
};

// Finds the first well-formed PEM block in `data` (leading junk skipped, malformed blocks skipped
// as Go does); `rest` receives the data after it. nullopt when there is none.
std::optional<PemBlock> PemDecode(std::string_view data, std::string_view* rest);

}  // namespace joinguard::sandbox::logic
