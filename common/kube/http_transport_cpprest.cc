// The ONLY file that includes cpprestsdk (microsoft/cpprestsdk Release/include/cpprest/
// http_client.h). Exceptions from cpprest/pplx/boost are caught here and turned into Status.
// Response bodies are read at most kMaxJsonBytes (+1 to detect more): a hostile or broken
// server cannot make the client buffer an unbounded body.
//
// One http_client per transport, so every request and watch of one transport draws on one
// keep-alive connection pool. Each new connection is costly here: cpprestsdk builds a fresh
// SSL context per connection and loads the whole system CA bundle into it before our callback
// replaces the trust store (asio_connection::upgrade_to_ssl in Release/src/http/client/
// http_client_asio.cpp calls set_default_verify_paths; about 50 ms with OpenSSL 3.0 for 144
// CAs). Per-request timeouts are therefore ours (RequestDeadline), not the client's.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <pplx/threadpool.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <cctype>
#include <mutex>

#include "common/kube/api_error.h"
#include "common/kube/http_transport.h"
#include "common/kube/objects.h"
#include "common/text/ascii.h"

namespace joinguard::kube {
namespace {

namespace http = web::http;
namespace client = web::http::client;

constexpr size_t kReadChunkBytes = size_t{64} << 10;

// Go's http.Client stops after 10 redirects (net/http/client.go defaultCheckRedirect).
constexpr size_t kMaxRedirects = 10;
// Enough for any length within uint64_t; more digits are refused, not parsed.
constexpr size_t kMaxContentLengthDigits = 19;

// cpprest's own inactivity timer is one value per http_client; ours is per request, so the
// client's is only a backstop beyond any request's (a watch asks for timeoutSeconds + 30 s).
constexpr std::chrono::hours kClientTimeoutBackstop{24};

// Cancels one request when `timeout` passes without progress (cpprest's inactivity semantics,
// http_client_asio.cpp timeout_timer). Touch() only records the time of the last progress: the
// timer is armed once and, when it fires early, re-armed for the rest of the window. Re-arming
// on every Touch() would cancel a pending wait each time, and asio delivers every cancelled wait
// as a handler on the pool: one thread hand-off per watch line. The handler may outlive the
// request, so the state is shared and `done` says the request has ended.
class RequestDeadline {
 public:
  RequestDeadline(std::chrono::milliseconds timeout, pplx::cancellation_token_source cts)
      : state_(std::make_shared<State>(std::move(cts), timeout)) {
    Touch();
    std::lock_guard<std::mutex> l(state_->mu);
    Arm(state_, timeout);
  }
  ~RequestDeadline() {
    std::lock_guard<std::mutex> l(state_->mu);
    state_->done = true;
    boost::system::error_code ignored;
    state_->timer.cancel(ignored);
  }
  RequestDeadline(const RequestDeadline&) = delete;
  RequestDeadline& operator=(const RequestDeadline&) = delete;

  void Touch() { state_->Touch(); }

  // For http_request::set_progress_handler: cpprest calls it on its own thread for each part of
  // the request written and of the response body read (http_client_asio.cpp handle_write_body,
  // handle_read_content, handle_chunk): progress seen without a hand-off to the reader. It can
  // run after the request has ended, so it holds the shared state.
  std::function<void(http::message_direction::direction, utility::size64_t)> ProgressHandler() const {
    return [state = state_](http::message_direction::direction, utility::size64_t) { state->Touch(); };
  }

