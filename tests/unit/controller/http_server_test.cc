// The probe/scrape server under hostile clients: idle sockets, trickled requests, oversized
// headers, a connection flood. Issue 10 #2: four idle TCP connections used to make /healthz
// time out (one connection served at a time), putting the pod in a liveness restart loop.
#include "controller/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "controller/health_server.h"
#include "controller/metrics.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::controller {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

// Far longer than any wait below: a server that served connections one at a time would
// make every request after an idle socket wait this long, and the test's deadline fail.
constexpr auto kLongReadTimeout = std::chrono::seconds(120);
constexpr auto kClientDeadline = std::chrono::seconds(30);

tcp::endpoint Local(int port) {
  return {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
}

// GET with a deadline; status 0 when the server closed the connection without answering.
int Get(int port, const std::string& path, std::string* body = nullptr) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kClientDeadline);
  beast::error_code ec;
  stream.connect(Local(port), ec);
  if (ec) return -1;
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req, ec);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res, ec);
  if (ec == beast::error::timeout) return -2;
  if (ec) return 0;
  if (body) *body = res.body();
  return res.result_int();
}

// Opens `n` TCP connections that never send a byte.
std::vector<std::unique_ptr<tcp::socket>> OpenIdle(asio::io_context& io, int port, int n) {
  std::vector<std::unique_ptr<tcp::socket>> out;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<tcp::socket>(io);
    s->connect(Local(port));
    out.push_back(std::move(s));
  }
  return out;
}

template <typename Pred>
bool WaitUntil(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kClientDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a condition, bounded
  }
  return pred();
}

// True when the server closes `s` (EOF or reset) before the client deadline.
bool ClosedByServer(tcp::socket& s) {
  beast::tcp_stream stream(std::move(s));
  stream.expires_after(kClientDeadline);
  char c;
  beast::error_code ec;
  stream.read_some(asio::buffer(&c, 1), ec);
  return ec && ec != beast::error::timeout;
}

HttpServerOptions Options() {
  HttpServerOptions o;
  o.address = "127.0.0.1:0";
  o.read_timeout = kLongReadTimeout;
  return o;
}

TEST(HttpServerTest, IdleConnectionsDoNotStarveHealthz) {
  ASSERT_OK_AND_ASSIGN(auto server, HealthServer::Create(Options()));
  asio::io_context io;
  auto idle = OpenIdle(io, server->port(), 16);
  ASSERT_TRUE(WaitUntil([&] { return server->open_connections() == 16; }));
  std::string body;
  EXPECT_EQ(Get(server->port(), "/healthz", &body), 200);
  EXPECT_EQ(body, "ok\n");
  EXPECT_EQ(Get(server->port(), "/readyz"), 200);
  // The idle ones are still there once the server has seen the two GETs' connections close.
  EXPECT_TRUE(WaitUntil([&] { return server->open_connections() == 16; }));
}

TEST(HttpServerTest, IdleConnectionsDoNotStarveMetrics) {
  ControllerMetrics metrics;
  ASSERT_OK_AND_ASSIGN(auto server, MetricsServer::Create("127.0.0.1:0", metrics));
  asio::io_context io;
  auto idle = OpenIdle(io, server->port(), 8);  // civetweb's 2 threads were held by 2
  ASSERT_TRUE(WaitUntil([&] { return server->open_connections() == 8; }));
  std::string body;
  EXPECT_EQ(Get(server->port(), "/metrics", &body), 200);
  EXPECT_THAT(body, HasSubstr("# TYPE joinguard_leader gauge"));
  EXPECT_EQ(Get(server->port(), "/other"), 404);
}

TEST(HttpServerTest, ConnectionCapRefusesTheExcessAndRecovers) {
  HttpServerOptions o = Options();
  o.max_connections = 4;
  ASSERT_OK_AND_ASSIGN(auto server, HttpServer::Create(o, [](const std::string&) {
                         return HttpResponse{200, "text/plain", "ok"};
                       }));
  asio::io_context io;
  auto idle = OpenIdle(io, server->port(), 4);
  ASSERT_TRUE(WaitUntil([&] { return server->open_connections() == 4; }));
  auto extra = OpenIdle(io, server->port(), 1);
  EXPECT_TRUE(ClosedByServer(*extra[0]));
  EXPECT_EQ(server->open_connections(), 4u);
  idle.pop_back();  // a slot frees up
  ASSERT_TRUE(WaitUntil([&] { return server->open_connections() == 3; }));
  EXPECT_EQ(Get(server->port(), "/x"), 200);
}

