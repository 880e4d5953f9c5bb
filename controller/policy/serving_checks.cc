#include "controller/policy/serving_checks.h"
#include "controller/policy/expiration_check.h"
#include "controller/policy/text.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace joinguard::controller::policy {
namespace {

constexpr int kIpv4Bits = 32;
constexpr int kIpv6Bits = 128;
constexpr size_t kV4MappedOffset = 12;  // ::ffff:a.b.c.d keeps the IPv4 bytes at 12..15

std::string ServingAdvice(std::string_view what) {
  return std::string(what) +
         "; fix the Node's addresses or the kubelet's serving certificate request, or approve it manually "
         "with "
         "kubectl certificate approve";
}

std::string LowerDns(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsDnsAddressType(std::string_view type) {
  return type == "Hostname" || type == "InternalDNS" || type == "ExternalDNS";
}
bool IsIpAddressType(std::string_view type) { return type == "InternalIP" || type == "ExternalIP"; }

const std::string* ServingNodeName(const CsrContext& ctx) {
  return ctx.node_name().empty() ? nullptr : &ctx.node_name();
}

}  // namespace

StatusOr<IpAddress> ParseIpAddress(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  in_addr v4{};
  in6_addr v6{};
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), &v4) != 1)
      return InvalidArgumentError("\"" + s + "\" is not an IP address");
    ip.bytes[10] = ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + kV4MappedOffset, &v4, 4);
    ip.is_v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1)
    return InvalidArgumentError("\"" + s + "\" is not an IP address");
  std::memcpy(ip.bytes.data(), &v6, 16);
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  ip.is_v4 = std::memcmp(ip.bytes.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0;
  return ip;
}

std::string FormatIpAddress(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip.is_v4) {
    inet_ntop(AF_INET, ip.bytes.data() + kV4MappedOffset, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof(buf));
  }
  return buf;
}

bool IpNet::Contains(const IpAddress& ip) const {
  if (ip.is_v4 != base.is_v4) return false;
  int bits = prefix + (base.is_v4 ? kIpv6Bits - kIpv4Bits : 0);
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

StatusOr<IpNet> ParseIpNet(std::string_view text) {
  size_t slash = text.find('/');
  IpNet net;
  JG_ASSIGN_OR_RETURN(net.base, ParseIpAddress(text.substr(0, slash)));
  int max = net.base.is_v4 ? kIpv4Bits : kIpv6Bits;
  if (slash == std::string_view::npos) {
    net.prefix = max;
    return net;
  }
  std::string_view len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3 ||
      !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgumentError(Quote(text) + " is not a CIDR (address/prefix-length, e.g. 10.96.0.0/12)");
  }
  net.prefix = std::stoi(std::string(len));
  if (net.prefix > max) {
    return InvalidArgumentError(Quote(text) + ": prefix length " + std::to_string(net.prefix) + " exceeds " +
                                std::to_string(max));
  }
  IpNet exact = net;
  // Host bits must be zero (Go's net.ParseCIDR accepts them; we refuse the ambiguity).
  IpAddress masked = net.base;
  int bits = net.prefix + (net.base.is_v4 ? kIpv6Bits - kIpv4Bits : 0);
  for (int i = 0; i < 16; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
    masked.bytes[i] &= mask;
  }
  if (!(masked == exact.base)) {
    return InvalidArgumentError(Quote(text) + " has host bits set; did you mean " + FormatIpAddress(masked) +
                                "/" + std::to_string(net.prefix) + "?");
  }
  return net;
}

std::string CanonicalAddressKey(std::string_view address) {
  auto ip = ParseIpAddress(address);
  if (ip.ok()) return FormatIpAddress(*ip);
  return LowerDns(address);
}

const std::vector<std::string_view>& AllServingDenyReasons() {
  static const auto* const kReasons =
      new std::vector<std::string_view>(DenyReasonsFor(ReasonScope::kServing));
  return *kReasons;
}

