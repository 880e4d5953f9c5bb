// The cpprest adapter against a real socket (tests/testing/local_http_server.h, plain HTTP on
// 127.0.0.1 port 0).
// - Watch reader: lines are cut at LF whatever the read boundaries, CR LF and a last line without
//   LF are handled, empty lines are skipped, an oversized line and a refused line end the stream
//   with their status.
// - Do(): bodies with and without Content-Length arrive whole and bounded; the timeout counts
//   inactivity (a trickling body outlives it, a stalled one does not); redirects are answered,
//   not followed, unless the transport is for HTTPS discovery.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/kube/http_transport.h"
#include "common/kube/objects.h"
#include "tests/testing/local_http_server.h"

namespace joinguard::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Socket = boost::asio::ip::tcp::socket;

class WatchReaderTest : public ::testing::Test {
 protected:
  // Serves `body` as one response and streams it through a fresh transport.
  StatusOr<HttpResponse> StreamBody(std::string body, const LineCallback& on_line) {
    server_ = std::make_unique<testing::LocalHttpServer>(testing::LocalHttpServer::Scheme::kHttp, 200,
                                                         "application/json",
                                                         [body = std::move(body)](int) { return body; });
    TransportConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(server_->port());
    auto transport = NewCpprestTransport(config);
    if (!transport.ok()) return transport.status();
    HttpRequest request;
    request.path_and_query = "/api/v1/nodes?watch=true";
    return (*transport)->Stream(request, on_line, {});
  }

  std::unique_ptr<testing::LocalHttpServer> server_;
};

TEST_F(WatchReaderTest, LinesAreCutAtLineFeedsWhateverTheReadBoundaries) {
  // Longer than any one socket read, so the first line spans several of them.
  const std::string long_line(size_t{3} << 20, 'x');
  std::vector<std::string> lines;
  auto response = StreamBody(long_line + "\r\n\n\r\nsecond\nthird", [&](std::string_view line) {
    lines.emplace_back(line);
    return OkStatus();
  });
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], long_line);
  EXPECT_EQ(lines[1], "second");
  EXPECT_EQ(lines[2], "third");  // the last line may lack its LF
}

TEST_F(WatchReaderTest, ManySmallLinesArriveInOrder) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "{\"n\":" + std::to_string(i) + "}\n";
  std::vector<std::string> lines;
  auto response = StreamBody(body, [&](std::string_view line) {
    lines.emplace_back(line);
    return OkStatus();
  });
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_EQ(lines.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(lines[i], "{\"n\":" + std::to_string(i) + "}") << i;
}

TEST_F(WatchReaderTest, ARefusedLineEndsTheStreamWithItsStatus) {
  std::vector<std::string> lines;
  auto response = StreamBody("one\ntwo\nthree\n", [&](std::string_view line) {
    lines.emplace_back(line);
    return line == "two" ? DataLossError("refused two") : OkStatus();
  });
  EXPECT_EQ(response.status().code(), StatusCode::kDataLoss) << response.status().ToString();
  EXPECT_THAT(lines, ElementsAre("one", "two"));
}

TEST_F(WatchReaderTest, ALineOverTheLimitIsRefusedEvenWithoutItsLineFeed) {
  int delivered = 0;
  auto response = StreamBody("small\n" + std::string(kMaxJsonBytes + 1, 'y'), [&](std::string_view) {
    ++delivered;
    return OkStatus();
  });
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted) << response.status().ToString();
  EXPECT_NE(response.status().message().find("one watch event"), std::string::npos)
      << response.status().message();
  EXPECT_EQ(delivered, 1);
}

// ---- Do() -------------------------------------------------------------------------------------

// Writes `bytes`; a client that has gone away is not an error of the test.
void Write(Socket& socket, std::string_view bytes) {
  boost::system::error_code ec;
  boost::asio::write(socket, boost::asio::buffer(bytes.data(), bytes.size()), ec);
}

// Blocks until the client closes the connection (or `socket` fails).
void WaitForClientToClose(Socket& socket) {
  boost::system::error_code ec;
  char byte;
  while (!ec) socket.read_some(boost::asio::buffer(&byte, 1), ec);
}

std::string Head(std::string_view extra_headers) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" +
         std::string(extra_headers) + "\r\n";
}

// Bytes that differ along the body, so a lost or repeated part shows.
std::string Patterned(size_t size) {
  std::string body(size, '\0');
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return body;
}

class DoTest : public ::testing::Test {
 protected:
  StatusOr<HttpResponse> Get(const testing::LocalHttpServer& server, std::string path = "/api/v1/nodes/a",
                             std::chrono::milliseconds timeout = std::chrono::seconds(30),
                             bool follow_redirects = false) {
    TransportConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(server.port());
    config.follow_redirects = follow_redirects;
    auto transport = NewCpprestTransport(config);
    if (!transport.ok()) return transport.status();
    HttpRequest request;
    request.path_and_query = std::move(path);
    request.timeout = timeout;
    return (*transport)->Do(request);
  }
};

TEST_F(DoTest, AnAnnouncedBodyArrivesWhole) {
  const std::string body = Patterned(size_t{3} << 20);  // several socket reads
  testing::LocalHttpServer server(testing::LocalHttpServer::Scheme::kHttp, 200, "application/json",
                                  [&](int) { return body; });
  auto response = Get(server);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), body.size());
  EXPECT_TRUE(response->body == body);
}

