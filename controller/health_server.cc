#include "controller/health_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace joinguard::controller {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HealthServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  HealthServer* owner = nullptr;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // acceptor closed
      Serve(std::move(socket));
      Accept();
    });
  }

  // Health probes are tiny; serve each connection synchronously with a short deadline.
  void Serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(5));
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    int code = 200;
    std::string body = owner->Respond(std::string(req.target()), &code);
    http::response<http::string_body> res{static_cast<http::status>(code), req.version()};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(false);
    res.body() = std::move(body);
    res.prepare_payload();
    http::write(stream, res, ec);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
};

StatusOr<std::unique_ptr<HealthServer>> HealthServer::Create(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return InvalidArgumentError("--health-address \"" + address + "\" must be host:port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    return InvalidArgumentError("--health-address \"" + address + "\": port is not a number");
  }
  std::unique_ptr<HealthServer> s(new HealthServer());
  s->impl_ = std::make_unique<Impl>();
  s->impl_->owner = s.get();
  beast::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError("--health-address \"" + address + "\": bad host: " + ec.message());
  tcp::endpoint ep(ip, static_cast<unsigned short>(port));
  auto& acc = s->impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return UnavailableError("cannot serve health probes on \"" + address + "\": " + ec.message());
  s->port_ = acc.local_endpoint().port();
  s->impl_->Accept();
  s->impl_->thread = std::thread([impl = s->impl_.get()] { impl->io.run(); });
  return s;
}

HealthServer::~HealthServer() {
  if (impl_) {
    asio::post(impl_->io, [impl = impl_.get()] {
      beast::error_code ec;
      impl->acceptor.close(ec);
    });
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  }
}

void HealthServer::AddReadyCheck(std::string name, Check check) {
  std::lock_guard<std::mutex> l(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

void HealthServer::SetDetail(const std::string& key, const std::string& text) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = details_.begin(); it != details_.end(); ++it) {
    if (it->first == key) {
      if (text.empty()) details_.erase(it);
      else it->second = text;
      return;
    }
  }
  if (!text.empty()) details_.emplace_back(key, text);
}

bool HealthServer::Ready(std::string* body) const {
  std::lock_guard<std::mutex> l(mu_);
  bool ok = true;
  std::string out;
  for (const auto& [name, check] : checks_) {
    Status s = check();
    if (s.ok()) {
      out += "[+]" + name + " ok\n";
    } else {
      ok = false;
      out += "[-]" + name + " failed: " + s.message() + "\n";
    }
  }
  for (const auto& [key, text] : details_) out += "[!]" + key + ": " + text + "\n";
  out += ok ? "readyz check passed\n" : "readyz check failed\n";
  if (body) *body = std::move(out);
  return ok;
}

std::string HealthServer::Respond(const std::string& target, int* code) const {
  std::string path = target.substr(0, target.find('?'));
  if (path == "/healthz" || path == "/livez") {
    *code = 200;
    return "ok\n";
  }
  if (path == "/readyz") {
    std::string body;
    *code = Ready(&body) ? 200 : 503;
    return body;
  }
  *code = 404;
  return "not found\n";
}

}  // namespace joinguard::controller
