// Encodings, digests, MACs and randomness.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::crypto {

// Byte strings are std::string (binary-safe) throughout joinguard.

std::string Base64Encode(std::string_view bytes);              // standard alphabet, '=' padded
StatusOr<std::string> Base64Decode(std::string_view text);     // strict: rejects junk/bad padding
std::string Base64UrlEncode(std::string_view bytes);           // RFC 4648 §5, no padding (Go RawURLEncoding)
StatusOr<std::string> Base64UrlDecode(std::string_view text);  // accepts with or without padding
std::string HexEncode(std::string_view bytes);                 // lower case
StatusOr<std::string> HexDecode(std::string_view hex);         // upper or lower case; odd length fails
int HexDigitValue(unsigned char c);                            // 0-15, or -1 for a non-hex byte

std::string Sha256(std::string_view data);                            // 32 raw bytes
std::string Sha512_256(std::string_view data);                        // FIPS 180-4 SHA-512/256, 32 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes

// Constant-time comparison of secrets (length leak only).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Cryptographically secure random bytes (RAND_bytes).
StatusOr<std::string> RandomBytes(size_t n);

// Added with the implementation:
// Go's strconv.Quote (fmt %q) for byte strings: escapes quotes, backslashes, control bytes and
// invalid UTF-8, so error messages that must match kubeadm's %q texts are byte-identical.
std::string GoQuote(std::string_view s);

}  // namespace joinguard::crypto
