// The cpprest adapter's watch reader against a real socket (tests/testing/local_http_server.h,
// plain HTTP on 127.0.0.1 port 0): lines are cut at LF whatever the read boundaries, CR LF
// and a last line without LF are handled, empty lines are skipped, an oversized line and a
// refused line end the stream with their status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/kube/http_transport.h"
#include "common/kube/objects.h"
#include "tests/testing/local_http_server.h"

namespace joinguard::kube {
namespace {

using ::testing::ElementsAre;

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

}  // namespace
}  // namespace joinguard::kube
