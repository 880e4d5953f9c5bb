// A small HTTPS/1.1 server on Boost.Beast with optional client certificates (which the cpprest
// listener cannot expose, cpprestsdk issue #1515). One thread per connection with blocking
// I/O: connections are few in tests and a blocking watch loop stays simple; the number of
// connections is capped. Public header free of Boost so users of the sandbox don't pull it in.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status/status.h"

namespace joinguard::sandbox {

struct HttpRequest {
  std::string method;                                        // "GET"
  std::string target;                                        // raw request target
  std::string path;                                          // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer_cert_der;  // empty when the client sent no certificate
  std::string remote_address;

  std::string Header(std::string_view name) const;  // first value or ""
  std::vector<std::string> Headers(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
  std::string Query(std::string_view name) const;  // first value or ""
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// How a handler answers: either one Send(), or BeginStream + WriteChunk* + EndStream
// (Transfer-Encoding: chunked, each chunk written and flushed immediately).
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void Send(const HttpResponse& response) = 0;
  virtual bool BeginStream(int status, const std::string& content_type) = 0;
  virtual bool WriteChunk(std::string_view data) = 0;  // false when the client is gone
  virtual void EndStream() = 0;
  virtual bool PeerClosed() = 0;  // non-blocking check for a closed connection
};

using HttpHandler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct TlsMaterial {
  std::string cert_chain_pem;  // serving certificate (+ chain)
  std::string key_pem;
  std::string client_ca_pem;  // advertised as acceptable client CA; certificates are requested,
                              // not required, and verified by the handler (authenticator)
};

class HttpsServer {
 public:
  static StatusOr<std::unique_ptr<HttpsServer>> Start(const std::string& address, uint16_t port,
                                                      const TlsMaterial& tls, HttpHandler handler,
                                                      int max_connections = 256);
  virtual ~HttpsServer() = default;
  virtual uint16_t port() const = 0;
  virtual void Stop() = 0;  // idempotent; closes every connection and joins the threads
  // Connections since Start: accepted from the listening socket (TCP), and of those, the ones
  // whose TLS handshake completed. A client that reuses its connections adds one per connection,
  // not one per request.
  virtual int64_t tcp_connections_accepted() const = 0;
  virtual int64_t tls_handshakes_completed() const = 0;
};

std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace joinguard::sandbox
