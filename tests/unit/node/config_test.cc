// JoinConfiguration parsing (v1beta4, v1beta3), defaults, validation texts and kubeadm's rules
// for mixing --config with flags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node-helper/config/join_configuration.h"
#include "node-helper/config/join_flags.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/node_test_values.h"

namespace joinguard::node::config {
namespace {

using ::joinguard::testing::kTestPin;
using ::joinguard::testing::kTestToken;

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(JoinConfigurationTest, ParsesV1beta4) {
  std::vector<std::string> warnings;
  auto cfg = ParseJoinConfiguration(R"(
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
dryRun: true
caCertPath: /etc/kubernetes/pki/custom-ca.crt
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.0.0.1:6443
    token: abcdef.0123456789abcdef
    caCertHashes:
    - sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658
  tlsBootstrapToken: ghijkl.0123456789abcdef
nodeRegistration:
  name: Worker-1
  criSocket: unix:///run/crio/crio.sock
  ignorePreflightErrors: [Swap]
  kubeletExtraArgs:
  - name: node-ip
    value: 10.0.0.7
  - name: v
    value: "4"
  imagePullSerial: false
skipPhases: [preflight]
timeouts:
  discovery: 30s
  tlsBootstrap: 2m
)",
                                    &warnings);
  ASSERT_OK(cfg);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(cfg->api_version, "kubeadm.k8s.io/v1beta4");
  EXPECT_TRUE(cfg->dry_run);
  EXPECT_EQ(cfg->ca_cert_path, "/etc/kubernetes/pki/custom-ca.crt");
  ASSERT_TRUE(cfg->discovery.bootstrap_token.has_value());
  EXPECT_EQ(cfg->discovery.bootstrap_token->api_server_endpoint, "10.0.0.1:6443");
  EXPECT_THAT(cfg->discovery.bootstrap_token->ca_cert_hashes, ElementsAre(kTestPin));
  EXPECT_EQ(cfg->discovery.tls_bootstrap_token, "ghijkl.0123456789abcdef");
  EXPECT_EQ(cfg->node_registration.name, "Worker-1");
  EXPECT_THAT(cfg->node_registration.kubelet_extra_args,
              ElementsAre(Arg{"node-ip", "10.0.0.7"}, Arg{"v", "4"}));
  EXPECT_FALSE(cfg->node_registration.image_pull_serial);
  EXPECT_THAT(cfg->skip_phases, ElementsAre("preflight"));
  EXPECT_EQ(cfg->timeouts.discovery, std::chrono::seconds(30));
  EXPECT_EQ(cfg->timeouts.tls_bootstrap, std::chrono::minutes(2));
  EXPECT_EQ(cfg->timeouts.kubernetes_api_call, std::chrono::minutes(1));  // default kept
}

TEST(JoinConfigurationTest, ParsesV1beta3WithDiscoveryTimeoutAndMapArgs) {
  std::vector<std::string> warnings;
  auto cfg = ParseJoinConfiguration(R"(apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery:
  file:
    kubeConfigPath: file:///etc/kubernetes/discovery.conf
  timeout: 45s
  tlsBootstrapToken: abcdef.0123456789abcdef
nodeRegistration:
  kubeletExtraArgs:
    v: "2"
    node-ip: 10.0.0.8
)",
                                    &warnings);
  ASSERT_OK(cfg);
  EXPECT_EQ(cfg->timeouts.discovery, std::chrono::seconds(45));
  // Map → list sorted by name (kubeadm's v1beta3 conversion).
  EXPECT_THAT(cfg->node_registration.kubelet_extra_args,
              ElementsAre(Arg{"node-ip", "10.0.0.8"}, Arg{"v", "2"}));
  SetDefaults(&*cfg);
  EXPECT_EQ(cfg->discovery.file->kubeconfig_path, "/etc/kubernetes/discovery.conf");
  EXPECT_EQ(cfg->ca_cert_path, "/etc/kubernetes/pki/ca.crt");
}

TEST(JoinConfigurationTest, V1beta3RejectsV1beta4OnlyFieldsAsUnknown) {
  std::vector<std::string> warnings;
  auto cfg = ParseJoinConfiguration(
      "apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ntimeouts:\n  discovery: 1s\nbogus: 1\n",
      &warnings);
  ASSERT_OK(cfg);
  EXPECT_THAT(warnings, ElementsAre("unknown field \"timeouts\"", "unknown field \"bogus\""));
  EXPECT_EQ(cfg->timeouts.discovery, std::chrono::minutes(5));
}

