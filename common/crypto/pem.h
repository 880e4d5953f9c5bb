// PEM blocks with the exact semantics of Go's encoding/pem (which kubeadm, kubelet and the API
// server use): Decode skips text before a block, skips malformed blocks and keeps going, and
// reports "Key: value" headers so callers can reject them as upstream does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace joinguard::crypto {

struct PemBlock {
  std::string type;                            // "CERTIFICATE", "EC PRIVATE KEY", ...
  std::map<std::string, std::string> headers;  // RFC 1421 headers; usually empty
  std::string bytes;                           // decoded DER
};

// Decodes the first well-formed PEM block in `data`; on success `*rest` (if non-null) receives
// the text after the block. nullopt when no block is found (then *rest is `data`), as pem.Decode.
std::optional<PemBlock> PemDecode(std::string_view data, std::string_view* rest = nullptr);

// Every well-formed block, in order.
std::vector<PemBlock> PemDecodeAll(std::string_view data);

// "-----BEGIN <type>-----\n" + base64 in 64-column lines + "-----END <type>-----\n".
std::string PemEncode(std::string_view type, std::string_view der);

// True when `s` holds only spaces, tabs, CR and LF.
bool IsPemWhitespace(std::string_view s);

}  // namespace joinguard::crypto