  bool Expired() const {
    std::lock_guard<std::mutex> l(state_->mu);
    return state_->expired;
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct State {
    State(pplx::cancellation_token_source c, std::chrono::milliseconds t)
        : cts(std::move(c)), timeout(t), timer(crossplat::threadpool::shared_instance().service()) {}
    void Touch() { last_progress.store(Now(), std::memory_order_relaxed); }

    pplx::cancellation_token_source cts;
    const std::chrono::milliseconds timeout;
    std::atomic<Clock::rep> last_progress{0};
    mutable std::mutex mu;  // guards timer, done, expired
    boost::asio::steady_timer timer;
    bool done = false;
    bool expired = false;
  };

  static Clock::rep Now() { return Clock::now().time_since_epoch().count(); }

  // Requires state->mu.
  static void Arm(const std::shared_ptr<State>& state, Clock::duration after) {
    state->timer.expires_after(after);
    state->timer.async_wait([state](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: the request ended
      std::unique_lock<std::mutex> l(state->mu);
      if (state->done) return;
      const Clock::duration idle(Now() - state->last_progress.load(std::memory_order_relaxed));
      if (idle < state->timeout) {
        Arm(state, state->timeout - idle);  // progress since the wait began
        return;
      }
      state->expired = true;
      l.unlock();
      state->cts.cancel();
    });
  }

  const std::shared_ptr<State> state_;
};

bool Contains(const std::string& haystack, std::string_view needle) {
  return text::AsciiLower(haystack).find(needle) != std::string::npos;
}

class CpprestTransport final : public HttpTransport {
 public:
  explicit CpprestTransport(TransportConfig config) : config_(std::move(config)) {}

  StatusOr<HttpResponse> Do(const HttpRequest& request, std::stop_token stop) override {
    JG_ASSIGN_OR_RETURN(std::shared_ptr<client::http_client> c, SharedClient());
    return Send(*c, request, stop, TimeoutFor(request),
                [this, &request](http::http_response& resp, HttpResponse* out) {
                  return ReadBoundedBody(resp, request, &out->body);
                });
  }

  StatusOr<HttpResponse> Stream(const HttpRequest& request, const LineCallback& on_line,
                                std::stop_token stop) override {
    // The same client (and connection pool) as Do(): a watch after a GET reuses the idle
    // connection instead of paying for a new one. `request.timeout` is an inactivity timeout.
    JG_ASSIGN_OR_RETURN(std::shared_ptr<client::http_client> c, SharedClient());
    return Send(*c, request, stop, TimeoutFor(request),
                [&, this](http::http_response& resp, HttpResponse* out) -> Status {
                  if (out->status < 200 || out->status >= 300)
                    return ReadBoundedBody(resp, request, &out->body);
                  return ReadLines(resp, request, on_line, stop);
                });
  }

  Status Init() {
    try {
      web::uri u(config_.server);
      if (u.scheme() != "https" && u.scheme() != "http") {
        return InvalidArgumentError("server URL \"" + config_.server +
                                    "\" must start with https:// (or http://)");
      }
      if (u.host().empty()) {
        return InvalidArgumentError("server URL \"" + config_.server + "\" has no host");
      }
    } catch (const std::exception& e) {
      return InvalidArgumentError("server URL \"" + config_.server + "\" is invalid: " + e.what());
    }
    // Validate PEM material now so a bad CA/cert/key is reported once, clearly, instead of
    // as a handshake failure on every request.
    try {
      boost::asio::ssl::context ctx(boost::asio::ssl::context::sslv23);
      ConfigureSsl(ctx);
    } catch (const std::exception& e) {
      return InvalidArgumentError("TLS material for " + config_.server +
                                  " is unusable (CA, client certificate or key is not valid "
                                  "PEM, or the key does not match the certificate): " +
                                  e.what());
    }
    return OkStatus();
  }

 private:
  void ConfigureSsl(boost::asio::ssl::context& ctx) const {
    if (!config_.ca_pem.empty()) {
      // Trust ONLY the given CA (cpprest loaded the system store first, §9.1).
      SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
      ctx.add_certificate_authority(boost::asio::buffer(config_.ca_pem));
    }
    if (!config_.client_cert_pem.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(config_.client_cert_pem));
      ctx.use_private_key(boost::asio::buffer(config_.client_key_pem), boost::asio::ssl::context::pem);
    }
  }

  StatusOr<std::shared_ptr<client::http_client>> SharedClient() {
    std::lock_guard<std::mutex> l(mu_);
    if (client_) return client_;
    client::http_client_config cfg;
    cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(kClientTimeoutBackstop));
    cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
    // cpprest follows redirects by default, copying every header (the bearer token too) to the
    // new URL, and puts one more continuation on every request to do it. The API client never
    // follows one.
    cfg.set_max_redirects(config_.follow_redirects ? kMaxRedirects : 0);
    cfg.set_ssl_context_callback([this](boost::asio::ssl::context& ctx) {
      try {
        ConfigureSsl(ctx);
      } catch (const std::exception&) {
        // Checked in Init(); a failure here surfaces as a handshake error.
      }
    });
    try {
      client_ = std::make_shared<client::http_client>(web::uri(config_.server), cfg);
    } catch (const std::exception& e) {
      return InvalidArgumentError("cannot create an HTTP client for " + config_.server + ": " + e.what());
    }
    return client_;
  }