TEST(JoinConfigurationTest, MultiDocumentIgnoresOtherKinds) {
  std::vector<std::string> warnings;
  auto cfg = ParseJoinConfiguration(
      "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: "
      "kubeadm.k8s.io/v1beta4\n"
      "kind: JoinConfiguration\nnodeRegistration:\n  name: n1\n",
      &warnings);
  ASSERT_OK(cfg);
  EXPECT_EQ(cfg->node_registration.name, "n1");
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("Ignored configuration document with GroupVersionKind "
                                              "kubeadm.k8s.io/v1beta4, Kind=ClusterConfiguration")));
}

TEST(JoinConfigurationTest, RejectsBadDocuments) {
  EXPECT_THAT(
      ParseJoinConfiguration("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n", nullptr),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("no JoinConfiguration found")));
  EXPECT_THAT(ParseJoinConfiguration("kind: JoinConfiguration\n", nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("kind and apiVersion is mandatory")));
  EXPECT_THAT(
      ParseJoinConfiguration("apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n", nullptr),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("old API spec")));
  EXPECT_THAT(ParseJoinConfiguration("apiVersion: kubeadm.k8s.io/v9\nkind: JoinConfiguration\n", nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("is registered for version")));
  EXPECT_THAT(
      ParseJoinConfiguration(
          "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ntimeouts:\n  discovery: soon\n",
          nullptr),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("timeouts.discovery")));
  EXPECT_THAT(ParseJoinConfiguration("apiVersion: [\n", nullptr), StatusIs(StatusCode::kInvalidArgument));
}

TEST(JoinConfigurationTest, JoinDefaultsPrintLikeKubeadm) {
  EXPECT_EQ(ToYaml(JoinDefaults("node-a")),
            "apiVersion: kubeadm.k8s.io/v1beta4\n"
            "caCertPath: /etc/kubernetes/pki/ca.crt\n"
            "discovery:\n"
            "  bootstrapToken:\n"
            "    apiServerEndpoint: kube-apiserver:6443\n"
            "    token: abcdef.0123456789abcdef\n"
            "    unsafeSkipCAVerification: true\n"
            "  tlsBootstrapToken: abcdef.0123456789abcdef\n"
            "kind: JoinConfiguration\n"
            "nodeRegistration:\n"
            "  criSocket: unix:///var/run/containerd/containerd.sock\n"
            "  imagePullPolicy: IfNotPresent\n"
            "  imagePullSerial: true\n"
            "  name: node-a\n"
            "  taints: null\n"
            "timeouts:\n"
            "  controlPlaneComponentHealthCheck: 4m0s\n"
            "  discovery: 5m0s\n"
            "  etcdAPICall: 2m0s\n"
            "  kubeletHealthCheck: 4m0s\n"
            "  kubernetesAPICall: 1m0s\n"
            "  tlsBootstrap: 5m0s\n"
            "  upgradeManifests: 5m0s\n");
}

TEST(JoinConfigurationTest, DefaultsRoundTripThroughTheParser) {
  auto cfg = ParseJoinConfiguration(ToYaml(JoinDefaults("n")), nullptr);
  ASSERT_OK(cfg);
  EXPECT_EQ(cfg->discovery.bootstrap_token->token, kTestToken);
  EXPECT_OK(Validate(*cfg));
}

// ---- flags and --config ----------------------------------------------------------------------

JoinFlags Flags(std::vector<std::string> args, std::set<std::string> changed) {
  JoinFlags f;
  f.args = std::move(args);
  f.changed = std::move(changed);
  return f;
}

TEST(ResolveJoinTest, TokenFillsDiscoveryAndTlsBootstrapTokens) {
  auto f = Flags({"10.0.0.1:6443"}, {"token", "discovery-token-ca-cert-hash"});
  f.token = kTestToken;
  f.ca_cert_hashes = {kTestPin};
  auto s = ResolveJoin(f, "Host-A");
  ASSERT_OK(s);
  EXPECT_EQ(s->cfg.discovery.bootstrap_token->token, kTestToken);
  EXPECT_EQ(s->cfg.discovery.tls_bootstrap_token, kTestToken);
  EXPECT_EQ(s->cfg.discovery.bootstrap_token->api_server_endpoint, "10.0.0.1:6443");
  EXPECT_EQ(s->cfg.node_registration.name, "host-a");  // lower-cased like kubeadm's GetHostname
  EXPECT_EQ(s->discovery_retry_interval, std::chrono::seconds(5));
}

