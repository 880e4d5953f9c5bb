// /healthz and /readyz over plain HTTP (HttpServer: concurrent, read timeout, connection cap),
// on its own address (port 0 allowed).
// Readiness is a list of named checks; `detail` lines (e.g. the autoapprove-binding warning)
// are appended to the /readyz body without failing it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status/status.h"
#include "controller/http_server.h"

namespace joinguard::controller {

class HealthServer {
 public:
  using Check = std::function<Status()>;

  // `address` is "host:port".
  static StatusOr<std::unique_ptr<HealthServer>> Create(const std::string& address);
  // With every server option (timeouts, connection cap), e.g. for tests.
  static StatusOr<std::unique_ptr<HealthServer>> Create(HttpServerOptions options);
  ~HealthServer();

  void AddReadyCheck(std::string name, Check check);
  void SetDetail(const std::string& key, const std::string& text);  // empty text removes
  int port() const { return server_->port(); }
  std::size_t open_connections() const { return server_->open_connections(); }

  // For tests and main: the /readyz verdict and body.
  bool Ready(std::string* body) const;

 private:
  HealthServer() = default;
  HttpResponse Respond(const std::string& path) const;

  mutable std::mutex mu_;  // guards checks_, details_
  std::vector<std::pair<std::string, Check>> checks_;
  std::vector<std::pair<std::string, std::string>> details_;
  std::unique_ptr<HttpServer> server_;  // last: stopped before the state it reads goes away
};

}  // namespace joinguard::controller