  std::string TooLarge(const HttpRequest& request, size_t bytes) const {
    return request.method + " " + config_.server + request.path_and_query + ": response body of " +
           std::to_string(bytes) + "+ bytes is over the " + std::to_string(kMaxJsonBytes) +
           "-byte limit; use a smaller page (limit=) or check the server";
  }

  // Reads the body, refusing more than kMaxJsonBytes (Content-Length is checked first, so an
  // announced oversized body is not read at all).
  Status ReadBoundedBody(http::http_response& resp, const HttpRequest& request, std::string* out) {
    if (auto it = resp.headers().find(http::header_names::content_length); it != resp.headers().end()) {
      const std::string& length = it->second;
      // cpprest reads a body whose length it cannot parse until the connection closes, however
      // long that is: refuse it, as Go's net/http does (RFC 9110 section 8.6: 1*DIGIT).
      if (length.empty() || length.size() > kMaxContentLengthDigits ||
          !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return UnavailableError(request.method + " " + config_.server + request.path_and_query +
                                ": malformed Content-Length \"" + length.substr(0, kMaxContentLengthDigits) +
                                "\"; check the server URL points at a Kubernetes API server");
      }
      const uint64_t announced = std::stoull(length);
      if (announced > kMaxJsonBytes) return ResourceExhaustedError(TooLarge(request, announced));
      return ReadAnnouncedBody(resp, out);
    }
    Concurrency::streams::container_buffer<std::string> buf;
    auto body = resp.body();
    size_t total = 0;
    for (;;) {
      const size_t n = body.read(buf, kReadChunkBytes).get();
      if (n == 0) break;
      total += n;
      if (total > kMaxJsonBytes) return ResourceExhaustedError(TooLarge(request, total));
    }
    // container_buffer grows its string by whole read chunks: keep only the bytes read.
    *out = std::move(buf.collection());
    out->resize(total);
    return OkStatus();
  }

  // A body of a known length within the limit (every API server answer but a large list): cpprest
  // reads exactly Content-Length bytes into the response's buffer, then sets the response's
  // data-available event (asio_context::complete_request in Release/src/http/client/
  // http_client_asio.cpp). Waiting on that event and taking the buffered bytes in one copy costs
  // one thread hand-off; the chunked loop below costs a scheduled continuation per read plus one
  // for the end of the body. The event is reached through `_get_impl()` because the public
  // `content_ready()` puts one more continuation (one more hand-off) on the same event
  // (cpprest/http_msg.h). Timeouts still work: the progress handler records each part read, and a
  // cancelled request completes the event with its exception.
  static Status ReadAnnouncedBody(http::http_response& resp, std::string* out) {
    pplx::create_task(resp._get_impl()->_get_data_available()).wait();
    Concurrency::streams::streambuf<uint8_t> in = resp.body().streambuf();
    const size_t avail = in.in_avail();
    out->resize(avail);
    const size_t got = avail == 0 ? 0 : in.getn(reinterpret_cast<uint8_t*>(out->data()), avail).get();
    out->resize(got);
    return OkStatus();
  }

  static http::http_request BuildRequest(const HttpRequest& r) {
    http::http_request req(http::method(r.method));
    req.set_request_uri(web::uri(r.path_and_query));
    std::string content_type;
    for (const auto& [k, v] : r.headers) {
      if (text::AsciiLower(k) == "content-type") {
        content_type = v;
        continue;
      }
      req.headers().add(k, v);
    }
    if (!r.body.empty() || !content_type.empty()) {
      req.set_body(r.body, content_type.empty() ? "application/json" : content_type);
    }
    return req;
  }

  std::chrono::milliseconds TimeoutFor(const HttpRequest& request) const {
    return request.timeout.count() > 0 ? request.timeout : config_.timeout;
  }

