// Checks for kubelet serving certificates (signer kubernetes.io/kubelet-serving, requested by
// kubelets running with serverTLSBootstrap). Same shape as checks.h: small pure functions over
// (CsrContext, Policy), run in a fixed order, each answering approve / deny(reason) /
// no-opinion / retry.
//
// Upstream never auto-approves these (the selfnodeserver recognizer was removed in
// kubernetes/kubernetes#62471: "trusting self reported IPs and hostnames is broken",
// kubernetes/kubernetes#50635). The rules below follow the kubelet TLS bootstrapping
// documentation (kubernetes/website content/en/docs/reference/access-authn-authz/
// kubelet-tls-bootstrapping.md) and add what self-reported Node addresses need: SANs limited to
// the Node's own status.addresses, inside operator-set CIDRs, never inside denied CIDRs (the
// service CIDR, the API server's addresses) and never claimed by another Node (the hardening of
// k0sproject/k0s#8333 and the Talos CCM advisory GHSA-87pw-5j2g-6376).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controller/policy/checks.h"

namespace joinguard::controller::policy {

// An IP address in 16-byte form; IPv4 and IPv4-mapped IPv6 (::ffff:a.b.c.d) both become the
// mapped form, so "10.0.0.1" and "::ffff:10.0.0.1" compare equal (Go's net.IP.Equal does the
// same, so a certificate for one is valid for the other).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool is_v4 = false;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};
StatusOr<IpAddress> ParseIpAddress(std::string_view text);
std::string FormatIpAddress(const IpAddress& ip);

struct IpNet {
  IpAddress base;
  int prefix = 0;  // in bits of the address's own family (0..32 for IPv4, 0..128 for IPv6)
  bool Contains(const IpAddress& ip) const;
};
// "10.96.0.0/12", "fd00::/8"; a plain address is a /32 or /128. Host bits must be zero.
StatusOr<IpNet> ParseIpNet(std::string_view text);

// The key under which an address is indexed and compared: an IP in canonical text (so
// "::ffff:10.0.0.1", "10.0.0.1" and every IPv6 spelling of one address share a key), a DNS
// name lower-cased with any trailing dot removed. The controller keys its Node-address index
// with this (CsrFacts::ServingFacts::claimed_by_other_nodes).
std::string CanonicalAddressKey(std::string_view address);

// Every deny reason a serving check can return (tests and docs iterate over it). The serving
// reason codes (reason::kServing*) are rows of checks.h's JG_POLICY_REASONS table.
const std::vector<std::string_view>& AllServingDenyReasons();

// The ordered list of serving checks (the signer check first: any other signer → ignore).
const std::vector<Check>& ServingChecks();

}  // namespace joinguard::controller::policy
