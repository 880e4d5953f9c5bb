// The HTTP seam: everything above it speaks these structs; exactly one adapter
// (http_transport_cpprest.cc) includes cpprestsdk. Tests may implement HttpTransport directly.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status/status.h"

namespace joinguard::kube {

struct HttpRequest {
  std::string method = "GET";                                // GET, POST, PUT, PATCH, DELETE
  std::string path_and_query;                                // "/api/v1/namespaces/x/configmaps?limit=500"
  std::vector<std::pair<std::string, std::string>> headers;  // Authorization, Content-Type, ...
  std::string body;
  // Overall/inactivity timeout for this request; 0 = the transport's default.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // for streamed requests: only set when status is not 2xx
  std::string Header(std::string_view lower_name) const {
    auto it = headers.find(std::string(lower_name));
    return it == headers.end() ? std::string() : it->second;
  }
};

// Returns non-OK to stop the stream (that status is returned by Stream()).
using LineCallback = std::function<Status(std::string_view line)>;

struct TransportConfig {
  std::string server;           // "https://host:port" or "https://[::1]:6443"; a path prefix is allowed
  std::string ca_pem;           // trust ONLY this bundle; empty = system store (only if verifying)
  std::string client_cert_pem;  // may hold a chain
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // default per-request timeout
  // Follow up to 10 redirects (never https to http), as Go's http.Client does: for kubeadm's
  // HTTPS file discovery only. An API client gets a 3xx as its answer.
  bool follow_redirects = false;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // One request, whole body buffered. Transport failures map to kUnavailable (reason
  // ConnectionFailed, or CertificateVerifyFailed with a message naming the server and the CA),
  // kDeadlineExceeded on timeout, kCancelled when `stop` fires. Any HTTP status is returned
  // as a response (not an error).
  virtual StatusOr<HttpResponse> Do(const HttpRequest& request, std::stop_token stop = {}) = 0;

  // Streams the response body line by line as chunks arrive (watch). `on_line` gets each line
  // without the trailing newline. Returns the response (headers, status) once the body ends
  // normally; for a non-2xx status the body is returned in HttpResponse::body and no line is
  // delivered. `request.timeout` is the inactivity timeout and must exceed the watch's
  // timeoutSeconds; the cpprest adapter shares Do()'s connection pool and times it itself.
  virtual StatusOr<HttpResponse> Stream(const HttpRequest& request, const LineCallback& on_line,
                                        std::stop_token stop) = 0;
};

// The cpprestsdk adapter. Fails with kInvalidArgument on a malformed server URL or unusable
// PEM material.
StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const TransportConfig& config);

// Sizes the I/O thread pool every cpprest client of the process shares (cpprestsdk's
// crossplat::threadpool, pplx/threadpool.h: 40 threads on Linux unless set). A pool far larger
// than the cores turns each request into wake-ups of idle threads. Call once, before the
// first transport is used; kFailedPrecondition if the pool already exists.
inline constexpr int kMaxHttpClientThreads = 64;
Status SetHttpClientThreads(int threads);

// cpprestsdk loads OpenSSL's default CA file (a distribution bundle of ~150 certificates, about
// 50 ms with OpenSSL 3.0) into every new connection's SSL context before our callback replaces
// the trust store (asio_connection::upgrade_to_ssl in microsoft/cpprestsdk
// Release/src/http/client/http_client_asio.cpp calls set_default_verify_paths). A process whose
// every TLS connection trusts an explicit CA bundle (TransportConfig::ca_pem), or does not
// verify, never consults that file: this points it at nothing (SSL_CERT_FILE, read by
// X509_get_default_cert_file_env()). The hashed certificate directory is untouched (OpenSSL
// reads it lazily, per lookup). Call before any thread exists: it uses setenv.
void SkipSystemCaFileLoad();

}  // namespace joinguard::kube