  // One request on `c`, cancelled when `stop` fires: the status and headers, then
  // `read_body(response, &out)` reads (or streams) the body; the deadline sees its
  // progress through the request's progress handler. Every exception cpprest throws is mapped to a
  // Status here.
  template <typename ReadBody>
  StatusOr<HttpResponse> Send(client::http_client& c, const HttpRequest& request, const std::stop_token& stop,
                              std::chrono::milliseconds timeout, ReadBody read_body) {
    pplx::cancellation_token_source cts;
    std::stop_callback on_stop(stop, [&cts] { cts.cancel(); });
    RequestDeadline deadline(timeout, cts);
    try {
      http::http_request req = BuildRequest(request);
      req.set_progress_handler(deadline.ProgressHandler());
      http::http_response resp = c.request(std::move(req), cts.get_token()).get();
      deadline.Touch();
      HttpResponse out = ConvertHeaders(resp);
      Status read = read_body(resp, &out);
      if (!read.ok()) {
        // Close the connection: cpprest would otherwise go on reading the refused body into
        // memory (up to its announced length, or without end) after we have returned.
        cts.cancel();
        if (deadline.Expired()) return TimedOut(request, timeout, read.message());
        return read;
      }
      return out;
    } catch (...) {
      if (deadline.Expired() && !stop.stop_requested())
        return TimedOut(request, timeout, "cancelled at the deadline");
      return MapException(request, stop, timeout);
    }
  }

  // A watch body: each non-empty line (CR LF or LF ended; a last line may lack the LF) to
  // `on_line` until the body ends. Bytes are taken as they arrive: one wait for the first byte,
  // then everything already buffered in one copy (cpprest's read_line takes the buffer's lock
  // once per byte). A refused line ends the stream; Send() then closes the connection.
  Status ReadLines(http::http_response& resp, const HttpRequest& request, const LineCallback& on_line,
                   const std::stop_token& stop) const {
    using Traits = Concurrency::streams::streambuf<uint8_t>::traits;
    Concurrency::streams::streambuf<uint8_t> in = resp.body().streambuf();
    std::string pending;  // bytes after the last line end
    size_t scanned = 0;   // how much of `pending` holds no line end
    for (;;) {
      if (stop.stop_requested()) return CancelledError("watch cancelled");
      const auto first = in.bumpc().get();
      if (first == Traits::eof()) {
        return DeliverLine(pending, request, on_line);
      }
      pending.push_back(static_cast<char>(first));
      if (const size_t avail = in.in_avail(); avail > 0) {
        const size_t old = pending.size();
        pending.resize(old + avail);
        const size_t got = in.getn(reinterpret_cast<uint8_t*>(pending.data() + old), avail).get();
        pending.resize(old + got);
      }
      size_t begin = 0;
      for (size_t end; (end = pending.find('\n', scanned)) != std::string::npos; scanned = begin) {
        JG_RETURN_IF_ERROR(
            DeliverLine(std::string_view(pending).substr(begin, end - begin), request, on_line));
        begin = end + 1;
      }
      pending.erase(0, begin);
      scanned = pending.size();
      if (pending.size() > kMaxJsonBytes) {
        return ResourceExhaustedError(TooLarge(request, pending.size()) + " (one watch event)");
      }
    }
  }

  // One watch line without its line end; empty lines are skipped.
  Status DeliverLine(std::string_view line, const HttpRequest& request, const LineCallback& on_line) const {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxJsonBytes) {
      return ResourceExhaustedError(TooLarge(request, line.size()) + " (one watch event)");
    }
    if (line.empty()) return OkStatus();
    return on_line(line);
  }

  static HttpResponse ConvertHeaders(const http::http_response& resp) {
    HttpResponse out;
    out.status = resp.status_code();
    for (const auto& [k, v] : resp.headers()) out.headers[text::AsciiLower(k)] = v;
    return out;
  }

  Status TimedOut(const HttpRequest& request, std::chrono::milliseconds timeout,
                  const std::string& detail) const {
    return DeadlineExceededError(request.method + " " + config_.server + request.path_and_query +
                                 ": no response within " + std::to_string(timeout.count()) + " ms (" +
                                 detail + ")")
        .WithReason(std::string(kReasonConnectionFailed), 0);
  }

