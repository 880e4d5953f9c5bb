// host:port, as Go's net.JoinHostPort / net.SplitHostPort (golang.org/src/net/ipsock.go), the
// ONE implementation in joinguard (kubeadm and client-go use Go's).
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::net {

// "host:port"; an IPv6 literal (any host containing ':') is bracketed: "[::1]:6443".
std::string JoinHostPort(std::string_view host, std::string_view port);

// "https://" + JoinHostPort(host, port).
std::string HttpsUrl(std::string_view host, std::string_view port);

// Splits "host:port", "[ipv6]:port" (the brackets are removed). Errors are kInvalidArgument
// with Go's wording: "address <a>: missing port in address", "too many colons in address",
// "missing ']' in address", "unexpected '[' in address", "unexpected ']' in address".
// `host` / `port` may be null.
Status SplitHostPort(std::string_view address, std::string* host, std::string* port);

}  // namespace joinguard::net
