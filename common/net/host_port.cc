#include "common/net/host_port.h"

namespace joinguard::net {
namespace {

constexpr int kMaxPort = 65535;

}  // namespace

std::string JoinHostPort(std::string_view host, std::string_view port) {
  if (host.find(':') != std::string_view::npos) {
    return "[" + std::string(host) + "]:" + std::string(port);
  }
  return std::string(host) + ":" + std::string(port);
}

std::string JoinHostPort(std::string_view host, int port) { return JoinHostPort(host, std::to_string(port)); }

std::string HttpsUrl(std::string_view host, std::string_view port) {
  return "https://" + JoinHostPort(host, port);
}

std::string HttpsUrl(std::string_view host, int port) { return HttpsUrl(host, std::to_string(port)); }

Status SplitHostPort(std::string_view address, std::string* host, std::string* port) {
  auto fail = [&](std::string_view why) {
    return InvalidArgumentError("address " + std::string(address) + ": " + std::string(why));
  };
  const size_t i = address.rfind(':');
  if (i == std::string_view::npos) return fail("missing port in address");
  std::string_view h;
  if (!address.empty() && address[0] == '[') {
    const size_t end = address.find(']');
    if (end == std::string_view::npos) return fail("missing ']' in address");
    if (end + 1 == address.size()) return fail("missing port in address");
    if (end + 1 != i) {
      if (address[end + 1] == ':') return fail("too many colons in address");
      return fail("missing port in address");
    }
    h = address.substr(1, end - 1);
    if (h.find('[') != std::string_view::npos) return fail("unexpected '[' in address");
    if (address.substr(end + 1).find(']') != std::string_view::npos) {
      return fail("unexpected ']' in address");
    }
  } else {
    h = address.substr(0, i);
    if (h.find(':') != std::string_view::npos) return fail("too many colons in address");
    if (h.find('[') != std::string_view::npos) return fail("unexpected '[' in address");
    if (h.find(']') != std::string_view::npos) return fail("unexpected ']' in address");
  }
  const std::string_view p = address.substr(i + 1);
  if (p.find(']') != std::string_view::npos) return fail("unexpected ']' in address");
  if (host != nullptr) *host = std::string(h);
  if (port != nullptr) *port = std::string(p);
  return OkStatus();
}

std::string HostOf(std::string_view hostport) {
  std::string host;
  if (!SplitHostPort(hostport, &host, nullptr).ok()) return std::string(hostport);
  return host;
}

bool HasPort(std::string_view hostport) { return SplitHostPort(hostport, nullptr, nullptr).ok(); }

StatusOr<int> ParsePort(std::string_view port) {
  const Status invalid = InvalidArgumentError("port must be a valid number between 1 and 65535, inclusive");
  if (port.empty()) return invalid;
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return invalid;
    value = value * 10 + (c - '0');
    if (value > kMaxPort) return invalid;  // also keeps the accumulation from overflowing
  }
  if (value < 1 || value > kMaxPort) return invalid;
  return value;
}

}  // namespace joinguard::net
