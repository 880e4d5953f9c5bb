// host:port, as Go's net.JoinHostPort / net.SplitHostPort (golang.org/src/net/ipsock.go), the
// ONE implementation in joinguard (kubeadm and client-go use Go's).
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::net {

// "host:port"; an IPv6 literal (any host containing ':') is bracketed: "[::1]:6443".
std::string JoinHostPort(std::string_view host, std::string_view port);
std::string JoinHostPort(std::string_view host, int port);

// "https://" + JoinHostPort(host, port).
std::string HttpsUrl(std::string_view host, std::string_view port);
std::string HttpsUrl(std::string_view host, int port);

// Splits "host:port", "[ipv6]:port" (the brackets are removed). Errors are kInvalidArgument
// with Go's wording: "address <a>: missing port in address", "too many colons in address",
// "missing ']' in address", "unexpected '[' in address", "unexpected ']' in address".
// `host` / `port` may be null.
Status SplitHostPort(std::string_view address, std::string* host, std::string* port);

// The host of "host", "host:port" or "[ipv6]:port": when SplitHostPort fails the whole string
// is the host, as kubeadm's ParseHostPort does (kubernetes/kubernetes
// cmd/kubeadm/app/util/endpoint.go). The host is not validated.
std::string HostOf(std::string_view hostport);

// True when SplitHostPort accepts `hostport` (it names a port, possibly empty: "host:").
bool HasPort(std::string_view hostport);

// kubeadm's ParsePort (cmd/kubeadm/app/util/endpoint.go over k8s.io/utils/net ParsePort):
// decimal digits only, 1..65535. kInvalidArgument
// "port must be a valid number between 1 and 65535, inclusive".
StatusOr<int> ParsePort(std::string_view port);

}  // namespace joinguard::net
