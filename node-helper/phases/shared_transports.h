// One HTTP transport (one connection pool) per TLS identity for the whole join. Discovery,
// the cluster configuration, the Node and kubelet-config reads and the TLS bootstrap each make
// their own kube::Client; without sharing, each opened its own TLS connection, and with the
// cpprestsdk adapter every new connection loads the system CA bundle first (about 50 ms,
// common/kube/http_transport_cpprest.cc). Credentials are not part of the transport: a bearer
// token is a header the kube::Client adds per request, so the anonymous discovery client and
// the token-bearing bootstrap client can share one verified connection without the first ever
// sending the token. Trust is part of the key: an insecure transport is never reused for a
// verified client, nor one CA's for another's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "common/kube/http_transport.h"
#include "common/status/status.h"

namespace joinguard::node::phases {

class SharedTransports {
 public:
  using Factory = std::function<StatusOr<std::unique_ptr<kube::HttpTransport>>(const kube::TransportConfig&)>;

  // `make` builds a real transport (kube::NewCpprestTransport in the binary).
  explicit SharedTransports(Factory make) : make_(std::move(make)) {}

  // A transport for `config` that forwards to the one shared by every config with the same
  // server, trust (CA bundle or insecure) and client certificate. The default timeout of the
  // config is not part of the key: kube::Client sets every request's timeout itself.
  StatusOr<std::unique_ptr<kube::HttpTransport>> For(const kube::TransportConfig& config);

  // How many distinct transports were built (tests).
  size_t built() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string, bool>;
  Factory make_;
  mutable std::mutex mu_;  // guards shared_
  std::map<Key, std::shared_ptr<kube::HttpTransport>> shared_;
};

}  // namespace joinguard::node::phases
