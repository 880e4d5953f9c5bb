// JoinConfiguration validation as a table: each case changes one thing in a valid configuration
// and names kubeadm's exact message (kubernetes/kubernetes
// cmd/kubeadm/app/apis/kubeadm/validation/validation.go ValidateJoinConfiguration).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "node-helper/config/join_configuration.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/node_test_values.h"

namespace joinguard::node::config {
namespace {

using ::joinguard::testing::kTestPin;
using ::joinguard::testing::kTestToken;

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// The secret half of every token the table uses: it must never reach a message.
constexpr char kSecret[] = "0123456789";

// A valid worker configuration with pinned token discovery (after SetDefaults).
JoinConfiguration TokenConfig() {
  JoinConfiguration cfg;
  cfg.discovery.bootstrap_token = BootstrapTokenDiscovery{kTestToken, "10.0.0.1:6443", {kTestPin}, false};
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
     "discovery.bootstrapToken.caCertHashes: Invalid value: \"\": using token-based discovery without "
     "caCertHashes can "
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
     "discovery.bootstrapToken.apiServerEndpoint: Invalid value: \"10.0.0.1\": address 10.0.0.1: missing "
     "port in address"},
    {"EndpointBracketedIpv6",
     [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = "[fd00::1]:6443"; }, ""},
    {"EndpointUnbracketedIpv6",
     [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = "fd00::1:6443"; },
     "too many colons in address", false},
    {"EndpointMissing", [](JoinConfiguration* c) { c->discovery.bootstrap_token->api_server_endpoint = ""; },
     "[discovery.bootstrapToken: Required value: APIServerEndpoint is not set, "
     "discovery.bootstrapToken.apiServerEndpoint: Invalid value: \"\": address : missing port in address]"},
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
    // nodeRegistration (ValidateNodeRegistrationOptions).
    {"NodeNameMissing", [](JoinConfiguration* c) { c->node_registration.name = ""; },
     "nodeRegistration: Required value: --node-name or .nodeRegistration.name in the config file is a "
     "required "
     "value. It seems like this value couldn't be automatically detected in your environment, please specify "
     "the desired value using the CLI or config file."},
    {"NodeNameNotDns1123", [](JoinConfiguration* c) { c->node_registration.name = "worker_1"; },
     "nodeRegistration.name: Invalid value: \"worker_1\": a lowercase RFC 1123 subdomain must consist of "
     "lower "
     "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
     "'example.com', regex used for validation is "
     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
    {"NodeNameUpperCase", [](JoinConfiguration* c) { c->node_registration.name = "Worker"; },
     "nodeRegistration.name: Invalid value: \"Worker\": a lowercase RFC 1123 subdomain", false},
    {"NodeNameControlCharacterQuotedAsGo", [](JoinConfiguration* c) { c->node_registration.name = "a\nb"; },
     "nodeRegistration.name: Invalid value: \"a\\nb\": a lowercase RFC 1123 subdomain", false},
    {"NodeNameTooLong", [](JoinConfiguration* c) { c->node_registration.name = std::string(254, 'a'); },
     "\": must be no more than 253 characters", false},
    {"NodeNameDotted",
     [](JoinConfiguration* c) { c->node_registration.name = "worker-1.zone-a.example.com"; }, ""},
    {"CriSocketEmpty", [](JoinConfiguration* c) { c->node_registration.cri_socket = ""; },
     "nodeRegistration.criSocket: Invalid value: \"\": empty CRI socket"},
    {"CriSocketWrongScheme",
     [](JoinConfiguration* c) { c->node_registration.cri_socket = "npipe:////./pipe/containerd-containerd"; },
     "nodeRegistration.criSocket: Invalid value: \"npipe:////./pipe/containerd-containerd\": only URL scheme "
     "\"unix\" is supported, got \"npipe\""},
    {"CriSocketBarePath",  // dynamic defaulting normally prefixes unix://; Validate alone refuses it
     [](JoinConfiguration* c) { c->node_registration.cri_socket = "/run/containerd/containerd.sock"; },
     "nodeRegistration.criSocket: Invalid value: \"/run/containerd/containerd.sock\": only URL scheme "
     "\"unix\" is "
     "supported, got \"\""},
    {"CriSocketControlCharacter",
     [](JoinConfiguration* c) { c->node_registration.cri_socket = "unix:///run/x\x7f.sock"; },
     "nodeRegistration.criSocket: Invalid value: \"unix:///run/x\\x7f.sock\": URL parsing error: parse "
     "\"unix:///run/x\\x7f.sock\": net/url: invalid control character in URL"},
    {"CriSocketColonInFirstSegment",
     [](JoinConfiguration* c) { c->node_registration.cri_socket = "1unix:x"; },
     "URL parsing error: parse \"1unix:x\": first path segment in URL cannot contain colon", false},
    {"CriSocketUnixUpperCase",
     [](JoinConfiguration* c) { c->node_registration.cri_socket = "UNIX:///run/crio/crio.sock"; }, ""},
    {"KubeletExtraArgWithoutName",
     [](JoinConfiguration* c) {
       c->node_registration.kubelet_extra_args = {{"v", "4"}, {"", "x"}};
     },
     "nodeRegistration.kubeletExtraArgs: Invalid value: \"index 1\": argument has no name"},
    {"KubeletExtraArgsDuplicatesAllowed",
     [](JoinConfiguration* c) {
       c->node_registration.kubelet_extra_args = {{"node-labels", "a=b"}, {"node-labels", "c=d"}};
     },
     ""},
    {"ImagePullPolicyUnknown",
     [](JoinConfiguration* c) { c->node_registration.image_pull_policy = "Sometimes"; },
     "nodeRegistration.imagePullPolicy: Invalid value: \"Sometimes\": invalid pull policy"},
    {"ImagePullPolicyNever", [](JoinConfiguration* c) { c->node_registration.image_pull_policy = "Never"; },
     ""},
    {"ImagePullPolicyEmpty", [](JoinConfiguration* c) { c->node_registration.image_pull_policy = ""; }, ""},
    {"TaintsAreNotValidatedByKubeadm",
     [](JoinConfiguration* c) {
       c->node_registration.taints = {{"", "", "Sometimes"}};
       c->node_registration.taints_set = true;
     },
     ""},
    // caCertPath.
    {"CaCertPathRelative", [](JoinConfiguration* c) { c->ca_cert_path = "pki/ca.crt"; },
     "caCertPath: Invalid value: \"pki/ca.crt\": the ca certificate path must be an absolute path"},
    {"CaCertPathNotCrt", [](JoinConfiguration* c) { c->ca_cert_path = "/etc/kubernetes/pki/ca.pem"; },
     "caCertPath: Invalid value: \"/etc/kubernetes/pki/ca.pem\": the ca certificate path must be an absolute "
     "path"},
    {"CaCertPathEmpty", [](JoinConfiguration* c) { c->ca_cert_path = ""; },
     "caCertPath: Invalid value: \"\": the ca certificate path must be an absolute path"},
    {"CaCertPathCustom", [](JoinConfiguration* c) { c->ca_cert_path = "/opt/pki/cluster-ca.crt"; }, ""},
    // Several errors keep kubeadm's order: discovery, nodeRegistration, controlPlane, caCertPath.
    {"ErrorsInKubeadmOrder",
     [](JoinConfiguration* c) {
       c->ca_cert_path = "ca.crt";
       c->node_registration.image_pull_policy = "Sometimes";
       c->control_plane = JoinControlPlane{"10.0.0.7", 0, ""};
       c->discovery.bootstrap_token->api_server_endpoint = "10.0.0.1";
     },
     "[discovery.bootstrapToken.apiServerEndpoint: Invalid value: \"10.0.0.1\": address 10.0.0.1: missing "
     "port "
     "in address, nodeRegistration.imagePullPolicy: Invalid value: \"Sometimes\": invalid pull policy, "
     "controlPlane.localAPIEndpoint.bindPort: Invalid value: 0: port number is not valid, caCertPath: "
     "Invalid "
     "value: \"ca.crt\": the ca certificate path must be an absolute path]"},

};

INSTANTIATE_TEST_SUITE_P(Table, JoinConfigurationValidationTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace joinguard::node::config
