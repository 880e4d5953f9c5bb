#include "common/crypto/utf8.h"

namespace joinguard::crypto {

size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* rune) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n;
  uint32_t r;
  if (c < 0x80) {
    *rune = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    r = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    r = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    r = c & 0x07;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    r = (r << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && r < 0x800) || (n == 4 && (r < 0x10000 || r > 0x10ffff)) || (r >= 0xd800 && r <= 0xdfff)) {
    return 0;
  }
  *rune = r;
  return n;
}

bool IsValidUtf8(std::string_view s) {
  uint32_t rune = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = DecodeUtf8(s, i, &rune);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace joinguard::crypto