// The serving checks, file-local: callers reach them through ServingChecks().
namespace {

CheckResult CheckServingSigner(const CsrContext& ctx, const Policy& p) {
  if (ctx.csr().signer_name == kKubeletServingSigner && p.serving.enabled) return CheckResult::Approve();
  return CheckResult::NoOpinion(
      std::string(reason::kSignerNotHandled),
      ctx.csr().signer_name == kKubeletServingSigner
          ? "serving certificates are not handled by this policy (serving.enabled: false)"
          : "signer " + Quote(ctx.csr().signer_name) + " is not handled by the serving checks");
}

CheckResult CheckServingRequester(const CsrContext& ctx, const Policy&) {
  const CsrObject& csr = ctx.csr();
  bool in_nodes = std::find(csr.groups.begin(), csr.groups.end(), kNodesGroup) != csr.groups.end();
  bool node_user =
      csr.username.rfind(kNodeUserPrefix, 0) == 0 && csr.username.size() > kNodeUserPrefix.size();
  if (in_nodes && node_user) return CheckResult::Approve();
  return CheckResult::Deny(
      std::string(reason::kServingRequesterNotNode),
      "requester " + Quote(csr.username) + " with groups " + JoinList(csr.groups) +
          " is not a node: a serving certificate may only be requested by the kubelet itself "
          "(system:node:<name> in group system:nodes), with its client certificate");
}

CheckResult CheckServingIdentity(const CsrContext& ctx, const Policy&) {
  if (!ctx.parsed_ok()) return CheckResult::Approve();  // CheckParsed reports it
  std::string cn = ctx.parsed().CommonName();
  if (cn == ctx.csr().username) return CheckResult::Approve();
  return CheckResult::Deny(
      std::string(reason::kServingIdentityMismatch),
      "node " + Quote(ctx.csr().username) + " asked for a serving certificate for " + Quote(cn) +
          "; a node may only request a serving certificate for its own name (requester must "
          "equal the CN)");
}

CheckResult CheckServingUsages(const CsrContext& ctx, const Policy& p) {
  if (!ctx.parsed_ok()) return CheckResult::Approve();
  crypto::KeyAlgorithm alg = ctx.parsed().key_info().algorithm;
  const std::vector<std::string>& usages = ctx.csr().usages;
  std::set<std::string> got(usages.begin(), usages.end());
  std::vector<std::string> allowed_desc;
  for (const UsageRule& rule : p.serving.allowed_usages) {
    if (rule.algorithm != alg) continue;
    for (const auto& set : rule.sets) {
      if (std::set<std::string>(set.begin(), set.end()) == got && got.size() == usages.size()) {
        return CheckResult::Approve();
      }
      allowed_desc.push_back(JoinList(set));
    }
  }
  return CheckResult::Deny(
      std::string(reason::kUsagesNotAllowed),
      ServingAdvice("usages " + JoinList(usages) +
                    " are not exactly one of the serving usage sets allowed for this key type: " +
                    (allowed_desc.empty() ? std::string("none") : JoinList(allowed_desc))));
}

CheckResult CheckServingSans(const CsrContext& ctx, const Policy&) {
  if (!ctx.parsed_ok()) return CheckResult::Approve();
  const crypto::ParsedCsr& csr = ctx.parsed();
  std::vector<std::string> bad;
  for (const auto& v : csr.emails()) bad.push_back("email:" + v);
  for (const auto& v : csr.uris()) bad.push_back("URI:" + v);
  for (const auto& v : csr.other_san_types()) bad.push_back(v);
  if (!bad.empty()) {
    return CheckResult::Deny(std::string(reason::kServingSanNotAllowed),
                             ServingAdvice("a kubelet serving certificate may carry only DNS and IP subject "
                                           "alternative names, found " +
                                           JoinList(bad)));
  }
  if (csr.dns_names().empty() && csr.ip_addresses().empty()) {
    return CheckResult::Deny(
        std::string(reason::kServingSanMissing),
        ServingAdvice("the request carries no DNS or IP subject alternative name; a serving "
                      "certificate needs at least one of the Node's addresses"));
  }
  return CheckResult::Approve();
}

CheckResult CheckServingExpiration(const CsrContext& ctx, const Policy& p) {
  return CheckExpirationCap(ctx, p, p.serving.max_expiration_seconds, "serving.maxExpirationSeconds",
                            ServingAdvice);
}

CheckResult CheckServingAddresses(const CsrContext& ctx, const Policy& p) {
  if (!ctx.parsed_ok()) return CheckResult::Approve();
  const std::string* node = ServingNodeName(ctx);
  if (!node) return CheckResult::Approve();  // CheckSubject reports it
  const crypto::ParsedCsr& csr = ctx.parsed();

  // Policy-only rules first: they need no facts, so they are final even while the Node is
  // not in the cache yet.
  std::vector<IpNet> denied, allowed, api_ips;
  for (const auto& c : p.serving.denied_cidrs) {
    if (auto n = ParseIpNet(c); n.ok()) denied.push_back(*n);  // validated at policy load
  }
  for (const auto& c : p.serving.allowed_cidrs) {
    if (auto n = ParseIpNet(c); n.ok()) allowed.push_back(*n);
  }
  std::set<std::string> api_names;
  if (p.serving.deny_api_server_addresses) {
    for (const auto& a : ctx.facts().api_server_addresses) {
      if (auto ip = ParseIpAddress(a); ip.ok()) {
        api_ips.push_back(IpNet{*ip, ip->is_v4 ? kIpv4Bits : kIpv6Bits});
      } else {
        api_names.insert(LowerDns(a));
      }
    }
  }
  std::vector<IpAddress> ips;
  for (const std::string& text : csr.ip_addresses()) {
    auto ip = ParseIpAddress(text);
    if (!ip.ok()) {
      // ParsedCsr only yields 4- and 16-byte addresses in inet_ntop form, so this is
      // unreachable from a parsed request; an address we cannot read is not the Node's.
      return CheckResult::Deny(std::string(reason::kServingAddressNotOwned),
                               ServingAdvice("IP SAN " + Quote(text) + " is not a valid IP address"));
    }
    for (const IpNet& n : api_ips) {
      if (n.Contains(*ip)) {
        return CheckResult::Deny(std::string(reason::kServingAddressDenied),
                                 ServingAdvice("IP SAN " + text +
                                               " is an address of the API server; a node may "
                                               "never serve under the control plane's identity"));
      }
    }
    for (size_t i = 0; i < denied.size(); ++i) {
      if (denied[i].Contains(*ip)) {
        return CheckResult::Deny(
            std::string(reason::kServingAddressDenied),
            ServingAdvice("IP SAN " + text + " is inside the denied CIDR " + p.serving.denied_cidrs[i] +
                          " (serving.deniedCIDRs, e.g. the service CIDR)"));
      }
    }
    if (!allowed.empty() &&
        std::none_of(allowed.begin(), allowed.end(), [&](const IpNet& n) { return n.Contains(*ip); })) {
      return CheckResult::Deny(std::string(reason::kServingAddressNotAllowed),
                               ServingAdvice("IP SAN " + text + " is outside every allowed CIDR " +
                                             JoinList(p.serving.allowed_cidrs) + " (serving.allowedCIDRs)"));
    }
    ips.push_back(*ip);
  }
  for (const std::string& dns : csr.dns_names()) {
    if (api_names.count(LowerDns(dns))) {
      return CheckResult::Deny(std::string(reason::kServingAddressDenied),
                               ServingAdvice("DNS SAN " + Quote(dns) + " is a name of the API server"));
    }
  }

  // Fact-based rules: the Node's own addresses and other Nodes' claims.
  const auto& facts = ctx.facts().serving;
  if (!facts) {
    return CheckResult::Retry(UnavailableError(
        "Node " + Quote(*node) + " is not in the cache yet, so its addresses cannot be checked" +
        (ctx.facts().lookup_error.empty() ? "" : ": " + ctx.facts().lookup_error)));
  }
  std::vector<IpAddress> own_ips;
  std::set<std::string> own_names;
  for (const NodeAddressFact& a : facts->node_addresses) {
    if (IsIpAddressType(a.type)) {
      if (auto ip = ParseIpAddress(a.address); ip.ok()) own_ips.push_back(*ip);
    } else if (IsDnsAddressType(a.type)) {
      own_names.insert(LowerDns(a.address));
    }
  }
  auto claimed = [&](const std::string& key) -> const std::vector<std::string>* {
    auto it = facts->claimed_by_other_nodes.find(key);
    if (it == facts->claimed_by_other_nodes.end()) return nullptr;
    for (const std::string& other : it->second) {
      if (other != *node) return &it->second;
    }
    return nullptr;
  };
  for (size_t i = 0; i < ips.size(); ++i) {
    const std::string& text = csr.ip_addresses()[i];
    if (std::find(own_ips.begin(), own_ips.end(), ips[i]) == own_ips.end()) {
      return CheckResult::Deny(std::string(reason::kServingAddressNotOwned),
                               ServingAdvice("IP SAN " + text + " is not one of Node " + Quote(*node) +
                                             "'s InternalIP/ExternalIP addresses"));
    }
    if (const auto* others = claimed(FormatIpAddress(ips[i]))) {
      return CheckResult::Deny(
          std::string(reason::kServingAddressClaimed),
          ServingAdvice("IP SAN " + text + " is also claimed by Node(s) " + JoinList(*others) +
                        "; an address shared by two Nodes cannot prove either's identity"));
    }
  }
  for (const std::string& dns : csr.dns_names()) {
    std::string key = LowerDns(dns);
    if (!own_names.count(key)) {
      return CheckResult::Deny(std::string(reason::kServingAddressNotOwned),
                               ServingAdvice("DNS SAN " + Quote(dns) + " is not one of Node " + Quote(*node) +
                                             "'s Hostname/InternalDNS/ExternalDNS addresses"));
    }
    if (const auto* others = claimed(key)) {
      return CheckResult::Deny(
          std::string(reason::kServingAddressClaimed),
          ServingAdvice("DNS SAN " + Quote(dns) + " is also claimed by Node(s) " + JoinList(*others)));
    }
  }
  return CheckResult::Approve();
}

}  // namespace

const std::vector<Check>& ServingChecks() {
  static const auto* const kChecks = new std::vector<Check>{
      {"servingSigner", &CheckServingSigner},
      kParseCheck,
      {"servingRequester", &CheckServingRequester},
      kSubjectCheck,
      kNodeNameCheck,
      {"servingIdentity", &CheckServingIdentity},
      kExtensionsCheck,
      kKeyCheck,
      {"servingUsages", &CheckServingUsages},
      kSignatureCheck,
      {"servingSans", &CheckServingSans},
      {"servingExpiration", &CheckServingExpiration},
      {"servingAddresses", &CheckServingAddresses},
  };
  return *kChecks;
}

}  // namespace joinguard::controller::policy
