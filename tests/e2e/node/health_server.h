// A stand-in for a component's health endpoint in end-to-end tests: the kubelet's plain-HTTP
// /healthz, or a control-plane component's HTTPS /livez or /healthz (a self-signed certificate;
// kubeadm's checks do not verify). Listens on 127.0.0.1 port 0, answers every request with the
// current status, one connection at a time on a background thread, and counts the requests.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/key.h"

namespace joinguard::node::testing {

class HealthServer {
 public:
  enum class Scheme { kHttp, kHttps };

  explicit HealthServer(Scheme scheme, int status = 200)
      : scheme_(scheme), status_(status), ssl_(boost::asio::ssl::context::tls_server) {
    if (scheme_ == Scheme::kHttps) {
      auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
      auto now = std::chrono::system_clock::now();
      auto ca = crypto::CreateSelfSignedCa(*key, "health-server", std::chrono::hours(1), now);
      ssl_.use_certificate_chain(boost::asio::buffer(ca->ToPem()));
      std::string key_pem = *key->ToPem();
      ssl_.use_private_key(boost::asio::buffer(key_pem), boost::asio::ssl::context::pem);
    }
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~HealthServer() {
    stopping_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket wake(ioc_);
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);  // unblocks accept()
    thread_.join();
  }
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  int port() const { return port_; }
  void set_status(int status) { status_ = status; }
  int requests() const { return requests_; }

 private:
  template <typename Stream>
  void Answer(Stream& stream) {
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> req;
    boost::beast::http::read(stream, buffer, req, ec);
    if (ec) return;
    ++requests_;
    boost::beast::http::response<boost::beast::http::string_body> res{
        static_cast<boost::beast::http::status>(status_.load()), req.version()};
    res.set(boost::beast::http::field::content_type, "text/plain");
    res.keep_alive(false);
    res.body() = status_ == 200 ? "ok" : "unhealthy";
    res.prepare_payload();
    boost::beast::http::write(stream, res, ec);
  }
  void Serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
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

  Scheme scheme_;
  std::atomic<int> status_;
  std::atomic<int> requests_{0};
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ssl_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace joinguard::node::testing
