#include "tests/sandbox/server/https_server.h"

#include <pthread.h>
#include <sys/socket.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/text/ascii.h"

namespace joinguard::sandbox {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

std::vector<std::string> HttpRequest::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k == name) out.push_back(v);
  }
  return out;
}

bool HttpRequest::HasQuery(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return true;
  }
  return false;
}

std::string HttpRequest::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return "";
}

namespace {

using SslStream = ssl::stream<tcp::socket>;

// A header name or value must not smuggle a line break into the response.
bool SafeHeaderPart(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

// Names the calling thread (visible in top -H and perf); Linux limits names to 15 bytes.
void NameThread(const char* name) { pthread_setname_np(pthread_self(), name); }

class StreamWriter final : public ResponseWriter {
 public:
  StreamWriter(SslStream& stream, unsigned version, bool keep_alive)
      : stream_(stream), version_(version), keep_alive_(keep_alive) {}

  void Send(const HttpResponse& r) override {
    if (done_) return;
    done_ = true;
    // Status line, headers and body in one buffer: one TLS record and one send() per response
    // (Beast's serializer hands an SSL stream the header and the body as separate writes).
    std::string out;
    out.reserve(r.body.size() + 256);
    out += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    out.append(reason.data(), reason.size());
    out += "\r\nContent-Type: ";
    out += r.content_type;
    out += "\r\nCache-Control: no-cache, private\r\n";
    for (const auto& [k, v] : r.headers) {
      if (!SafeHeaderPart(k) || !SafeHeaderPart(v)) continue;
      out += k;
      out += ": ";
      out += v;
      out += "\r\n";
    }
    if (version_ == 10 && keep_alive_) out += "Connection: keep-alive\r\n";
    if (version_ != 10 && !keep_alive_) out += "Connection: close\r\n";
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n\r\n";
    out += r.body;
    boost::system::error_code ec;
    net::write(stream_, net::buffer(out), ec);
    if (ec) failed_ = true;
  }

  bool BeginStream(int status, const std::string& content_type) override {
    if (done_) return false;
    done_ = true;
    streaming_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache, private");
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    http::write_header(stream_, sr, ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool WriteChunk(std::string_view data) override {
    if (!streaming_ || failed_) return false;
    boost::system::error_code ec;
    net::write(stream_, http::make_chunk(net::buffer(data.data(), data.size())), ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  void EndStream() override {
    if (!streaming_ || failed_ || ended_) return;
    ended_ = true;
    boost::system::error_code ec;
    net::write(stream_, http::make_chunk_last(), ec);
    if (ec) failed_ = true;
  }

  bool PeerClosed() override {
    if (failed_) return true;
    char c;
    ssize_t n = ::recv(stream_.lowest_layer().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
    return false;
  }

  bool done() const { return done_; }
  bool failed() const { return failed_; }
  bool streaming() const { return streaming_; }
  bool ended() const { return ended_; }

 private:
  SslStream& stream_;
  unsigned version_;
  bool keep_alive_;
  bool done_ = false, streaming_ = false, ended_ = false, failed_ = false;
};

class HttpsServerImpl final : public HttpsServer {
 public:
  HttpsServerImpl(HttpHandler handler, int max_connections)
      : ctx_(ssl::context::tls_server),
        acceptor_(ioc_),
        handler_(std::move(handler)),
        max_connections_(max_connections) {}
  ~HttpsServerImpl() override { Stop(); }

  Status Init(const std::string& address, uint16_t port, const TlsMaterial& tls) {
    try {
      ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      ctx_.use_certificate_chain(net::buffer(tls.cert_chain_pem));
      ctx_.use_private_key(net::buffer(tls.key_pem), ssl::context::pem);
      if (!tls.client_ca_pem.empty()) {
        // Request (not require) a client certificate; the authenticator verifies it, so a bad
        // certificate yields 401 as upstream rather than a handshake failure.
        BIO* bio = BIO_new_mem_buf(tls.client_ca_pem.data(), static_cast<int>(tls.client_ca_pem.size()));
        X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (ca) {
          SSL_CTX_add_client_CA(ctx_.native_handle(), ca);
          X509_free(ca);
        }
        SSL_CTX_set_verify(ctx_.native_handle(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
        static const unsigned char kSessionContext[] = "joinguard-sandbox";
        SSL_CTX_set_session_id_context(ctx_.native_handle(), kSessionContext, sizeof(kSessionContext) - 1);
      }
      tcp::endpoint ep(net::ip::make_address(address), port);
      acceptor_.open(ep.protocol());
      acceptor_.set_option(net::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen(net::socket_base::max_listen_connections);
      port_ = acceptor_.local_endpoint().port();
    } catch (const std::exception& e) {
      return UnavailableError("sandbox: cannot serve HTTPS on " + address + ":" + std::to_string(port) +
                              ": " + e.what() + " (pick another --address/--port)");
    }
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return OkStatus();
  }

  uint16_t port() const override { return port_; }
  int64_t tcp_connections_accepted() const override { return tcp_accepted_.load(); }
  int64_t tls_handshakes_completed() const override { return tls_handshakes_.load(); }

  void Stop() override {
    if (stopping_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    boost::system::error_code ec;
    acceptor_.close(ec);
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, c] : conns_) {
        if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
        threads.push_back(std::move(c.thread));
      }
    }
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    std::lock_guard<std::mutex> lock(mu_);
    conns_.clear();
    done_.clear();
  }

 private:
  struct Conn {
    int fd = -1;
    std::thread thread;
  };

  void AcceptLoop() {
    NameThread("sandbox-accept");
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_) break;
      if (ec) {
        if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor ||
            ec == net::error::invalid_argument) {
          break;
        }
        continue;
      }
      tcp_accepted_.fetch_add(1);
      Reap();
      std::lock_guard<std::mutex> lock(mu_);
      if (static_cast<int>(conns_.size()) >= max_connections_) {
        socket.close(ec);  // over capacity: refuse rather than exhaust threads
        continue;
      }
      // Small responses and watch events go out at once (Go's net package sets TCP_NODELAY too).
      socket.set_option(tcp::no_delay(true), ec);
      int id = next_id_++;
      Conn& c = conns_[id];
      c.fd = socket.native_handle();
      auto sock = std::make_shared<tcp::socket>(std::move(socket));
      c.thread = std::thread([this, id, sock] { Serve(id, sock); });
    }
  }

  void Reap() {
    std::vector<std::thread> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int id : done_) {
        auto it = conns_.find(id);
        if (it != conns_.end()) {
          finished.push_back(std::move(it->second.thread));
          conns_.erase(it);
        }
      }
      done_.clear();
    }
    for (auto& t : finished) {
      if (t.joinable()) t.join();
    }
  }

  void Serve(int id, std::shared_ptr<tcp::socket> sock) {
    NameThread("sandbox-conn");
    std::string remote;
    boost::system::error_code ec;
    auto rep = sock->remote_endpoint(ec);
    if (!ec) remote = rep.address().to_string();
    {
      SslStream stream(std::move(*sock), ctx_);
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) {
        tls_handshakes_.fetch_add(1);
        ServeStream(stream, remote);
      }
      boost::system::error_code ignored;
      stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
      std::lock_guard<std::mutex> lock(mu_);
      // Forget the fd before closing it so Stop() never shuts down a reused descriptor.
      if (auto it = conns_.find(id); it != conns_.end()) it->second.fd = -1;
      stream.lowest_layer().close(ignored);
      done_.push_back(id);
    }
  }

  void ServeStream(SslStream& stream, const std::string& remote) {
    std::string peer_der;
    if (X509* cert = SSL_get1_peer_certificate(stream.native_handle())) {
      unsigned char* der = nullptr;
      int len = i2d_X509(cert, &der);
      if (len > 0) peer_der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
      OPENSSL_free(der);
      X509_free(cert);
    }
    boost::beast::flat_buffer buffer;
    while (!stopping_) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      parser.header_limit(1u << 20);
      boost::system::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      auto& req = parser.get();
      HttpRequest hr;
      hr.method = std::string(req.method_string());
      hr.target = std::string(req.target());
      std::string_view target = hr.target;
      auto q = target.find('?');
      hr.path = PercentDecode(target.substr(0, q), false);
      if (q != std::string_view::npos) {
        std::string_view qs = target.substr(q + 1);
        size_t start = 0;
        while (start <= qs.size()) {
          auto amp = qs.find('&', start);
          std::string_view part =
              qs.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
          if (!part.empty()) {
            auto eq = part.find('=');
            hr.query.emplace_back(
                PercentDecode(part.substr(0, eq), true),
                eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1), true));
          }
          if (amp == std::string_view::npos) break;
          start = amp + 1;
        }
      }
      for (const auto& f : req) {
        hr.headers.emplace_back(
            text::AsciiLower(std::string_view(f.name_string().data(), f.name_string().size())),
            std::string(f.value()));
      }
      hr.body = std::move(req.body());
      hr.peer_cert_der = peer_der;
      hr.remote_address = remote;
      StreamWriter writer(stream, req.version(), req.keep_alive());
      handler_(hr, writer);
      if (!writer.done()) {
        writer.Send(HttpResponse{
            500,
            "application/json",
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"no response","reason":"InternalError","code":500})",
            {}});
      }
      if (writer.streaming() && !writer.ended()) writer.EndStream();
      if (writer.failed() || !req.keep_alive()) return;
    }
  }

  net::io_context ioc_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  HttpHandler handler_;
  const int max_connections_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> tcp_accepted_{0};
  std::atomic<int64_t> tls_handshakes_{0};
  std::thread accept_thread_;
  std::mutex mu_;  // guards conns_, done_, next_id_
  std::map<int, Conn> conns_;
  std::vector<int> done_;
  int next_id_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<HttpsServer>> HttpsServer::Start(const std::string& address, uint16_t port,
                                                          const TlsMaterial& tls, HttpHandler handler,
                                                          int max_connections) {
  auto server = std::make_unique<HttpsServerImpl>(std::move(handler), max_connections);
  JG_RETURN_IF_ERROR(server->Init(address, port, tls));
  return std::unique_ptr<HttpsServer>(std::move(server));
}

}  // namespace joinguard::sandbox