TEST(ResolveJoinTest, ExplicitTokensWinOverToken) {
  auto f = Flags({"10.0.0.1:6443"},
                 {"token", "tls-bootstrap-token", "discovery-token-unsafe-skip-ca-verification"});
  f.token = kTestToken;
  f.tls_bootstrap_token = "ghijkl.0123456789abcdef";
  f.unsafe_skip_ca_verification = true;
  auto s = ResolveJoin(f, "h");
  ASSERT_OK(s);
  EXPECT_EQ(s->cfg.discovery.tls_bootstrap_token, "ghijkl.0123456789abcdef");
  EXPECT_EQ(s->cfg.discovery.bootstrap_token->token, kTestToken);
}

// Old joinguard-node warned and used the first endpoint; kubeadm's join takes at most one.
TEST(ResolveJoinTest, MoreThanOneEndpointIsRefused) {
  auto f =
      Flags({"10.0.0.1:6443", "10.0.0.2:6443"}, {"token", "discovery-token-unsafe-skip-ca-verification"});
  f.token = kTestToken;
  f.unsafe_skip_ca_verification = true;
  EXPECT_THAT(ResolveJoin(f, "h"),
              StatusIs(StatusCode::kInvalidArgument, "accepts at most 1 arg(s), received 2"));
}

// A relative --root-dir used to reach kubelet.conf and the certificate-store link as relative
// paths (a dangling kubelet-client-current.pem); it is made absolute.
TEST(ResolveJoinTest, RelativeRootDirBecomesAbsolute) {
  auto f = Flags({"10.0.0.1:6443"}, {"token", "discovery-token-unsafe-skip-ca-verification", "root-dir"});
  f.token = kTestToken;
  f.unsafe_skip_ca_verification = true;
  f.root_dir = "some/./node-root/";
  auto s = ResolveJoin(f, "h");
  ASSERT_OK(s);
  EXPECT_EQ(s->root_dir.front(), '/');
  EXPECT_EQ(s->root_dir, (std::filesystem::current_path() / "some/node-root/").string());
}

TEST(ResolveJoinTest, KubeadmGlobalFlagsMixWithConfig) {
  EXPECT_TRUE(FlagAllowedWithConfig("rootfs"));
  EXPECT_TRUE(FlagAllowedWithConfig("v"));
  EXPECT_FALSE(FlagAllowedWithConfig("control-plane"));
}