  Status MapException(const HttpRequest& request, const std::stop_token& stop,
                      std::chrono::milliseconds timeout) const {
    const std::string what = request.method + " " + config_.server + request.path_and_query;
    std::string msg;
    std::error_code ec;
    try {
      throw;
    } catch (const pplx::task_canceled&) {
      return CancelledError(what + ": cancelled");
    } catch (const http::http_exception& e) {
      msg = e.what();
      ec = e.error_code();
      // The error_code often says more than what() ("certificate verify failed" vs "Error in
      // SSL handshake").
      // Handshake failures carry a packed OpenSSL error (e.g. 0x0A000086) that the system
      // category renders as "Unknown error"; ask OpenSSL for its reason string.
      if (ec) {
        std::string detail = ec.message();
        const auto packed = static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
        if (ERR_GET_LIB(packed) != 0) {
          if (const char* r = ERR_reason_error_string(packed)) detail = r;
        }
        if (msg.find(detail) == std::string::npos) msg += " (" + detail + ")";
      }
    } catch (const std::exception& e) {
      msg = e.what();
    } catch (...) {
      msg = "unknown error";
    }
    if (stop.stop_requested()) return CancelledError(what + ": cancelled");
    if (Contains(msg, "certificate verify failed")) {
      return UnavailableError("TLS handshake with " + config_.server +
                              " failed: certificate verify failed (" + msg +
                              "); the server's certificate is not signed by the configured CA "
                              "or does not match the host name; check the CA "
                              "(certificate-authority / certificate-authority-data) and the "
                              "server URL")
          .WithReason(std::string(kReasonTLSVerifyFailed), 0);
    }
    if (Contains(msg, "handshake")) {
      return UnavailableError("TLS handshake with " + config_.server + " failed (" + msg +
                              "); check the CA, the client certificate and key, and that the "
                              "server URL points at a TLS endpoint")
          .WithReason(std::string(kReasonTLSVerifyFailed), 0);
    }
    if (ec == std::errc::timed_out || Contains(msg, "timed out") || Contains(msg, "timeout")) {
      return DeadlineExceededError(what + ": no response within " + std::to_string(timeout.count()) +
                                   " ms (" + msg + ")")
          .WithReason(std::string(kReasonConnectionFailed), 0);
    }
    return UnavailableError("cannot reach the API server: " + what + ": " + msg)
        .WithReason(std::string(kReasonConnectionFailed), 0);
  }

  const TransportConfig config_;
  std::mutex mu_;  // guards client_
  std::shared_ptr<client::http_client> client_;
};

}  // namespace

StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const TransportConfig& config) {
  auto t = std::make_unique<CpprestTransport>(config);
  JG_RETURN_IF_ERROR(t->Init());
  return std::unique_ptr<HttpTransport>(std::move(t));
}

Status SetHttpClientThreads(int threads) {
  if (threads < 1 || threads > kMaxHttpClientThreads) {
    return InvalidArgumentError("HTTP client threads must be between 1 and " +
                                std::to_string(kMaxHttpClientThreads) + ", got " + std::to_string(threads));
  }
  // OpenSSL first: both free their state from atexit handlers, which run in reverse order of
  // registration. The pool's threads must be joined (freeing each thread's OpenSSL error and
  // random-generator state) before OPENSSL_cleanup runs, or that state is lost at exit
  // (LeakSanitizer reports it; lazily, the pool is created after OpenSSL anyway).
  if (OPENSSL_init_ssl(0, nullptr) != 1) return InternalError("OpenSSL could not be initialised");
  try {
    crossplat::threadpool::initialize_with_threads(static_cast<size_t>(threads));
  } catch (const std::exception& e) {
    return FailedPreconditionError(std::string("the HTTP client thread pool is already running: ") +
                                   e.what());
  }
  return OkStatus();
}

void SkipSystemCaFileLoad() {
  constexpr const char* kOpenSslCaFileEnv = "SSL_CERT_FILE";  // X509_get_default_cert_file_env()
  constexpr const char* kNoCaFile = "/dev/null";
  setenv(kOpenSslCaFileEnv, kNoCaFile, /*overwrite=*/1);
}

}  // namespace joinguard::kube
