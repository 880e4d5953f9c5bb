#include "tests/sandbox/logic/pem.h"

#include "common/crypto/encoding.h"

namespace joinguard::sandbox::logic {

namespace {
std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<PemBlock> PemDecode(std::string_view data, std::string_view* rest) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----";
  while (true) {
    size_t begin = data.find(kBegin);
    if (begin == std::string_view::npos) return std::nullopt;
    // Go requires BEGIN at the start of a line.
    if (begin != 0 && data[begin - 1] != '\n') {
      data.remove_prefix(begin + kBegin.size());
      continue;
    }
    std::string_view after = data.substr(begin + kBegin.size());
    size_t eol = after.find('\n');
    std::string_view type_line = after.substr(0, eol);
    std::string_view next = eol == std::string_view::npos ? std::string_view() : after.substr(eol + 1);
    type_line = TrimSpace(type_line);
    if (type_line.size() < kDashes.size() || type_line.substr(type_line.size() - kDashes.size()) != kDashes) {
      data = next;
      continue;
    }
    PemBlock block;
    block.type = std::string(type_line.substr(0, type_line.size() - kDashes.size()));
    std::string_view body = next;
    // Headers: "Key: Value" lines until a line without ':'.
    while (true) {
      size_t nl = body.find('\n');
      std::string_view line = TrimSpace(body.substr(0, nl));
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || line.empty()) break;
      block.headers[std::string(TrimSpace(line.substr(0, colon)))] =
          std::string(TrimSpace(line.substr(colon + 1)));
      if (nl == std::string_view::npos) {
        body = std::string_view();
        break;
      }
      body.remove_prefix(nl + 1);
    }
    const std::string end_marker = "-----END " + block.type + "-----";
    size_t end = body.find(end_marker);
    if (end == std::string_view::npos || (end != 0 && body[end - 1] != '\n')) {
      data = next;
      continue;
    }
    std::string b64;
    for (char c : body.substr(0, end)) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') b64.push_back(c);
    }
    auto der = crypto::Base64Decode(b64);
    if (!der.ok()) {
      data = next;
      continue;
    }
    block.bytes = std::move(*der);
    std::string_view remaining = body.substr(end + end_marker.size());
    size_t nl = remaining.find('\n');
    if (rest) *rest = nl == std::string_view::npos ? std::string_view() : remaining.substr(nl + 1);
    return block;
  }
}

}  // namespace joinguard::sandbox::logic
