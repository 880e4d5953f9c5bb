// JoinConfiguration validation as a table: each case changes one thing in a valid configuration
// and names kubeadm's exact message (kubernetes/kubernetes
// cmd/kubeadm/app/apis/kubeadm/validation/validation.go ValidateJoinConfiguration).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "node-helper/config/join_configuration.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::node::config {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "abcdef.0123456789abcdef";
constexpr char kPin[] = "sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658";
// The secret half of every token the table uses: it must never reach a message.
constexpr char kSecret[] = "0123456789";

// A valid worker configuration with pinned token discovery (after SetDefaults).
JoinConfiguration TokenConfig() {
  JoinConfiguration cfg;
  cfg.discovery.bootstrap_token = BootstrapTokenDiscovery{kToken, "10.0.0.1:6443", {kPin}, false};
  cfg.node_registration.name = "n";
  SetDefaults(&cfg);
  return cfg;
}

void UseFileDiscovery(JoinConfiguration* cfg, std::string path) {
  cfg->discovery.bootstrap_token.reset();
  cfg->discovery.file = FileDiscovery{std::move(path)};
}

struct ValidationCase {
  std::string name;
  std::function<void(JoinConfiguration*)> change;
  std::string error;  // "" = valid
  bool exact = true;  // false: `error` is a substring of the message
};

class JoinConfigurationValidationTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(JoinConfigurationValidationTest, MatchesKubeadm) {
  const ValidationCase& c = GetParam();
  JoinConfiguration cfg = TokenConfig();
  c.change(&cfg);
  Status s = Validate(cfg);
  if (c.error.empty()) {
    EXPECT_OK(s);
    return;
  }
  if (c.exact) {
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, c.error));
  } else {
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
  EXPECT_EQ(s.reason(), "ValidationError");
  EXPECT_THAT(s.message(), Not(HasSubstr(kSecret))) << "token secrets are redacted";
}

const ValidationCase kCases[] = {
    {"PinnedTokenDiscovery", [](JoinConfiguration*) {}, ""},
    {"NoPinsWithoutUnsafeFlag",
     [](JoinConfiguration* c) { c->discovery.bootstrap_token->ca_cert_hashes.clear(); },
     "discovery.bootstrapToken: Invalid value: \"\": using token-based discovery without caCertHashes can "
     "be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass "
     "--discovery-token-unsafe-skip-ca-verification flag to continue"},
    {"NoPinsWithUnsafeFlag",
     [](JoinConfiguration* c) {
       c->discovery.bootstrap_token->ca_cert_hashes.clear();
       c->discovery.bootstrap_token->unsafe_skip_ca_verification = true;
     },
     ""},
    {"EndpointWithoutPort",
     [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = "10.0.0.1"; },
     "discovery.bootstrapToken.apiServerEndpoints: Invalid value: \"10.0.0.1\": address 10.0.0.1: missing "
     "port in address"},
    {"EndpointBracketedIpv6",
     [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = "[fd00::1]:6443"; }, ""},
    {"EndpointUnbracketedIpv6",
     [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = "fd00::1:6443"; },
     "too many colons in address", false},
    {"EndpointMissing", [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = ""; },
     "discovery.bootstrapToken: Required value: APIServerEndpoint is not set"},
    {"InvalidTokensRedacted",
     [](JoinConfiguration* c) {
       c->discovery.bootstrap_token->token = "abcdef.0123456789ABCDEF";
       c->discovery.tls_bootstrap_token = "abcdef.0123456789ABCDEF";
     },
     "[discovery.bootstrapToken.token: Invalid value: \"<invalid token>\": the bootstrap token is invalid, "
     "discovery.tlsBootstrapToken: Invalid value: \"<invalid token>\": the bootstrap token is invalid]"},
    {"NoDiscovery", [](JoinConfiguration* c) { c->discovery.bootstrap_token.reset(); },
     "discovery: Invalid value: \"\": bootstrapToken or file must be set"},
    {"TokenAndFile", [](JoinConfiguration* c) { c->discovery.file = FileDiscovery{"https://example.com/x"}; },
     "bootstrapToken and file cannot both be set", false},
    {"DiscoveryFileMissing", [](JoinConfiguration* c) { UseFileDiscovery(c, "/nonexistent/discovery.conf"); },
     "discovery.file.kubeConfigPath: Invalid value: \"/nonexistent/discovery.conf\": not a valid HTTPS URL "
     "or "
     "a file on disk"},
    {"DiscoveryFileHttpUrl", [](JoinConfiguration* c) { UseFileDiscovery(c, "http://example.com/x"); },
     "discovery.file.kubeConfigPath: Invalid value: \"http://example.com/x\": if a URL is used, the scheme "
     "must be https"},
    {"DiscoveryFileHttpsUrl", [](JoinConfiguration* c) { UseFileDiscovery(c, "https://example.com/x"); }, ""},
    {"DiscoveryFileBadTlsToken",
     [](JoinConfiguration* c) {
       UseFileDiscovery(c, "https://example.com/x");
       c->discovery.tls_bootstrap_token = "abcdef.0123456789";
     },
     "discovery.tlsBootstrapToken: Invalid value: \"<invalid token>\": the bootstrap token is invalid"},
};

INSTANTIATE_TEST_SUITE_P(Table, JoinConfigurationValidationTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace joinguard::node::config
