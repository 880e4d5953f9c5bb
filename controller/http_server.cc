#include "controller/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <charconv>
#include <thread>

namespace joinguard::controller {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

inline constexpr int kMaxPort = 65535;

Status ParseListenAddress(const std::string& address, const std::string& flag, std::string* host, int* port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError(flag + " \"" + address +
                                "\" must be host:port (e.g. :8080 or 127.0.0.1:8080)");
  }
  std::string h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  const std::string p = address.substr(colon + 1);
  int64_t value = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value < 0 || value > kMaxPort) {
    return InvalidArgumentError(flag + " \"" + address + "\": port must be a number from 0 to 65535");
  }
  *host = std::move(h);
  *port = static_cast<int>(value);
  return OkStatus();
}

struct HttpServer::Impl {
  // Declared before io: the sessions io destroys on shutdown still count themselves out.
  HttpServerOptions options;
  Handler handler;
  std::atomic<std::size_t> open{0};
  int port = 0;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  // One connection: read one request within the deadline, answer, close.
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
      server_.open.fetch_add(1);
    }
    ~Session() { server_.open.fetch_sub(1); }

    void Start() {
      parser_.header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
      parser_.body_limit(0);
      // One deadline for the whole request: a client trickling a byte at a time gets no more.
      stream_.expires_after(server_.options.read_timeout);
      http::async_read(stream_, buffer_, parser_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
    }

   private:
    void OnRead(beast::error_code ec) {
      if (ec) return Close();  // timeout, oversized headers, a body, garbage: drop it
      const auto& req = parser_.get();
      HttpResponse r;
      if (req.method() != http::verb::get && req.method() != http::verb::head) {
        r.code = 405;
        r.body = "method not allowed\n";
      } else {
        std::string target(req.target());
        r = server_.handler(target.substr(0, target.find('?')));
      }
      res_.result(static_cast<http::status>(r.code));
      res_.version(req.version());
      res_.set(http::field::content_type, r.content_type);
      res_.set(http::field::cache_control, "no-store");
      res_.keep_alive(false);
      if (req.method() != http::verb::head) res_.body() = std::move(r.body);
      res_.prepare_payload();
      stream_.expires_after(server_.options.write_timeout);
      http::async_write(stream_, res_,
                        [self = shared_from_this()](beast::error_code, std::size_t) { self->Close(); });
    }

    void Close() {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
    }

    Impl& server_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request_parser<http::empty_body> parser_;
    http::response<http::string_body> res_;
  };

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        if (open.load() >= options.max_connections) {
          beast::error_code ignored;
          socket.close(ignored);  // over the cap: refuse this one, keep serving the others
        } else {
          std::make_shared<Session>(*this, std::move(socket))->Start();
        }
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options, Handler handler) {
  std::string host;
  int port = 0;
  JG_RETURN_IF_ERROR(ParseListenAddress(options.address, options.flag, &host, &port));
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec)
    return InvalidArgumentError(options.flag + " \"" + options.address + "\": bad host: " + ec.message());
  tcp::endpoint ep(ip, static_cast<unsigned short>(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + options.flag + " \"" + options.address +
                            "\": " + ec.message() + "; pick a free address");
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->Accept();
  impl->thread = std::thread([raw = impl.get()] { raw->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  if (!impl_) return;
  // Stopping the io_context abandons pending operations; destroying it (with impl_) then
  // destroys the sessions and closes their sockets.
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int HttpServer::port() const { return impl_->port; }
std::size_t HttpServer::open_connections() const { return impl_->open.load(); }

}  // namespace joinguard::controller
