#include "node-helper/config/go_hex.h"

#include <cstdio>

namespace joinguard::node::config {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// hex.InvalidByteError: fmt.Sprintf("encoding/hex: invalid byte: %#U", rune(e)).
Status InvalidHexByte(unsigned char c) {
  char buf[32];
  if (c >= 0x20 && c < 0x7f) {
    std::snprintf(buf, sizeof buf, "U+%04X '%c'", c, c);
  } else {
    std::snprintf(buf, sizeof buf, "U+%04X", c);
  }
  return InvalidArgumentError(std::string("encoding/hex: invalid byte: ") + buf);
}

}  // namespace

StatusOr<std::string> DecodeHexGo(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 1; i < hex.size(); i += 2) {
    int hi = HexDigit(hex[i - 1]);
    int lo = HexDigit(hex[i]);
    if (hi < 0) return InvalidHexByte(static_cast<unsigned char>(hex[i - 1]));
    if (lo < 0) return InvalidHexByte(static_cast<unsigned char>(hex[i]));
    out += static_cast<char>((hi << 4) | lo);
  }
  if (hex.size() % 2 == 1) {
    if (HexDigit(hex.back()) < 0) return InvalidHexByte(static_cast<unsigned char>(hex.back()));
    return InvalidArgumentError("encoding/hex: odd length hex string");
  }
  return out;
}

}  // namespace joinguard::node::config