TEST(HttpServerTest, SilentAndTrickledRequestsAreDroppedAfterTheReadTimeout) {
  HttpServerOptions o = Options();
  o.read_timeout = std::chrono::milliseconds(200);
  ASSERT_OK_AND_ASSIGN(auto server, HttpServer::Create(o, [](const std::string&) { return HttpResponse{}; }));
  asio::io_context io;
  auto silent = OpenIdle(io, server->port(), 1);
  auto partial = OpenIdle(io, server->port(), 1);
  asio::write(*partial[0], asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  EXPECT_TRUE(ClosedByServer(*silent[0]));
  EXPECT_TRUE(ClosedByServer(*partial[0]));
  EXPECT_TRUE(WaitUntil([&] { return server->open_connections() == 0; }));
}

TEST(HttpServerTest, OversizedHeadersBodiesAndOtherMethodsAreRefused) {
  HttpServerOptions o = Options();
  ASSERT_OK_AND_ASSIGN(auto server, HttpServer::Create(o, [](const std::string&) {
                         return HttpResponse{200, "text/plain", "ok"};
                       }));
  asio::io_context io;
  auto big = OpenIdle(io, server->port(), 1);
  // The server may close (reset) while the oversized request is still being written: that is
  // the refusal, so the write's error is expected, not a test failure.
  boost::system::error_code write_ec;
  asio::write(*big[0], asio::buffer("GET / HTTP/1.1\r\nX-Junk: " + std::string(64 * 1024, 'a') + "\r\n\r\n"),
              write_ec);
  EXPECT_TRUE(write_ec || ClosedByServer(*big[0]));

  auto post = OpenIdle(io, server->port(), 1);
  asio::write(*post[0],
              asio::buffer(std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")),
              write_ec);
  EXPECT_TRUE(write_ec || ClosedByServer(*post[0]));  // a body is refused outright

  beast::tcp_stream del(io);
  del.connect(Local(server->port()));
  http::request<http::empty_body> req{http::verb::delete_, "/", 11};
  http::write(del, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(del, buf, res);
  EXPECT_EQ(res.result_int(), 405);
}

TEST(HttpServerTest, StopsWithConnectionsOpen) {
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  {
    ASSERT_OK_AND_ASSIGN(auto server,
                         HttpServer::Create(Options(), [](const std::string&) { return HttpResponse{}; }));
    idle = OpenIdle(io, server->port(), 3);
    ASSERT_TRUE(WaitUntil([&] { return server->open_connections() == 3; }));
  }  // destructor must not wait for the clients
  for (auto& s : idle) EXPECT_TRUE(ClosedByServer(*s));
}

struct AddressCase {
  std::string address;
  bool ok;
  std::string host;
  int port;
};

class ListenAddressTest : public ::testing::TestWithParam<AddressCase> {};

TEST_P(ListenAddressTest, Parses) {
  const AddressCase& c = GetParam();
  std::string host;
  int port = -1;
  Status s = ParseListenAddress(c.address, "--metrics-address", &host, &port);
  if (!c.ok) {
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr("--metrics-address")));
    return;
  }
  ASSERT_OK(s);
  EXPECT_EQ(host, c.host);
  EXPECT_EQ(port, c.port);
}

INSTANTIATE_TEST_SUITE_P(Table, ListenAddressTest,
                         ::testing::Values(AddressCase{":8080", true, "0.0.0.0", 8080},
                                           AddressCase{"127.0.0.1:0", true, "127.0.0.1", 0},
                                           AddressCase{"[::1]:65535", true, "::1", 65535},
                                           AddressCase{"127.0.0.1:65536", false, "", 0},
                                           // 2^32 + 8080 was 8080 after std::stoi truncation
                                           AddressCase{":4294975376", false, "", 0},
                                           AddressCase{":-1", false, "", 0},
                                           AddressCase{":80x", false, "", 0}, AddressCase{":", false, "", 0},
                                           AddressCase{"8080", false, "", 0}));

}  // namespace
}  // namespace joinguard::controller