TEST(ResolveJoinTest, NoEndpointMeansNoTokenDiscovery) {
  auto f = Flags({}, {"token"});
  f.token = kTestToken;
  EXPECT_THAT(ResolveJoin(f, "h"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bootstrapToken or file must be set")));
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = joinguard::testing::MakeTempDir("node-config-"); }
  void TearDown() override { joinguard::testing::RemoveTree(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  std::string dir_;
};

TEST_F(ConfigFileTest, CannotMixConfigWithDiscoveryFlags) {
  auto f = Flags({"10.0.0.1:6443"}, {"config", "token", "discovery-token-ca-cert-hash", "node-name",
                                     "dry-run", "skip-phases", "root-dir"});
  f.config_path = Write("join.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n");
  EXPECT_THAT(ResolveJoin(f, "h"),
              StatusIs(StatusCode::kInvalidArgument,
                       "can not mix '--config' with arguments [discovery-token-ca-cert-hash token]"));
}

TEST_F(ConfigFileTest, ConfigWithAllowedFlags) {
  auto f = Flags({}, {"config", "node-name", "dry-run", "ignore-preflight-errors", "skip-phases"});
  f.config_path =
      Write("join.yaml", std::string("apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n"
                                     "discovery:\n  bootstrapToken:\n    apiServerEndpoint: 10.0.0.1:6443\n"
                                     "    token: ") +
                             kTestToken + "\n    caCertHashes: [" + kTestPin +
                             "]\nnodeRegistration:\n  name: from-file\n  ignorePreflightErrors: [Swap]\n"
                             "skipPhases: [discovery]\n");
  f.node_name = "From-Flag";
  f.dry_run = true;
  f.ignore_preflight_errors = {"NodeName"};
  f.skip_phases = {"preflight"};
  auto s = ResolveJoin(f, "h");
  ASSERT_OK(s);
  EXPECT_EQ(s->cfg.node_registration.name, "from-flag");
  EXPECT_TRUE(s->cfg.dry_run);
  EXPECT_EQ(s->cfg.discovery.tls_bootstrap_token, kTestToken);  // defaulted from bootstrapToken.token
  EXPECT_THAT(s->ignore_preflight_errors, ElementsAre("nodename", "swap"));
  EXPECT_THAT(s->skip_phases, ElementsAre("preflight"));  // the flag replaces the file's list
}

TEST_F(ConfigFileTest, FileValuesWhenFlagsAbsent) {
  auto f = Flags({}, {"config"});
  f.config_path = Write("join.yaml",
                        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\n"
                        "discovery:\n  bootstrapToken:\n    apiServerEndpoint: 10.0.0.1:6443\n"
                        "    token: abcdef.0123456789abcdef\n    unsafeSkipCAVerification: true\n"
                        "  timeout: 10s\nskipPhases: [discovery]\n");
  auto s = ResolveJoin(f, "Host");
  ASSERT_OK(s);
  EXPECT_EQ(s->cfg.node_registration.name, "host");
  EXPECT_EQ(s->cfg.timeouts.discovery, std::chrono::seconds(10));
  EXPECT_THAT(s->skip_phases, ElementsAre("discovery"));
}

TEST_F(ConfigFileTest, MissingFileIsAnError) {
  auto f = Flags({}, {"config"});
  f.config_path = dir_ + "/missing.yaml";
  EXPECT_THAT(ResolveJoin(f, "h"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unable to read config from")));
}

TEST(ResolveJoinTest, IgnoreAllMustStandAlone) {
  auto f = Flags({"10.0.0.1:6443"}, {"token", "ignore-preflight-errors"});
  f.token = kTestToken;
  f.ca_cert_hashes = {kTestPin};
  f.ignore_preflight_errors = {"all", "Swap"};
  EXPECT_THAT(ResolveJoin(f, "h"), StatusIs(StatusCode::kInvalidArgument,
                                            HasSubstr("don't specify individual checks if 'all' is used")));
}

TEST(ResolveJoinTest, ControlPlaneFlagsBuildTheControlPlaneSection) {
  auto f =
      Flags({"10.0.0.1:6443"}, {"token", "control-plane", "apiserver-advertise-address", "certificate-key"});
  f.token = kTestToken;
  f.unsafe_skip_ca_verification = true;
  f.control_plane = true;
  f.apiserver_advertise_address = "10.0.0.7";
  f.certificate_key = std::string(64, 'a');
  auto s = ResolveJoin(f, "h");
  ASSERT_OK(s);
  ASSERT_TRUE(s->cfg.control_plane.has_value());
  EXPECT_EQ(s->cfg.control_plane->advertise_address, "10.0.0.7");
  EXPECT_EQ(s->cfg.control_plane->bind_port, 6443);
  // SetJoinDynamicDefaults: absent taints become the control-plane NoSchedule taint.
  ASSERT_EQ(s->cfg.node_registration.taints.size(), 1u);
  EXPECT_EQ(s->cfg.node_registration.taints[0].key, "node-role.kubernetes.io/control-plane");
  EXPECT_EQ(s->cfg.node_registration.taints[0].effect, "NoSchedule");
}

TEST(ResolveJoinTest, ControlPlaneFlagsWithoutControlPlaneOnlyWarn) {
  auto f = Flags({"10.0.0.1:6443"}, {"token", "certificate-key"});
  f.token = kTestToken;
  f.unsafe_skip_ca_verification = true;
  f.certificate_key = std::string(64, 'a');
  auto s = ResolveJoin(f, "h");
  ASSERT_OK(s);
  EXPECT_FALSE(s->cfg.control_plane.has_value());
  EXPECT_THAT(s->warnings,
              ::testing::Contains(HasSubstr("--control-plane is also required when passing control-plane "
                                            "related flags such as [certificate-key, "
                                            "apiserver-advertise-address, apiserver-bind-port]")));
}

struct ControlPlaneCase {
  std::string name, address, key;
  int port;
  std::string error;  // "" = valid
};

class ControlPlaneValidationTest : public ::testing::TestWithParam<ControlPlaneCase> {};

TEST_P(ControlPlaneValidationTest, MatchesKubeadm) {
  const auto& c = GetParam();
  auto f = Flags({"10.0.0.1:6443"}, {"token", "control-plane"});
  f.token = kTestToken;
  f.unsafe_skip_ca_verification = true;
  f.control_plane = true;
  f.apiserver_advertise_address = c.address;
  f.apiserver_bind_port = c.port;
  f.certificate_key = c.key;
  auto s = ResolveJoin(f, "h");
  if (c.error.empty()) {
    EXPECT_OK(s);
  } else {
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)));
    if (!c.key.empty()) EXPECT_THAT(s.status().message(), Not(HasSubstr(c.key))) << "the key is a secret";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ControlPlaneValidationTest,
    ::testing::Values(
        ControlPlaneCase{"Valid", "10.0.0.7", std::string(64, 'f'), 6443, ""},
        ControlPlaneCase{"NoKey", "10.0.0.7", "", 6443, ""},
        ControlPlaneCase{
            "BadAddress", "not-an-ip", "", 6443,
            "couldn't use \"not-an-ip\" as \"apiserver-advertise-address\", must be ipv4 or ipv6 address"},
        ControlPlaneCase{
            "PortZero", "10.0.0.7", "", 0,
            "controlPlane.localAPIEndpoint.bindPort: Invalid value: 0: port number is not valid"},
        ControlPlaneCase{"PortTooBig", "10.0.0.7", "", 70000, "port number is not valid"},
        ControlPlaneCase{"KeyNotHex", "10.0.0.7", std::string(63, 'a') + "m", 6443,
                         "certificate key decoding error: encoding/hex: invalid byte: U+006D 'm'"},
        ControlPlaneCase{"KeyOddLength", "10.0.0.7", std::string(63, 'a'), 6443,
                         "certificate key decoding error: encoding/hex: odd length hex string"},
        ControlPlaneCase{"KeyTooShort", "10.0.0.7", std::string(32, 'a'), 6443,
                         "invalid certificate key size 16, the key must be an AES key of size 32"}),
    [](const auto& info) { return info.param.name; });

TEST(ResolveJoinTest, ControlPlaneSectionOfAConfigFile) {
  std::string dir = joinguard::testing::MakeTempDir("cp-config-");
  std::ofstream(dir + "/join.yaml") << "apiVersion: kubeadm.k8s.io/v1beta3\n"
                                       "kind: JoinConfiguration\n"
                                       "discovery:\n"
                                       "  bootstrapToken:\n"
                                       "    token: abcdef.0123456789abcdef\n"
                                       "    apiServerEndpoint: 10.0.0.1:6443\n"
                                       "    unsafeSkipCAVerification: true\n"
                                       "nodeRegistration:\n"
                                       "  taints: []\n"
                                       "controlPlane:\n"
                                       "  localAPIEndpoint:\n"
                                       "    advertiseAddress: 10.0.0.9\n"
                                       "    bindPort: 7443\n";
  auto f = Flags({}, {"config"});
  f.config_path = dir + "/join.yaml";
  auto s = ResolveJoin(f, "h");
  joinguard::testing::RemoveTree(dir);
  ASSERT_OK(s);
  ASSERT_TRUE(s->cfg.control_plane.has_value());
  EXPECT_EQ(s->cfg.control_plane->advertise_address, "10.0.0.9");
  EXPECT_EQ(s->cfg.control_plane->bind_port, 7443);
  EXPECT_TRUE(s->cfg.node_registration.taints.empty()) << "taints: [] keeps none";
}

TEST(ResolveJoinTest, TimeoutFlagsOverrideAndClampInterval) {
  auto f = Flags({"10.0.0.1:6443"}, {"token", "discovery-token-unsafe-skip-ca-verification"});
  f.token = kTestToken;
  f.unsafe_skip_ca_verification = true;
  f.discovery_timeout = "2s";
  f.discovery_retry_interval = "5s";
  f.tls_bootstrap_timeout = "1m";
  auto s = ResolveJoin(f, "h");
  ASSERT_OK(s);
  EXPECT_EQ(s->cfg.timeouts.discovery, std::chrono::seconds(2));
  EXPECT_EQ(s->discovery_retry_interval, std::chrono::seconds(2));  // clamped to the timeout
  EXPECT_EQ(s->cfg.timeouts.tls_bootstrap, std::chrono::minutes(1));
  f.discovery_timeout = "soon";
  EXPECT_THAT(ResolveJoin(f, "h"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("--discovery-timeout")));
}

}  // namespace
}  // namespace joinguard::node::config
