// net.JoinHostPort / net.SplitHostPort, table-driven with Go's own cases
// (golang.org/src/net/ipsock_test.go, net_test.go).
#include "common/net/host_port.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace joinguard::net {
namespace {

struct SplitCase {
  std::string in, host, port, error;  // error empty = ok
};

class SplitHostPortTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitHostPortTest, MatchesGo) {
  const SplitCase& c = GetParam();
  std::string host, port;
  Status s = SplitHostPort(c.in, &host, &port);
  if (c.error.empty()) {
    ASSERT_TRUE(s.ok()) << c.in << ": " << s;
    EXPECT_EQ(host, c.host);
    EXPECT_EQ(port, c.port);
    EXPECT_EQ(SplitHostPort(JoinHostPort(host, port), &host, &port).ok(), true);  // round trip
  } else {
    ASSERT_FALSE(s.ok()) << c.in;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "address " + c.in + ": " + c.error);
  }
}

INSTANTIATE_TEST_SUITE_P(Go, SplitHostPortTest,
                         ::testing::Values(SplitCase{"localhost:http", "localhost", "http", ""},
                                           SplitCase{"10.0.0.1:6443", "10.0.0.1", "6443", ""},
                                           SplitCase{"[::1]:6443", "::1", "6443", ""},
                                           SplitCase{"[fe80::1%lo0]:80", "fe80::1%lo0", "80", ""},
                                           SplitCase{":6443", "", "6443", ""},
                                           SplitCase{"host:", "host", "", ""}, SplitCase{"[]:0", "", "0", ""},
                                           SplitCase{"golang.org", "", "", "missing port in address"},
                                           SplitCase{"127.0.0.1", "", "", "missing port in address"},
                                           SplitCase{"[::1]", "", "", "missing port in address"},
                                           SplitCase{"[fe80::1]:", "fe80::1", "", ""},
                                           SplitCase{"::1:6443", "", "", "too many colons in address"},
                                           SplitCase{"[::1]::6443", "", "", "too many colons in address"},
                                           SplitCase{"[::1]x:6443", "", "", "missing port in address"},
                                           SplitCase{"[::1:6443", "", "", "missing ']' in address"},
                                           SplitCase{"[[::1]]:6443", "", "", "missing port in address"},
                                           SplitCase{"a]:6443", "", "", "unexpected ']' in address"},
                                           SplitCase{"a[:6443", "", "", "unexpected '[' in address"},
                                           SplitCase{"a:6443]", "", "", "unexpected ']' in address"}));

TEST(JoinHostPort, BracketsIpv6Only) {
  EXPECT_EQ(JoinHostPort("10.0.0.1", "6443"), "10.0.0.1:6443");
  EXPECT_EQ(JoinHostPort("::1", "6443"), "[::1]:6443");
  EXPECT_EQ(JoinHostPort("example.com", "443"), "example.com:443");
  EXPECT_EQ(HttpsUrl("fd00::1", "6443"), "https://[fd00::1]:6443");
  EXPECT_EQ(HttpsUrl("10.0.0.1", "6443"), "https://10.0.0.1:6443");
}

}  // namespace
}  // namespace joinguard::net
