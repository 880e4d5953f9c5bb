#include "common/crypto/token.h"

#include "common/crypto/encoding.h"

namespace joinguard::crypto {
namespace {

constexpr size_t kIdLength = 6;
constexpr size_t kSecretLength = 16;
constexpr std::string_view kGroupPrefix = "system:bootstrappers:";

bool IsTokenChar(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Hand-written equivalents of the upstream Go regexps. \A and \z anchor at the very start and
// end of the text (no trailing-newline allowance as with `$`), so an exact length check plus a
// per-character class check is equivalent.
bool MatchesTokenId(std::string_view id) {
  if (id.size() != kIdLength) return false;
  for (unsigned char c : id) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// No early exit: the time taken does not depend on where a bad character is.
bool SecretIsWellFormedConstantTime(std::string_view secret) {
  if (secret.size() != kSecretLength) return false;
  unsigned bad = 0;
  for (unsigned char c : secret) {
    const unsigned lower = static_cast<unsigned>(c - 'a') <= 25u;
    const unsigned digit = static_cast<unsigned>(c - '0') <= 9u;
    bad |= (lower | digit) ^ 1u;
  }
  return bad == 0;
}

}  // namespace

StatusOr<BootstrapToken> ParseBootstrapToken(std::string_view token) {
  // kubeadm NewBootstrapTokenString: BootstrapTokenRegexp.FindStringSubmatch must give 3 parts.
  if (token.size() == kIdLength + 1 + kSecretLength && token[kIdLength] == '.' &&
      MatchesTokenId(token.substr(0, kIdLength)) &&
      SecretIsWellFormedConstantTime(token.substr(kIdLength + 1))) {
    return BootstrapToken{std::string(token.substr(0, kIdLength)), std::string(token.substr(kIdLength + 1))};
  }
  // kubeadm's text (`%q` quotes both, escaping the pattern's backslashes), except that the
  // part after the '.' is redacted: a mistyped token is still mostly a secret, and error
  // messages end up in logs.
  std::string shown;
  if (auto dot = token.find('.'); dot != std::string_view::npos) {
    shown = GoQuote(std::string(token.substr(0, dot)) + ".<redacted>");
  } else {
    shown = "\"<redacted>\"";
  }
  return InvalidArgumentError("the bootstrap token " + shown + " was not of the form " +
                              GoQuote(kBootstrapTokenPattern));
}

bool IsValidBootstrapToken(std::string_view token) {
  // cluster-bootstrap IsValidBootstrapToken: exactly two '.'-separated parts.
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    return false;
  }
  const bool id_ok = MatchesTokenId(token.substr(0, dot));
  const bool secret_ok = SecretIsWellFormedConstantTime(token.substr(dot + 1));
  return id_ok && secret_ok;
}

bool IsValidBootstrapTokenId(std::string_view id) { return MatchesTokenId(id); }

bool IsValidBootstrapGroup(std::string_view group) {
  // \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z
  if (group.substr(0, kGroupPrefix.size()) != kGroupPrefix) return false;
  std::string_view rest = group.substr(kGroupPrefix.size());
  if (rest.empty() || rest.size() > 256) return false;
  for (unsigned char c : rest) {
    if (!IsTokenChar(c) && c != ':' && c != '-') return false;
  }
  return IsTokenChar(static_cast<unsigned char>(rest.back()));
}

StatusOr<BootstrapToken> GenerateBootstrapToken() {
  static constexpr std::string_view kAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string chars;
  chars.reserve(kIdLength + kSecretLength);
  while (chars.size() < kIdLength + kSecretLength) {
    JG_ASSIGN_OR_RETURN(std::string random, RandomBytes(64));
    for (unsigned char b : random) {
      // Rejection sampling: 252 = 7 * 36, so b % 36 is uniform for b < 252.
      if (b >= 252) continue;
      chars += kAlphabet[b % 36];
      if (chars.size() == kIdLength + kSecretLength) break;
    }
  }
  return BootstrapToken{chars.substr(0, kIdLength), chars.substr(kIdLength)};
}

std::string RedactToken(std::string_view token) {
  if (!IsValidBootstrapToken(token)) return "<invalid token>";
  return std::string(token.substr(0, kIdLength)) + ".<redacted>";
}

}  // namespace joinguard::crypto
