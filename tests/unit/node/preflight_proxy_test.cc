// Go's proxy-from-environment rules (golang.org/x/net/http/httpproxy), as kubeadm's HTTPProxy
// check uses them: one row per rule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "node-helper/preflight/proxy.h"

namespace joinguard::node::preflight {
namespace {

struct ProxyCase {
  std::string name;
  std::map<std::string, std::string> env;
  std::string host;
  std::string proxy;  // "" = direct
};

class ProxyTest : public ::testing::TestWithParam<ProxyCase> {};

TEST_P(ProxyTest, ProxyFor) {
  const auto& c = GetParam();
  auto getenv = [&](const std::string& n) -> std::optional<std::string> {
    auto it = c.env.find(n);
    if (it == c.env.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(HttpsProxyFor(getenv, c.host).value_or(""), c.proxy);
}

INSTANTIATE_TEST_SUITE_P(
    GoHttpProxy, ProxyTest,
    ::testing::Values(
        ProxyCase{"NoProxyVariable", {}, "10.0.0.1", ""},
        ProxyCase{"HttpProxyIsNotForHttps", {{"HTTP_PROXY", "http://p:1"}}, "10.0.0.1", ""},
        ProxyCase{"UpperCaseFirst",
                  {{"HTTPS_PROXY", "http://a:1"}, {"https_proxy", "http://b:1"}},
                  "h",
                  "http://a:1"},
        ProxyCase{
            "EmptyUpperFallsBack", {{"HTTPS_PROXY", ""}, {"https_proxy", "http://b:1"}}, "h", "http://b:1"},
        ProxyCase{"SchemeAdded", {{"HTTPS_PROXY", "proxy:3128"}}, "10.0.0.1", "http://proxy:3128"},
        ProxyCase{"Loopback", {{"HTTPS_PROXY", "p:1"}}, "127.0.0.1", ""},
        ProxyCase{"Localhost", {{"HTTPS_PROXY", "p:1"}}, "localhost", ""},
        ProxyCase{"Ipv6Loopback", {{"HTTPS_PROXY", "p:1"}}, "::1", ""},
        ProxyCase{"Star", {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "*"}}, "10.0.0.1", ""},
        ProxyCase{"Cidr", {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "192.168.0.0/16"}}, "192.168.4.2", ""},
        ProxyCase{"CidrMiss",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "192.168.0.0/16"}},
                  "192.169.0.1",
                  "http://p:1"},
        ProxyCase{"ExactIp", {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", " 10.0.0.1 "}}, "10.0.0.1", ""},
        ProxyCase{"IpWithOtherPort",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "10.0.0.1:6443"}},
                  "10.0.0.1",
                  "http://p:1"},
        ProxyCase{"IpWithHttpsPort", {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "10.0.0.1:443"}}, "10.0.0.1", ""},
        ProxyCase{"DomainMatchesSubdomains",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "corp.example"}},
                  "api.corp.example",
                  ""},
        ProxyCase{"DomainMatchesItself",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "corp.example"}},
                  "corp.example",
                  ""},
        ProxyCase{"DotDomainNotItself",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", ".corp.example"}},
                  "corp.example",
                  "http://p:1"},
        ProxyCase{
            "StarDotDomain", {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "*.corp.example"}}, "x.corp.example", ""},
        ProxyCase{"SuffixIsNotADomain",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "corp.example"}},
                  "evilcorp.example",
                  "http://p:1"},
        ProxyCase{"CaseInsensitive",
                  {{"HTTPS_PROXY", "p:1"}, {"no_proxy", "CORP.example"}},
                  "API.corp.EXAMPLE",
                  ""},
        ProxyCase{"Ipv6Cidr", {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "fd00::/8"}}, "fd00::1", ""},
        ProxyCase{"BadCidrIgnored",
                  {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "10.0.0.0/99,junk/x"}},
                  "10.0.0.1",
                  "http://p:1"},
        ProxyCase{
            "PasswordRedacted", {{"HTTPS_PROXY", "https://u:p%40ss@p:1/"}}, "h", "https://u:xxxxx@p:1/"}),
    [](const auto& info) { return info.param.name; });

TEST(ProxyTest, Ipv6TargetsGetKubeadmsPlaceholderPort) {
  EXPECT_EQ(HttpsUrlFor("fd00::1"), "https://[fd00::1]:1234");
  EXPECT_EQ(HttpsUrlFor("10.0.0.1"), "https://10.0.0.1");
}

}  // namespace
}  // namespace joinguard::node::preflight
