#include "common/crypto/pin.h"

#include <algorithm>
#include <cstdio>

#include "common/crypto/encoding.h"
#include "common/text/ascii.h"

namespace joinguard::crypto {
namespace {

constexpr std::string_view kSupportedFormats = "sha256";

// Go's fmt %#U of a byte converted to a rune: "U+0067 'g'"; non-printable runes without quotes.
std::string GoRuneU(unsigned char b) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "U+%04X", b);
  std::string out = buf;
  const bool printable = (b >= 0x20 && b < 0x7f) || (b >= 0xa1 && b != 0xad);
  if (printable) {
    out += " '";
    if (b < 0x80) {
      out += static_cast<char>(b);
    } else {
      out += static_cast<char>(0xc0 | (b >> 6));
      out += static_cast<char>(0x80 | (b & 0x3f));
    }
    out += "'";
  }
  return out;
}

// hex.DecodeString's error text ("encoding/hex: ..."), or empty when `hex` decodes.
std::string GoHexError(std::string_view hex) {
  size_t i = 1;
  for (; i < hex.size(); i += 2) {
    if (HexDigitValue(static_cast<unsigned char>(hex[i - 1])) < 0) {
      return "encoding/hex: invalid byte: " + GoRuneU(static_cast<unsigned char>(hex[i - 1]));
    }
    if (HexDigitValue(static_cast<unsigned char>(hex[i])) < 0) {
      return "encoding/hex: invalid byte: " + GoRuneU(static_cast<unsigned char>(hex[i]));
    }
  }
  if (hex.size() % 2 == 1) {
    if (HexDigitValue(static_cast<unsigned char>(hex.back())) < 0) {
      return "encoding/hex: invalid byte: " + GoRuneU(static_cast<unsigned char>(hex.back()));
    }
    return "encoding/hex: odd length hex string";
  }
  return {};
}

std::string HexPin(std::string_view spki_der) { return HexEncode(Sha256(spki_der)); }

}  // namespace

std::string SpkiPinFromDer(std::string_view spki_der) { return "sha256:" + HexPin(spki_der); }

std::string SpkiPin(const Certificate& cert) { return SpkiPinFromDer(cert.SpkiDer()); }

Status PinSet::Allow(const std::vector<std::string>& pins) {
  for (const std::string& pin : pins) JG_RETURN_IF_ERROR(Allow(pin));
  return OkStatus();
}

Status PinSet::Allow(std::string_view pin) {
  // kubeadm pubkeypin.Set.Allow, including its error texts.
  const size_t colon = pin.find(':');
  if (colon == std::string_view::npos || pin.find(':', colon + 1) != std::string_view::npos) {
    return InvalidArgumentError("invalid hash, expected \"format:hex-value\". Known format(s) are: " +
                                std::string(kSupportedFormats));
  }
  const std::string_view format = pin.substr(0, colon);
  const std::string_view value = pin.substr(colon + 1);
  if (text::AsciiLower(format) != "sha256") {
    return InvalidArgumentError("unknown hash format " + GoQuote(format) +
                                ". Known format(s) are: " + std::string(kSupportedFormats));
  }
  const size_t decoded_len = value.size() / 2;
  if (decoded_len != 32) {
    return InvalidArgumentError("invalid hash " + GoQuote(pin) + ", expected a 32 byte SHA-256 hash, found " +
                                std::to_string(decoded_len) + " bytes");
  }
  if (std::string err = GoHexError(value); !err.empty()) {
    return InvalidArgumentError("invalid hash " + GoQuote(pin) +
                                ", could not decode SHA-256 from hex: " + err);
  }
  sha256_.insert(text::AsciiLower(value));
  return OkStatus();
}

Status PinSet::Check(const Certificate& cert) const { return CheckAny({cert}); }

Status PinSet::CheckAny(const std::vector<Certificate>& certs) const {
  std::string hashes;
  for (const Certificate& cert : certs) {
    const std::string hex = HexPin(cert.SpkiDer());
    if (sha256_.count(hex) > 0) return OkStatus();
    if (!hashes.empty()) hashes += ':';
    hashes += "sha256:" + hex;
  }
  return FailedPreconditionError("none of the public keys " + GoQuote(hashes) + " are pinned");
}

}  // namespace joinguard::crypto
