// kubeadm's endpoint helpers on top of Go's SplitHostPort (kubernetes/kubernetes
// cmd/kubeadm/app/util/endpoint.go ParsePort/ParseHostPort): IPv6 brackets, a missing port,
// the port range. Go's own SplitHostPort table is in tests/unit/kube/host_port_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/net/host_port.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::net {
namespace {

using ::joinguard::testing::StatusIs;

struct PortCase {
  std::string in;
  int want;  // 0 = invalid
};

class ParsePortTest : public ::testing::TestWithParam<PortCase> {};

TEST_P(ParsePortTest, MatchesKubeadm) {
  const PortCase& c = GetParam();
  if (c.want != 0) {
    auto port = ParsePort(c.in);
    ASSERT_OK(port);
    EXPECT_EQ(*port, c.want);
  } else {
    EXPECT_THAT(ParsePort(c.in), StatusIs(StatusCode::kInvalidArgument,
                                          "port must be a valid number between 1 and 65535, inclusive"));
  }
}

INSTANTIATE_TEST_SUITE_P(Range, ParsePortTest,
                         ::testing::Values(PortCase{"1", 1}, PortCase{"6443", 6443}, PortCase{"65535", 65535},
                                           PortCase{"0080", 80},  // strconv.ParseUint accepts leading zeros
                                           PortCase{"0", 0}, PortCase{"65536", 0},
                                           PortCase{"99999999999999", 0}, PortCase{"", 0}, PortCase{"-1", 0},
                                           PortCase{"+80", 0}, PortCase{"80a", 0}, PortCase{" 80", 0},
                                           PortCase{"http", 0}));

TEST(HostOf, IsTheHostWithOrWithoutAPort) {
  EXPECT_EQ(HostOf("cp.example.com:6443"), "cp.example.com");
  EXPECT_EQ(HostOf("cp.example.com"), "cp.example.com");  // missing port: the whole string
  EXPECT_EQ(HostOf("10.0.0.1:6443"), "10.0.0.1");
  EXPECT_EQ(HostOf("[fd00::1]:6443"), "fd00::1");  // brackets removed
  EXPECT_EQ(HostOf("fd00::1"), "fd00::1");         // too many colons: the whole string
  EXPECT_EQ(HostOf("[fd00::1]"), "[fd00::1]");     // as kubeadm: not split, so not unbracketed
}

TEST(HasPort, FollowsSplitHostPort) {
  EXPECT_TRUE(HasPort("cp:6443"));
  EXPECT_TRUE(HasPort("[::1]:6443"));
  EXPECT_TRUE(HasPort("cp:"));  // an empty port is still a port to Go
  EXPECT_FALSE(HasPort("cp"));
  EXPECT_FALSE(HasPort("::1"));
  EXPECT_FALSE(HasPort("[::1]"));
}

TEST(JoinHostPort, NumericPortBracketsIpv6) {
  EXPECT_EQ(JoinHostPort("10.0.0.1", 6443), "10.0.0.1:6443");
  EXPECT_EQ(JoinHostPort("fd00::1", 2379), "[fd00::1]:2379");
  EXPECT_EQ(HttpsUrl("::1", 2380), "https://[::1]:2380");
  EXPECT_EQ(HttpsUrl("cp.example.com", 443), "https://cp.example.com:443");
  std::string host, port;
  ASSERT_OK(SplitHostPort(JoinHostPort("fe80::1%eth0", 10250), &host, &port));
  EXPECT_EQ(host, "fe80::1%eth0");
  EXPECT_EQ(port, "10250");
}

}  // namespace
}  // namespace joinguard::net