TEST_F(DoTest, AnEmptyAnnouncedBodyIsEmpty) {
  testing::LocalHttpServer server(testing::LocalHttpServer::Scheme::kHttp, 200, "application/json",
                                  [](int) { return std::string(); });
  auto response = Get(server);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
}

TEST_F(DoTest, AnAnnouncedBodyOverTheLimitIsRefusedUnread) {
  testing::LocalHttpServer server([](Socket& socket, const std::string&) {
    Write(socket, Head("Content-Length: " + std::to_string(kMaxJsonBytes + 1) + "\r\n"));
    WaitForClientToClose(socket);  // not a byte of the body is sent
  });
  auto response = Get(server);
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted) << response.status().ToString();
  EXPECT_THAT(response.status().message(), HasSubstr("-byte limit"));
}

TEST_F(DoTest, AMalformedContentLengthIsRefusedNotReadToTheEnd) {
  // cpprest would read such a body until the connection closes; this one never closes.
  for (const std::string length : {"abc", "10, 10", "-1", "99999999999999999999999"}) {
    testing::LocalHttpServer server([&](Socket& socket, const std::string&) {
      Write(socket, Head("Content-Length: " + length + "\r\n") + "{}");
      WaitForClientToClose(socket);
    });
    auto response = Get(server);
    EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << length << ": " << response.status();
    EXPECT_THAT(response.status().message(), HasSubstr("malformed Content-Length")) << length;
  }
}

TEST_F(DoTest, AChunkedBodyArrivesWhole) {
  const std::string body = Patterned(size_t{1} << 20);
  testing::LocalHttpServer server([&](Socket& socket, const std::string&) {
    Write(socket, Head("Transfer-Encoding: chunked\r\n"));
    constexpr size_t kChunk = 100'000;
    for (size_t at = 0; at < body.size(); at += kChunk) {
      const std::string_view part = std::string_view(body).substr(at, kChunk);
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", part.size());
      Write(socket, size);
      Write(socket, part);
      Write(socket, "\r\n");
    }
    Write(socket, "0\r\n\r\n");
  });
  auto response = Get(server);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body.size(), body.size());
  EXPECT_TRUE(response->body == body);
}

TEST_F(DoTest, AChunkedBodyOverTheLimitIsRefused) {
  testing::LocalHttpServer server([](Socket& socket, const std::string&) {
    Write(socket, Head("Transfer-Encoding: chunked\r\n"));
    const std::string mib(size_t{1} << 20, 'z');
    for (size_t sent = 0; sent <= kMaxJsonBytes; sent += mib.size()) {
      Write(socket, "100000\r\n");
      Write(socket, mib);
      Write(socket, "\r\n");
    }
    Write(socket, "0\r\n\r\n");
  });
  auto response = Get(server);
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted) << response.status().ToString();
  EXPECT_THAT(response.status().message(), HasSubstr("-byte limit"));
}

TEST_F(DoTest, TheTimeoutCountsInactivityNotTheWholeBody) {
  // cpprest reports progress per part of the body it reads (64 KiB, its default
  // http_client_config::chunksize): five parts 500 ms apart take 2.5 s in all, but the 2 s
  // timeout never passes without progress.
  constexpr size_t kPart = size_t{64} << 10;
  constexpr int kParts = 5;
  const std::string body = Patterned(kPart * kParts);
  testing::LocalHttpServer server([&](Socket& socket, const std::string&) {
    Write(socket, Head("Content-Length: " + std::to_string(body.size()) + "\r\n"));
    for (int i = 0; i < kParts; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the peer's pace, not a wait for us
      Write(socket, std::string_view(body).substr(i * kPart, kPart));
    }
  });
  auto response = Get(server, "/api/v1/nodes/a", std::chrono::seconds(2));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_TRUE(response->body == body);
}

TEST_F(DoTest, AStalledBodyTimesOut) {
  testing::LocalHttpServer server([](Socket& socket, const std::string&) {
    Write(socket, Head("Content-Length: 100\r\n") + std::string(50, 'x'));
    WaitForClientToClose(socket);  // the other 50 never come
  });
  auto response = Get(server, "/api/v1/nodes/a", std::chrono::milliseconds(300));
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded) << response.status().ToString();
  EXPECT_THAT(response.status().message(), HasSubstr("no response within 300 ms"));
}

// Answers /start with a redirect to /final and /final with "arrived".
testing::LocalHttpServer::Script RedirectToFinal() {
  return [](Socket& socket, const std::string& head) {
    if (head.rfind("GET /final ", 0) == 0) {
      Write(socket, Head("Content-Length: 7\r\n") + "arrived");
    } else {
      Write(socket,
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: /final\r\nContent-Length: 0\r\nConnection: "
            "close\r\n\r\n");
    }
  };
}

TEST_F(DoTest, AnApiClientGetsARedirectAsItsAnswer) {
  testing::LocalHttpServer server(RedirectToFinal());
  auto response = Get(server, "/start");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 307);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(DoTest, DiscoveryFollowsARedirect) {
  testing::LocalHttpServer server(RedirectToFinal());
  auto response = Get(server, "/start", std::chrono::seconds(30), /*follow_redirects=*/true);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "arrived");
  EXPECT_EQ(server.requests(), 2);
}

}  // namespace
}  // namespace joinguard::kube
