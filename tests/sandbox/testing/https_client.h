// A tiny HTTPS client for the sandbox's own tests (Boost.Beast, blocking, one connection per
// request), independent of common/kube. Trusts only the given CA; optional client certificate
// and bearer token; watch streams read line by line on a background thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"

namespace joinguard::sandbox::testing {

struct ClientOptions {
  std::string ca_pem;                // trusted CA (required)
  std::string cert_pem, key_pem;     // optional client certificate
  std::string bearer_token;          // optional "Authorization: Bearer ..."
  std::chrono::seconds timeout{30};  // per-request read timeout
};

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json Json() const;                 // discarded value on parse error
};

class WatchStream {
 public:
  ~WatchStream();
  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  // The next event line as JSON. kDeadlineExceeded when none arrives in `timeout`;
  // kOutOfRange once the server ended the stream (and all lines were consumed).
  StatusOr<nlohmann::json> Next(std::chrono::milliseconds timeout);
  // The next event line as received (no JSON decoding; the benchmark counts events with it).
  StatusOr<std::string> NextLine(std::chrono::milliseconds timeout);
  // True when the server ended the stream cleanly (terminating zero-length chunk).
  bool ended_cleanly() const;
  void Close();

 private:
  friend class HttpsClient;
  struct State;
  WatchStream() = default;
  int status_ = 0;
  std::string content_type_;
  std::shared_ptr<State> state_;
  std::thread reader_;
};

class HttpsClient {
 public:
  HttpsClient(std::string url, ClientOptions options);

  StatusOr<Response> Request(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             const std::string& content_type = "application/json",
                             const std::vector<std::pair<std::string, std::string>>& headers = {});
  StatusOr<Response> Get(const std::string& target) { return Request("GET", target); }
  StatusOr<Response> Post(const std::string& target, const nlohmann::json& body) {
    return Request("POST", target, body.dump());
  }
  StatusOr<Response> Put(const std::string& target, const nlohmann::json& body) {
    return Request("PUT", target, body.dump());
  }
  StatusOr<Response> Patch(const std::string& target, const nlohmann::json& body,
                           const std::string& content_type = "application/merge-patch+json") {
    return Request("PATCH", target, body.dump(), content_type);
  }
  StatusOr<Response> Delete(const std::string& target) { return Request("DELETE", target); }

  // Opens a streaming GET (e.g. "...?watch=true&resourceVersion=5"); returns once headers arrive.
  StatusOr<std::unique_ptr<WatchStream>> Watch(const std::string& target);

 private:
  std::string host_, port_;
  ClientOptions options_;
};

// One persistent HTTP/1.1 connection (keep-alive) for many requests, reconnecting once when the
// server has closed it. Not thread-safe: one per thread. Used by the sandbox benchmark.
class KeepAliveClient {
 public:
  KeepAliveClient(std::string url, ClientOptions options);
  ~KeepAliveClient();
  StatusOr<Response> Request(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             const std::string& content_type = "application/json");

 private:
  struct Conn;
  StatusOr<Response> Once(const std::string& method, const std::string& target, const std::string& body,
                          const std::string& content_type);
  std::string host_, port_;
  ClientOptions options_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace joinguard::sandbox::testing
