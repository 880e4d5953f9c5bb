#include "node-helper/preflight/proxy.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstring>
#include <vector>

#include "common/net/host_port.h"
#include "common/text/ascii.h"

namespace joinguard::node::preflight {
namespace {

// kubeadm gives an IPv6 host this port so url.URL can carry it (HTTPProxyCheck).
constexpr char kIpv6PlaceholderPort[] = "1234";
constexpr char kHttpsPort[] = "443";

struct Ip {
  int family = 0;  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};
  size_t size() const { return family == AF_INET ? 4 : 16; }
};

std::optional<Ip> ParseIp(const std::string& s) {
  Ip ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

bool IsLoopback(const Ip& ip) {
  if (ip.family == AF_INET) return ip.bytes[0] == 127;
  static const std::array<unsigned char, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return ip.bytes == kV6Loopback;
}

bool SameIp(const Ip& a, const Ip& b) {
  return a.family == b.family && std::memcmp(a.bytes.data(), b.bytes.data(), a.size()) == 0;
}

bool InCidr(const Ip& ip, const Ip& net, int bits) {
  if (ip.family != net.family) return false;
  for (int i = 0; i < bits; ++i) {
    const unsigned char mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((ip.bytes[i / 8] & mask) != (net.bytes[i / 8] & mask)) return false;
  }
  return true;
}

std::optional<std::string> EnvAny(const EnvLookup& getenv, const char* upper, const char* lower) {
  for (const char* name : {upper, lower}) {
    auto v = getenv(name);
    if (v && !v->empty()) return v;
  }
  return std::nullopt;
}

// golang.org/x/net/http/httpproxy config.useProxy for "host:port".
bool UseProxy(const std::string& no_proxy, const std::string& raw_host, const std::string& port) {
  const std::string host = text::AsciiLower(text::TrimAscii(raw_host));
  if (host == "localhost") return false;
  auto ip = ParseIp(host);
  if (ip && IsLoopback(*ip)) return false;
  size_t start = 0;
  while (start <= no_proxy.size()) {
    size_t comma = no_proxy.find(',', start);
    std::string entry = text::AsciiLower(text::TrimAscii(
        no_proxy.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    start = comma == std::string::npos ? no_proxy.size() + 1 : comma + 1;
    if (entry.empty()) continue;
    if (entry == "*") return false;
    if (size_t slash = entry.find('/'); slash != std::string::npos) {
      auto net = ParseIp(entry.substr(0, slash));
      const std::string bits_text = entry.substr(slash + 1);
      if (!net || bits_text.empty() || bits_text.size() > 3 ||
          bits_text.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const int bits = std::stoi(bits_text);
      if (bits > static_cast<int>(net->size() * 8)) continue;
      if (ip && InCidr(*ip, *net, bits)) return false;
      continue;
    }
    std::string entry_host = entry, entry_port;
    if (std::string h, p; net::SplitHostPort(entry, &h, &p).ok()) {
      entry_host = h;
      entry_port = p;
    }
    if (auto entry_ip = ParseIp(entry_host)) {
      if (ip && SameIp(*ip, *entry_ip) && (entry_port.empty() || entry_port == port)) return false;
      continue;
    }
    if (entry_host.empty()) continue;
    if (entry_host.rfind("*.", 0) == 0) entry_host = entry_host.substr(1);
    bool match_host = false;
    if (entry_host[0] != '.') {
      match_host = true;
      entry_host = "." + entry_host;
    }
    const bool suffix = host.size() >= entry_host.size() &&
                        host.compare(host.size() - entry_host.size(), entry_host.size(), entry_host) == 0;
    if ((suffix || (match_host && host == entry_host.substr(1))) &&
        (entry_port.empty() || entry_port == port)) {
      return false;
    }
  }
  return true;
}

// The proxy URL as url.URL.String() shows it, with the password redacted (url.URL.Redacted).
std::string ShowProxy(const std::string& value) {
  std::string url = value.find("://") == std::string::npos ? "http://" + value : value;
  const size_t scheme_end = url.find("://") + 3;
  const size_t at = url.find('@', scheme_end);
  const size_t slash = url.find('/', scheme_end);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    const size_t colon = url.find(':', scheme_end);
    if (colon != std::string::npos && colon < at) url.replace(colon + 1, at - colon - 1, "xxxxx");
  }
  return url;
}

}  // namespace

std::string HttpsUrlFor(const std::string& host) {
  auto ip = ParseIp(host);
  if (ip && ip->family == AF_INET6) return "https://[" + host + "]:" + kIpv6PlaceholderPort;
  return "https://" + host;
}

std::optional<std::string> HttpsProxyFor(const EnvLookup& getenv, const std::string& host) {
  auto proxy = EnvAny(getenv, "HTTPS_PROXY", "https_proxy");
  if (!proxy) return std::nullopt;
  auto ip = ParseIp(host);
  const std::string port = ip && ip->family == AF_INET6 ? kIpv6PlaceholderPort : kHttpsPort;
  const std::string no_proxy = EnvAny(getenv, "NO_PROXY", "no_proxy").value_or("");
  if (!UseProxy(no_proxy, host, port)) return std::nullopt;
  return ShowProxy(*proxy);
}

}  // namespace joinguard::node::preflight
