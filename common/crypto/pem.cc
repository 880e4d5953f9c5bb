#include "common/crypto/pem.h"

#include "common/crypto/encoding.h"
#include "common/text/ascii.h"

namespace joinguard::crypto {
namespace {

constexpr std::string_view kPemStart = "\n-----BEGIN ";
constexpr std::string_view kPemEnd = "\n-----END ";
constexpr std::string_view kPemEndOfLine = "-----";

bool HasPrefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool HasSuffix(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Go's pem.getLine: the line up to '\n' (minus one '\r') without trailing spaces/tabs, and the rest.
std::string_view GetLine(std::string_view data, std::string_view* rest) {
  size_t i = data.find('\n');
  size_t j;
  if (i == std::string_view::npos) {
    i = data.size();
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] == '\r') --i;
  }
  std::string_view line = data.substr(0, i);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  *rest = data.substr(j);
  return line;
}

}  // namespace

bool IsPemWhitespace(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// A line-for-line port of Go's encoding/pem.Decode (go1.21+), so that what joinguard accepts
// is exactly what kubeadm, the kubelet and the API server accept.
std::optional<PemBlock> PemDecode(std::string_view data, std::string_view* rest_out) {
  std::string_view rest = data;
  if (rest_out != nullptr) *rest_out = data;
  for (;;) {
    if (HasPrefix(rest, kPemStart.substr(1))) {
      rest.remove_prefix(kPemStart.size() - 1);
    } else if (size_t at = rest.find(kPemStart); at != std::string_view::npos) {
      rest.remove_prefix(at + kPemStart.size());
    } else {
      return std::nullopt;
    }
    std::string_view type_line = GetLine(rest, &rest);
    if (!HasSuffix(type_line, kPemEndOfLine)) continue;
    type_line.remove_suffix(kPemEndOfLine.size());

    PemBlock block;
    block.type = std::string(type_line);
    bool truncated = false;
    for (;;) {
      if (rest.empty()) {
        truncated = true;
        break;
      }
      std::string_view next;
      std::string_view line = GetLine(rest, &next);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) break;
      block.headers[std::string(text::TrimAscii(line.substr(0, colon)))] =
          std::string(text::TrimAscii(line.substr(colon + 1)));
      rest = next;
    }
    if (truncated) return std::nullopt;

    size_t end_index;
    size_t end_trailer_index;
    if (block.headers.empty() && HasPrefix(rest, kPemEnd.substr(1))) {
      end_index = 0;
      end_trailer_index = kPemEnd.size() - 1;
    } else {
      end_index = rest.find(kPemEnd);
      if (end_index == std::string_view::npos) continue;
      end_trailer_index = end_index + kPemEnd.size();
    }
    std::string_view end_trailer = rest.substr(end_trailer_index);
    const size_t end_trailer_len = type_line.size() + kPemEndOfLine.size();
    if (end_trailer.size() < end_trailer_len) continue;
    std::string_view rest_of_end_line = end_trailer.substr(end_trailer_len);
    end_trailer = end_trailer.substr(0, end_trailer_len);
    if (!HasPrefix(end_trailer, type_line) || !HasSuffix(end_trailer, kPemEndOfLine)) continue;
    std::string_view ignored;
    if (!GetLine(rest_of_end_line, &ignored).empty()) continue;

    std::string b64;
    b64.reserve(end_index);
    for (char c : rest.substr(0, end_index)) {
      if (c != ' ' && c != '\t') b64 += c;
    }
    auto decoded = Base64Decode(b64);
    if (!decoded.ok()) continue;
    block.bytes = std::move(decoded).value();
    GetLine(rest.substr(end_index + kPemEnd.size() - 1), &rest);
    if (rest_out != nullptr) *rest_out = rest;
    return block;
  }
}

std::vector<PemBlock> PemDecodeAll(std::string_view data) {
  std::vector<PemBlock> blocks;
  std::string_view rest = data;
  while (auto block = PemDecode(rest, &rest)) blocks.push_back(std::move(*block));
  return blocks;
}

std::string PemEncode(std::string_view type, std::string_view der) {
  std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(type) + "-----\n";
  out.reserve(out.size() * 2 + b64.size() + b64.size() / 64 + 2);
  for (size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out += '\n';
  }
  out += "-----END " + std::string(type) + "-----\n";
  return out;
}

}  // namespace joinguard::crypto
