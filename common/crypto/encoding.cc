#include "common/crypto/encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <limits>
#include <utility>

#include "common/crypto/openssl_handles.h"
#include "common/crypto/utf8.h"

namespace joinguard::crypto {
namespace {

constexpr std::string_view kStdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string EncodeBase64(std::string_view in, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t left = in.size() - i;
  if (left == 1) {
    uint32_t v = byte(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (left == 2) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

enum class Padding { kRequired, kOptional };

// Go's base64 decoding rules (encoding/base64): CR and LF are ignored anywhere, any other byte
// outside the alphabet is an error, padding must complete the last quantum exactly and nothing
// but CR/LF may follow it. Like Go's non-Strict encodings, unused trailing bits are ignored.
StatusOr<std::string> DecodeBase64(std::string_view text, std::string_view alphabet, Padding padding,
                                   std::string_view what) {
  std::array<int8_t, 256> table;
  table.fill(-1);
  for (size_t k = 0; k < alphabet.size(); ++k) {
    table[static_cast<unsigned char>(alphabet[k])] = static_cast<int8_t>(k);
  }
  std::string vals;
  vals.reserve(text.size());
  size_t pad = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      if (++pad > 2) {
        return InvalidArgumentError(std::string(what) + ": illegal data at input byte " + std::to_string(i));
      }
      continue;
    }
    if (pad > 0 || table[c] < 0) {
      return InvalidArgumentError(std::string(what) + ": illegal data at input byte " + std::to_string(i));
    }
    vals += static_cast<char>(table[c]);
  }
  const size_t rem = vals.size() % 4;
  if (rem == 1) {
    return InvalidArgumentError(std::string(what) + ": truncated input (" + std::to_string(vals.size()) +
                                " significant characters)");
  }
  if (pad > 0 && (rem == 0 || rem + pad != 4)) {
    return InvalidArgumentError(std::string(what) + ": incorrect padding");
  }
  if (pad == 0 && rem != 0 && padding == Padding::kRequired) {
    return InvalidArgumentError(std::string(what) + ": missing padding");
  }
  std::string out;
  out.reserve(vals.size() / 4 * 3 + 2);
  size_t i = 0;
  auto v = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(vals[k])); };
  for (; i + 4 <= vals.size(); i += 4) {
    uint32_t n = (v(i) << 18) | (v(i + 1) << 12) | (v(i + 2) << 6) | v(i + 3);
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
  }
  if (rem == 2) {
    uint32_t n = (v(i) << 18) | (v(i + 1) << 12);
    out += static_cast<char>((n >> 16) & 0xff);
  } else if (rem == 3) {
    uint32_t n = (v(i) << 18) | (v(i + 1) << 12) | (v(i + 2) << 6);
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
  }
  return out;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure or a missing provider: a programming error.
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    ClearOpenSslErrors();
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

int HexDigitValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Base64Encode(std::string_view bytes) { return EncodeBase64(bytes, kStdAlphabet, true); }

StatusOr<std::string> Base64Decode(std::string_view text) {
  return DecodeBase64(text, kStdAlphabet, Padding::kRequired, "invalid base64");
}

std::string Base64UrlEncode(std::string_view bytes) { return EncodeBase64(bytes, kUrlAlphabet, false); }

StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  return DecodeBase64(text, kUrlAlphabet, Padding::kOptional, "invalid base64url");
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

StatusOr<std::string> HexDecode(std::string_view hex) {
  // Same order of checks as Go's encoding/hex: an invalid byte is reported before odd length.
  std::string out;
  out.reserve(hex.size() / 2);
  size_t i = 1;
  for (; i < hex.size(); i += 2) {
    int hi = HexDigitValue(static_cast<unsigned char>(hex[i - 1]));
    int lo = HexDigitValue(static_cast<unsigned char>(hex[i]));
    if (hi < 0 || lo < 0) {
      size_t bad = hi < 0 ? i - 1 : i;
      return InvalidArgumentError("invalid hex: invalid byte at offset " + std::to_string(bad));
    }
    out += static_cast<char>((hi << 4) | lo);
  }
  if (hex.size() % 2 == 1) {
    if (HexDigitValue(static_cast<unsigned char>(hex.back())) < 0) {
      return InvalidArgumentError("invalid hex: invalid byte at offset " + std::to_string(hex.size() - 1));
    }
    return InvalidArgumentError("invalid hex: odd length hex string");
  }
  return out;
}

std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }

std::string Sha512_256(std::string_view data) { return Digest(EVP_sha512_256(), data); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  static const unsigned char kEmpty[1] = {0};
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const unsigned char* k = key.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const unsigned char* d = data.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), d, data.size(), out, &len) == nullptr) {
    ClearOpenSslErrors();
    std::abort();  // only on allocation failure / missing default provider
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n == 0) return out;
  if (n > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgumentError("RandomBytes: request too large");
  }
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return OpenSslError("generating random bytes", StatusCode::kUnavailable);
  }
  return out;
}

namespace {

// strconv.Quote's two-character escapes (Go's strconv/quote.go appendEscapedRune), or nullptr.
const char* GoShortEscape(unsigned char c) {
  static constexpr std::pair<unsigned char, const char*> kEscapes[] = {
      {'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"},  {'\n', "\\n"}, {'\r', "\\r"},
      {'\t', "\\t"}, {'\v', "\\v"}, {'\\', "\\\\"}, {'"', "\\\""},
  };
  for (const auto& [ch, escape] : kEscapes) {
    if (ch == c) return escape;
  }
  return nullptr;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    uint32_t rune = 0;
    size_t n = DecodeUtf8(s, i, &rune);
    if (n == 0) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    if (n == 1) {
      const unsigned char c = static_cast<unsigned char>(rune);
      if (const char* e = GoShortEscape(c)) {
        out += e;
      } else if (c < 0x20 || c == 0x7f) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    } else if (rune <= 0xa0 || rune == 0xad || rune == 0x1680 || (rune >= 0x2000 && rune <= 0x200f) ||
               (rune >= 0x2028 && rune <= 0x202f) || (rune >= 0x205f && rune <= 0x2064) || rune == 0x3000 ||
               rune == 0xfeff || (rune >= 0xfff9 && rune <= 0xfffb)) {
      // Code points strconv.IsPrint rejects (C1 controls, non-ASCII spaces, format characters,
      // separators, BOM) are escaped as Go does. Unassigned code points are not detected.
      std::snprintf(buf, sizeof(buf), rune > 0xffff ? "\\U%08x" : "\\u%04x", rune);
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += '"';
  return out;
}

}  // namespace joinguard::crypto
