// A small plain-HTTP server for the probe and scrape endpoints (/healthz, /readyz, /metrics).
//
// These ports are reachable from every pod in the cluster, so the server must not be a lever:
// connections are served concurrently (asynchronous Boost.Beast on one I/O thread; handlers
// are expected to be quick and non-blocking), every request must arrive completely within
// `read_timeout` (slow or idle clients are dropped, as net/http's ReadHeaderTimeout does for
// the kubelet's and Prometheus' own servers), headers are capped at `max_header_bytes`, a
// request body is refused, and at most `max_connections` connections are open at once: one
// more is closed on accept, so a flood of idle sockets costs the flood, not the probes that
// arrive after a slot frees up. One request per connection (Connection: close).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/status/status.h"

namespace joinguard::controller {

struct HttpResponse {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpServerOptions {
  std::string address;           // "host:port", "[v6]:port" or ":port"; port 0 = OS-assigned
  std::string flag = "address";  // named in errors, e.g. "--health-address"
  std::chrono::milliseconds read_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  std::size_t max_connections = 64;
  std::size_t max_header_bytes = 8 * 1024;
};

class HttpServer {
 public:
  // Called on the I/O thread with the request path (query string removed) for GET and HEAD.
  using Handler = std::function<HttpResponse(const std::string& path)>;

  // Binds and starts serving. kInvalidArgument for a malformed address (naming `flag`),
  // kUnavailable when the address cannot be bound.
  static StatusOr<std::unique_ptr<HttpServer>> Create(HttpServerOptions options, Handler handler);
  ~HttpServer();  // stops accepting, closes every connection, joins the I/O thread

  int port() const;
  // Connections currently open (for tests and debugging).
  std::size_t open_connections() const;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:8080", ":8080" = all interfaces) and range-checks the port
// (0..65535) in an int before it becomes a port number.
Status ParseListenAddress(const std::string& address, const std::string& flag, std::string* host, int* port);

}  // namespace joinguard::controller
