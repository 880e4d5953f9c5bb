// Which proxy an HTTPS request would use: Go's http.ProxyFromEnvironment
// (golang.org/x/net/http/httpproxy), which kubeadm's HTTPProxy check asks
// (cmd/kubeadm/app/preflight/checks.go HTTPProxyCheck).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace joinguard::node::preflight {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// "https://<host>" as kubeadm builds it (an IPv6 address gets the port 1234: "https://[::1]:1234").
std::string HttpsUrlFor(const std::string& host);

// The proxy for https://<host> per HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy (entries: "*",
// CIDRs, IPs, domains with an optional port, ".suffix", "*.suffix"); never for "localhost" or a
// loopback address. A proxy without a scheme is read as http://. The password of a proxy URL
// is replaced by "xxxxx". nullopt: a direct connection.
std::optional<std::string> HttpsProxyFor(const EnvLookup& getenv, const std::string& host);

}  // namespace joinguard::node::preflight
