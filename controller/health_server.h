// /healthz and /readyz over plain HTTP (Boost.Beast), on its own address (port 0 allowed).
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

namespace joinguard::controller {

class HealthServer {
 public:
  using Check = std::function<Status()>;

  // `address` is "host:port".
  static StatusOr<std::unique_ptr<HealthServer>> Create(const std::string& address);
  ~HealthServer();

  void AddReadyCheck(std::string name, Check check);
  void SetDetail(const std::string& key, const std::string& text);  // empty text removes
  int port() const { return port_; }

  // For tests and main: the /readyz verdict and body.
  bool Ready(std::string* body) const;

 private:
  struct Impl;
  HealthServer() = default;
  std::string Respond(const std::string& target, int* code) const;

  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  mutable std::mutex mu_;  // guards checks_, details_
  std::vector<std::pair<std::string, Check>> checks_;
  std::vector<std::pair<std::string, std::string>> details_;
};

}  // namespace joinguard::controller
