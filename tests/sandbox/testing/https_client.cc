#include "tests/sandbox/testing/https_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/text/ascii.h"

namespace joinguard::sandbox::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

nlohmann::json Response::Json() const { return nlohmann::json::parse(body, nullptr, false); }

namespace {

struct Connection {
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<ssl::stream<tcp::socket>> stream;
};

StatusOr<std::unique_ptr<Connection>> Connect(const std::string& host, const std::string& port,
                                              const ClientOptions& o) {
  auto c = std::make_unique<Connection>();
  try {
    c->ctx.add_certificate_authority(net::buffer(o.ca_pem));
    c->ctx.set_verify_mode(ssl::verify_peer);
    if (!o.cert_pem.empty()) {
      c->ctx.use_certificate_chain(net::buffer(o.cert_pem));
      c->ctx.use_private_key(net::buffer(o.key_pem), ssl::context::pem);
    }
    c->stream = std::make_unique<ssl::stream<tcp::socket>>(c->ioc, c->ctx);
    std::string h = host;
    if (!h.empty() && h.front() == '[') h = h.substr(1, h.size() - 2);
    c->stream->set_verify_callback(ssl::host_name_verification(h));
    tcp::resolver resolver(c->ioc);
    net::connect(c->stream->lowest_layer(), resolver.resolve(h, port));
    timeval tv{static_cast<time_t>(o.timeout.count()), 0};
    setsockopt(c->stream->lowest_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    c->stream->handshake(ssl::stream_base::client);
  } catch (const std::exception& e) {
    return UnavailableError(std::string("https client: connect/handshake failed: ") + e.what());
  }
  return c;
}

template <typename Req>
void SetCommon(Req& req, const std::string& host, const std::string& port, const ClientOptions& o) {
  req.set(http::field::host, host + ":" + port);
  req.set(http::field::user_agent, "joinguard-sandbox-test/1.0");
  req.set(http::field::accept, "application/json");
  if (!o.bearer_token.empty()) req.set(http::field::authorization, "Bearer " + o.bearer_token);
}

}  // namespace

HttpsClient::HttpsClient(std::string url, ClientOptions options) : options_(std::move(options)) {
  std::string rest = url.substr(url.find("://") + 3);
  auto colon = rest.rfind(':');
  host_ = rest.substr(0, colon);
  port_ = rest.substr(colon + 1);
  while (!port_.empty() && port_.back() == '/') port_.pop_back();
}

StatusOr<Response> HttpsClient::Request(const std::string& method, const std::string& target,
                                        const std::string& body, const std::string& content_type,
                                        const std::vector<std::pair<std::string, std::string>>& headers) {
  JG_ASSIGN_OR_RETURN(auto c, Connect(host_, port_, options_));
  try {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    SetCommon(req, host_, port_, options_);
    for (const auto& [k, v] : headers) {
      // Accept replaces the default; other headers may repeat (Impersonate-Group).
      if (boost::beast::iequals(k, "accept")) {
        req.set(http::field::accept, v);
      } else {
        req.insert(k, v);
      }
    }
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    http::write(*c->stream, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    http::read(*c->stream, buffer, parser);
    Response r;
    r.status = static_cast<int>(parser.get().result_int());
    r.body = parser.get().body();
    for (const auto& f : parser.get()) {
      r.headers[text::AsciiLower(std::string_view(f.name_string().data(), f.name_string().size()))] =
          std::string(f.value());
    }
    boost::system::error_code ec;
    c->stream->lowest_layer().close(ec);
    return r;
  } catch (const std::exception& e) {
    return UnavailableError(std::string("https client: ") + method + " " + target + ": " + e.what());
  }
}

struct WatchStream::State {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> lines;
  std::string partial;
  bool done = false, clean = false;
  std::unique_ptr<Connection> conn;
  // Beast keeps a reference to the chunk callback: it must live as long as the parser.
  std::function<std::size_t(std::uint64_t, boost::beast::string_view, boost::system::error_code&)> on_body;
};

WatchStream::~WatchStream() { Close(); }

void WatchStream::Close() {
  if (state_ && state_->conn) {
    ::shutdown(state_->conn->stream->lowest_layer().native_handle(), SHUT_RDWR);
  }
  if (reader_.joinable()) reader_.join();
}

bool WatchStream::ended_cleanly() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->clean;
}

StatusOr<std::string> WatchStream::NextLine(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait_for(lock, timeout, [&] { return !state_->lines.empty() || state_->done; });
  if (!state_->lines.empty()) {
    std::string line = std::move(state_->lines.front());
    state_->lines.pop_front();
    return line;
  }
  if (state_->done) return OutOfRangeError("watch: stream ended");
  return DeadlineExceededError("watch: no event within timeout");
}

StatusOr<nlohmann::json> WatchStream::Next(std::chrono::milliseconds timeout) {
  JG_ASSIGN_OR_RETURN(std::string line, NextLine(timeout));
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return DataLossError("watch: not a JSON line: " + line);
  return j;
}

StatusOr<std::unique_ptr<WatchStream>> HttpsClient::Watch(const std::string& target) {
  ClientOptions o = options_;
  o.timeout = std::chrono::seconds(3600);
  JG_ASSIGN_OR_RETURN(auto c, Connect(host_, port_, o));
  std::unique_ptr<WatchStream> ws(new WatchStream());
  auto state = std::make_shared<WatchStream::State>();
  using State = WatchStream::State;
  auto parser = std::make_shared<http::response_parser<http::string_body>>();
  auto buffer = std::make_shared<boost::beast::flat_buffer>();
  try {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    SetCommon(req, host_, port_, o);
    http::write(*c->stream, req);
    parser->body_limit(boost::none);
    http::read_header(*c->stream, *buffer, *parser);
  } catch (const std::exception& e) {
    return UnavailableError(std::string("https client: watch ") + target + ": " + e.what());
  }
  ws->status_ = static_cast<int>(parser->get().result_int());
  ws->content_type_ = std::string(parser->get()[http::field::content_type]);
  state->conn = std::move(c);
  ws->state_ = state;
  State* raw = state.get();
  state->on_body = [raw](std::uint64_t, boost::beast::string_view body,
                         boost::system::error_code&) -> std::size_t {
    State* state = raw;
    std::lock_guard<std::mutex> lock(state->mu);
    state->partial.append(body.data(), body.size());
    size_t nl;
    while ((nl = state->partial.find('\n')) != std::string::npos) {
      state->lines.push_back(state->partial.substr(0, nl));
      state->partial.erase(0, nl + 1);
    }
    state->cv.notify_all();
    return body.size();
  };
  parser->on_chunk_body(state->on_body);
  ws->reader_ = std::thread([state, parser, buffer] {
    boost::system::error_code ec;
    while (!parser->is_done()) {
      http::read_some(*state->conn->stream, *buffer, *parser, ec);
      if (ec) break;
    }
    std::lock_guard<std::mutex> lock(state->mu);
    if (!state->partial.empty()) {
      state->lines.push_back(state->partial);
      state->partial.clear();
    }
    state->clean = parser->is_done() && !ec;
    state->done = true;
    state->cv.notify_all();
  });
  return ws;
}

struct KeepAliveClient::Conn {
  std::unique_ptr<Connection> c;
  boost::beast::flat_buffer buffer;
};

KeepAliveClient::KeepAliveClient(std::string url, ClientOptions options) : options_(std::move(options)) {
  std::string rest = url.substr(url.find("://") + 3);
  auto colon = rest.rfind(':');
  host_ = rest.substr(0, colon);
  port_ = rest.substr(colon + 1);
  while (!port_.empty() && port_.back() == '/') port_.pop_back();
}

KeepAliveClient::~KeepAliveClient() = default;

StatusOr<Response> KeepAliveClient::Request(const std::string& method, const std::string& target,
                                            const std::string& body, const std::string& content_type) {
  const bool reused = conn_ != nullptr;
  auto r = Once(method, target, body, content_type);
  if (!r.ok() && reused) {
    conn_.reset();  // the server closed an idle connection: one fresh attempt
    r = Once(method, target, body, content_type);
  }
  return r;
}

StatusOr<Response> KeepAliveClient::Once(const std::string& method, const std::string& target,
                                         const std::string& body, const std::string& content_type) {
  if (!conn_) {
    JG_ASSIGN_OR_RETURN(auto c, Connect(host_, port_, options_));
    conn_ = std::make_unique<Conn>();
    conn_->c = std::move(c);
  }
  try {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    SetCommon(req, host_, port_, options_);
    req.keep_alive(true);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    http::write(*conn_->c->stream, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    http::read(*conn_->c->stream, conn_->buffer, parser);
    Response r;
    r.status = static_cast<int>(parser.get().result_int());
    r.body = parser.get().body();
    if (!parser.get().keep_alive()) conn_.reset();
    return r;
  } catch (const std::exception& e) {
    conn_.reset();
    return UnavailableError(std::string("https client: ") + method + " " + target + ": " + e.what());
  }
}

}  // namespace joinguard::sandbox::testing
