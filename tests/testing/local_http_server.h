// A small HTTP or HTTPS server for end-to-end tests: a component's health endpoint (the kubelet's
// plain-HTTP /healthz, a control-plane component's HTTPS /livez), or one document for https://
// discovery files. Listens on 127.0.0.1 port 0 and answers every request with the current
// status, a fixed content type and body_for(status), one connection at a time on a background
// thread; counts the requests. HTTPS uses a certificate for 127.0.0.1 issued by its own CA
// (ca_pem()), so a client can verify it or (as kubeadm's health checks do) not.
// A scripted server (plain HTTP) instead hands each connection and its request head to a script
// that writes whatever bytes the test needs: a stalled or trickled body, chunks, a redirect.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/key.h"

namespace joinguard::testing {

class LocalHttpServer {
 public:
  enum class Scheme { kHttp, kHttps };

  LocalHttpServer(Scheme scheme, int status, std::string content_type,
                  std::function<std::string(int status)> body_for)
      : scheme_(scheme),
        status_(status),
        content_type_(std::move(content_type)),
        body_for_(std::move(body_for)),
        ssl_(boost::asio::ssl::context::tls_server) {
    if (scheme_ == Scheme::kHttps) UseIssuedCertificate();
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~LocalHttpServer() {
    stopping_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket wake(ioc_);
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);  // unblocks accept()
    thread_.join();
  }
  // Plain HTTP; `script(socket, request_head)` answers each connection (the head is read up to
  // and including its blank line; the socket is closed after the script returns).
  using Script = std::function<void(boost::asio::ip::tcp::socket&, const std::string& request_head)>;
  explicit LocalHttpServer(Script script) : LocalHttpServer(Scheme::kHttp, 200, "", nullptr) {
    std::lock_guard<std::mutex> l(script_mu_);
    script_ = std::move(script);
  }

  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return std::string(scheme_ == Scheme::kHttps ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port_) + path;
  }
  // HTTPS: the CA that issued the server certificate (PEM).
  std::string ca_pem() const { return ca_.ToPem(); }
  void set_status(int status) { status_ = status; }
  int requests() const { return requests_; }

 private:
  void UseIssuedCertificate() {
    auto ca_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    const auto now = std::chrono::system_clock::now();
    ca_ = *crypto::CreateSelfSignedCa(*ca_key, "local-http-server-ca", std::chrono::hours(1), now);
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    crypto::CsrTemplate subject;
    subject.subject = {{"CN", "127.0.0.1"}};
    subject.ip_addresses = {"127.0.0.1"};
    crypto::CertificateProfile profile;
    profile.usages = {"digital signature", "server auth"};
    auto cert = crypto::IssueCertificate(*key, subject, ca_, *ca_key, profile, now);
    ssl_.use_certificate_chain(boost::asio::buffer(cert->ToPem()));
    const std::string key_pem = *key->ToPem();
    ssl_.use_private_key(boost::asio::buffer(key_pem), boost::asio::ssl::context::pem);
  }

  template <typename Stream>
  void Answer(Stream& stream) {
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> req;
    boost::beast::http::read(stream, buffer, req, ec);
    if (ec) return;
    ++requests_;
    const int status = status_.load();
    boost::beast::http::response<boost::beast::http::string_body> res{
        static_cast<boost::beast::http::status>(status), req.version()};
    res.set(boost::beast::http::field::content_type, content_type_);
    res.keep_alive(false);
    res.body() = body_for_(status);
    res.prepare_payload();
    boost::beast::http::write(stream, res, ec);
  }

  void Serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      if (Script script = CurrentScript()) {
        boost::asio::streambuf head;
        boost::asio::read_until(socket, head, "\r\n\r\n", ec);
        if (ec) continue;
        ++requests_;
        script(socket,
               std::string(boost::asio::buffers_begin(head.data()), boost::asio::buffers_end(head.data())));
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        continue;
      }
      if (scheme_ == Scheme::kHttp) {
        Answer(socket);
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        continue;
      }
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(std::move(socket), ssl_);
      stream.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) continue;
      Answer(stream);
      stream.shutdown(ec);
    }
  }

  Script CurrentScript() {
    std::lock_guard<std::mutex> l(script_mu_);
    return script_;
  }

  const Scheme scheme_;
  std::mutex script_mu_;  // guards script_ (set after the serving thread has started)
  Script script_;
  std::atomic<int> status_;
  const std::string content_type_;
  const std::function<std::string(int)> body_for_;
  std::atomic<int> requests_{0};
  crypto::Certificate ca_{crypto::X509Ptr()};
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ssl_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace joinguard::testing
