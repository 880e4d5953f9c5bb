// Discovery logic against a scripted API server (fake_cluster.h) with the upstream vectors
// V3/V4 from reference/vectors.md; time is a FakeClock advanced by the retry waits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/crypto/encoding.h"
#include "common/crypto/jws.h"
#include "common/kube/kubeconfig.h"
#include "common/runtime/clock.h"
#include "node-helper/discovery/discovery.h"
#include "node-helper/discovery/token/token.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/unit/node/fake_cluster.h"
#include "tests/testing/vectors.h"
#include "tests/testing/node_test_values.h"

namespace joinguard::node::discovery {
namespace {

using ::joinguard::testing::ReadAllFromStart;

using ::joinguard::node::testing::ConfigMapJson;
using ::joinguard::node::testing::FakeCluster;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
namespace vec = ::joinguard::testing::vectors;

class DiscoveryTest : public ::testing::Test {
 protected:
  DiscoveryTest() : out_file_(std::tmpfile()), printer_(out_file_, out_file_) {
    deps_.new_client = cluster_.Factory();
    deps_.clock = &clock_;
    deps_.wait = [this](Duration d) {
      waits_++;
      clock_.Advance(d);
    };
    deps_.out = &printer_;
    // kubeadm's token_test.go: poll every 20 ms, give up after 500 ms.
    options_.retry_interval = std::chrono::milliseconds(20);
    options_.timeout = std::chrono::milliseconds(500);
  }
  ~DiscoveryTest() override { std::fclose(out_file_); }

  config::BootstrapTokenDiscovery V4Token(std::vector<std::string> pins) {
    return {vec::kV4Token, "127.0.0.1:6443", std::move(pins), pins.empty()};
  }
  std::string Output() { return ReadAllFromStart(out_file_); }

  FakeCluster cluster_;
  runtime::FakeClock clock_;
  std::FILE* out_file_;
  Printer printer_;
  Deps deps_;
  Options options_;
  int waits_ = 0;
};

kube::Json V4ConfigMap() {
  return ConfigMapJson({{"kubeconfig", vec::kV4Kubeconfig}, {"jws-kubeconfig-123456", vec::kV4Jws}});
}

TEST_F(DiscoveryTest, V4JwsVectorMatchesOurSigner) {
  EXPECT_EQ(crypto::ComputeDetachedJws(vec::kV4Kubeconfig, "123456", "abcdef1234567890"), vec::kV4Jws);
  EXPECT_EQ(crypto::ComputeDetachedJws(vec::kV3Kubeconfig, "abcdef", "abcdef0123456789"), vec::kV3Jws);
}

TEST_F(DiscoveryTest, DelayedJwsIsPolledFor) {
  cluster_.reply = [](const kube::RestConfig&, int call) -> StatusOr<kube::Json> {
    if (call < 3) return ConfigMapJson({{"kubeconfig", vec::kV4Kubeconfig}});
    return V4ConfigMap();
  };
  auto info = token::RetrieveValidatedConfigInfo(V4Token({vec::kV4Pin}), deps_, options_);
  ASSERT_OK(info);
  EXPECT_EQ(info->server, "https://127.0.0.1");
  EXPECT_EQ(info->ca_pem, vec::kV4CaPem);
  EXPECT_EQ(waits_, 3);
}

TEST_F(DiscoveryTest, CaVerificationUsesInsecureThenPinnedClient) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  auto info = token::RetrieveValidatedConfigInfo(V4Token({vec::kV4Pin}), deps_, options_);
  ASSERT_OK(info);
  ASSERT_EQ(cluster_.clients.size(), 2u);
  EXPECT_TRUE(cluster_.clients[0].insecure_skip_tls_verify);
  EXPECT_TRUE(cluster_.clients[0].bearer_token.empty());
  EXPECT_EQ(cluster_.clients[0].server, "https://127.0.0.1:6443");  // the CLI endpoint, for discovery only
  EXPECT_FALSE(cluster_.clients[1].insecure_skip_tls_verify);
  EXPECT_EQ(cluster_.clients[1].ca_pem, vec::kV4CaPem);
  EXPECT_EQ(cluster_.clients[1].server, "https://127.0.0.1:6443");
  EXPECT_THAT(Output(),
              HasSubstr("validates against pinned roots, will use API Server \"https://127.0.0.1\""));
}

TEST_F(DiscoveryTest, NoCaVerificationStopsAfterTheSignatureWithALoudWarning) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  auto info = token::RetrieveValidatedConfigInfo(V4Token({}), deps_, options_);
  ASSERT_OK(info);
  EXPECT_EQ(cluster_.clients.size(), 1u);
  EXPECT_THAT(Output(), HasSubstr("the cluster CA is NOT verified"));
}

TEST_F(DiscoveryTest, InvalidTokenFormat) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  auto cfg = V4Token({});
  cfg.token = "foo.bar";
  EXPECT_THAT(token::RetrieveValidatedConfigInfo(cfg, deps_, options_),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(cluster_.clients.empty());
}

TEST_F(DiscoveryTest, MissingConfigMapTimesOutWithTheLastError) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return NotFoundError("configmaps \"cluster-info\" not found").WithReason("NotFound", 404);
  };
  auto start = clock_.MonotonicNow();
  EXPECT_THAT(
      token::RetrieveValidatedConfigInfo(V4Token({}), deps_, options_),
      StatusIs(StatusCode::kNotFound,
               "failed to request the cluster-info ConfigMap: configmaps \"cluster-info\" not found"));
  EXPECT_EQ(clock_.MonotonicNow() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(cluster_.calls, 25);  // at 0, 20, ..., 480 ms; the deadline ends the loop
}

TEST_F(DiscoveryTest, WrongJws) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return ConfigMapJson({{"kubeconfig", "foo"}, {"jws-kubeconfig-123456", "bar"}});
  };
  EXPECT_THAT(
      token::RetrieveValidatedConfigInfo(V4Token({}), deps_, options_),
      StatusIs(
          StatusCode::kPermissionDenied,
          "failed to verify JWS signature of received cluster info object, can't trust this API Server"));
}

TEST_F(DiscoveryTest, TamperedKubeconfigFailsTheSignature) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    std::string tampered = vec::kV4Kubeconfig;
    tampered.replace(tampered.find("https://127.0.0.1"), 17, "https://127.0.0.2");
    return ConfigMapJson({{"kubeconfig", tampered}, {"jws-kubeconfig-123456", vec::kV4Jws}});
  };
  EXPECT_THAT(token::RetrieveValidatedConfigInfo(V4Token({vec::kV4Pin}), deps_, options_),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("failed to verify JWS signature")));
}

TEST_F(DiscoveryTest, MissingJwsKeyTimesOut) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return ConfigMapJson({{"kubeconfig", "foo"}});
  };
  EXPECT_THAT(
      token::RetrieveValidatedConfigInfo(V4Token({}), deps_, options_),
      StatusIs(StatusCode::kUnavailable,
               "could not find a JWS signature in the cluster-info ConfigMap for token ID \"123456\""));
}

TEST_F(DiscoveryTest, MalformedPinIsReportedAfterTheFirstFetch) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  EXPECT_THAT(
      token::RetrieveValidatedConfigInfo(V4Token({"foo"}), deps_, options_),
      StatusIs(StatusCode::kInvalidArgument,
               "invalid discovery token CA certificate hash: invalid hash, expected \"format:hex-value\". "
               "Known format(s) are: sha256"));
  EXPECT_EQ(cluster_.calls, 1);  // kubeadm still fetched first (pitfall 4)
}

TEST_F(DiscoveryTest, WrongPinNamesTheCaHash) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  EXPECT_THAT(
      token::RetrieveValidatedConfigInfo(V4Token({vec::kV3Pin}), deps_, options_),
      StatusIs(
          StatusCode::kPermissionDenied,
          std::string("cluster CA found in cluster-info ConfigMap is invalid: none of the public keys \"") +
              vec::kV4Pin + "\" are pinned"));
  EXPECT_EQ(cluster_.clients.size(), 1u);  // never trusted: no second client
}

TEST_F(DiscoveryTest, AnyPinMayMatch) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  EXPECT_OK(token::RetrieveValidatedConfigInfo(V4Token({vec::kV3Pin, vec::kV4Pin}), deps_, options_));
}

TEST_F(DiscoveryTest, SecondFetchMustBeByteIdentical) {
  cluster_.reply = [](const kube::RestConfig& rest, int) -> StatusOr<kube::Json> {
    if (rest.insecure_skip_tls_verify) return V4ConfigMap();
    return ConfigMapJson(
        {{"kubeconfig", std::string(vec::kV4Kubeconfig) + " "}, {"jws-kubeconfig-123456", vec::kV4Jws}});
  };
  EXPECT_THAT(
      token::RetrieveValidatedConfigInfo(V4Token({vec::kV4Pin}), deps_, options_),
      StatusIs(
          StatusCode::kPermissionDenied,
          "the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was different from "
          "the first"));
}

TEST_F(DiscoveryTest, ManInTheMiddleFailsTheVerifiedFetch) {
  // The interceptor serves the real (signed) cluster-info but cannot present a certificate
  // from the pinned CA: the verified second fetch never succeeds.
  cluster_.reply = [](const kube::RestConfig& rest, int) -> StatusOr<kube::Json> {
    if (rest.insecure_skip_tls_verify) return V4ConfigMap();
    return UnavailableError("certificate verify failed").WithReason("CertificateVerifyFailed");
  };
  EXPECT_THAT(token::RetrieveValidatedConfigInfo(V4Token({vec::kV4Pin}), deps_, options_),
              StatusIs(StatusCode::kUnavailable,
                       HasSubstr("failed to request the cluster-info ConfigMap: certificate verify failed")));
}

TEST_F(DiscoveryTest, V3DryRunClusterInfo) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return ConfigMapJson({{"kubeconfig", vec::kV3Kubeconfig}, {"jws-kubeconfig-abcdef", vec::kV3Jws}});
  };
  config::BootstrapTokenDiscovery cfg{vec::kV3Token, "192.168.0.101:6443", {vec::kV3Pin}, false};
  auto info = token::RetrieveValidatedConfigInfo(cfg, deps_, options_);
  ASSERT_OK(info);
  EXPECT_EQ(info->server, "https://192.168.0.101:6443");
  EXPECT_THAT(info->ca_pem, HasSubstr("MIIDBTCCAe2gAwIBAgIINJftaB+OWwAwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE"));
}

TEST(ClusterInfoTokenTest, NoKubeconfigKey) {
  EXPECT_THAT(token::ValidateClusterInfoToken({{"jws-kubeconfig-123456", "x"}}, "123456", "abcdef1234567890"),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("there is no kubeconfig key in the cluster-info ConfigMap")));
  EXPECT_THAT(
      token::ValidateClusterInfoToken({{"kubeconfig", "x"}, {"jws-kubeconfig-123456", ""}}, "123456", "s"),
      StatusIs(StatusCode::kPermissionDenied,
               HasSubstr("token id \"123456\" is invalid for this cluster or it has expired")));
}

TEST(ClusterCaTest, NoCertificates) {
  EXPECT_THAT(
      token::ValidateClusterCa("not a pem", {vec::kV4Pin}),
      StatusIs(StatusCode::kInvalidArgument,
               "failed to parse cluster CA from the cluster-info ConfigMap: data does not contain any valid "
               "RSA or ECDSA certificates"));
}

// ---- Discover(): the TLS bootstrap kubeconfig -------------------------------------------------

TEST_F(DiscoveryTest, DiscoverBuildsTheTokenBootstrapKubeconfig) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  config::JoinConfiguration cfg;
  cfg.discovery.bootstrap_token = V4Token({vec::kV4Pin});
  cfg.discovery.tls_bootstrap_token = "ghijkl.0123456789abcdef";
  auto result = Discover(cfg, deps_, options_);
  ASSERT_OK(result);
  EXPECT_EQ(result->method, "token");
  EXPECT_EQ(result->server, "https://127.0.0.1");
  const std::string yaml = kube::SerializeKubeconfig(result->bootstrap);
  EXPECT_THAT(yaml, HasSubstr("name: tls-bootstrap-token-user@kubernetes"));
  EXPECT_THAT(yaml, HasSubstr("token: ghijkl.0123456789abcdef"));
  EXPECT_THAT(yaml, HasSubstr("server: https://127.0.0.1\n"));
}

TEST_F(DiscoveryTest, DiscoverWrapsErrorsLikeKubeadm) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return UnavailableError("connection refused").WithReason("ConnectionFailed");
  };
  config::JoinConfiguration cfg;
  cfg.discovery.bootstrap_token = V4Token({vec::kV4Pin});
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  auto result = Discover(cfg, deps_, options_);
  EXPECT_THAT(result,
              StatusIs(StatusCode::kUnavailable,
                       "couldn't validate the identity of the API Server: failed to request the cluster-info "
                       "ConfigMap: connection refused"));
  EXPECT_THAT(result.status().message(), Not(HasSubstr("abcdef1234567890")));
}

class FileDiscoveryTest : public DiscoveryTest {
 protected:
  void SetUp() override { dir_ = joinguard::testing::MakeTempDir("node-discovery-"); }
  void TearDown() override { joinguard::testing::RemoveTree(dir_); }
  std::string Write(const std::string& content) {
    std::string path = dir_ + "/discovery.conf";
    std::ofstream(path) << content;
    return path;
  }
  std::string dir_;
};

std::string DiscoveryFile(bool with_ca, const std::string& user_yaml) {
  std::string out = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n";
  if (with_ca) out += "    certificate-authority-data: " + crypto::Base64Encode(vec::kV4CaPem) + "\n";
  out +=
      "    server: https://10.1.1.1:6443\n  name: c1\ncontexts:\n- context:\n    cluster: c1\n    user: u1\n "
      " name: ctx\n"
      "current-context: ctx\nusers:\n- name: u1\n  user:\n" +
      user_yaml;
  return out;
}

TEST_F(FileDiscoveryTest, UsesTheFilesCredentialsWhenThereIsNoTlsBootstrapToken) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return PermissionDeniedError("forbidden").WithReason("Forbidden", 403);
  };
  config::JoinConfiguration cfg;
  cfg.discovery.file =
      config::FileDiscovery{Write(DiscoveryFile(true, "    token: abcdef.0123456789abcdef\n"))};
  auto result = Discover(cfg, deps_, options_);
  ASSERT_OK(result);
  EXPECT_EQ(result->method, "file");
  EXPECT_EQ(result->server, "https://10.1.1.1:6443");
  ASSERT_EQ(cluster_.clients.size(), 1u);
  EXPECT_EQ(cluster_.clients[0].bearer_token, "abcdef.0123456789abcdef");
  EXPECT_EQ(cluster_.clients[0].ca_pem, vec::kV4CaPem);
  EXPECT_THAT(kube::SerializeKubeconfig(result->bootstrap),
              HasSubstr("current-context: ctx"));  // the user's file
  EXPECT_THAT(Output(), HasSubstr("Could not access the cluster-info ConfigMap"));
}

TEST_F(FileDiscoveryTest, NoCredentialsAndNoTokenIsAnError) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{Write(DiscoveryFile(true, "    {}\n"))};
  EXPECT_THAT(Discover(cfg, deps_, options_),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("could not find authentication credentials for the TLS bootstrap process")));
}

// kubeadm's HasAuthenticationCredentials decides which users are TLS-bootstrap credentials;
// every kind still authenticates the cluster-info request as client-go would.
TEST_F(FileDiscoveryTest, BasicAuthIsABootstrapCredentialAndAuthenticatesTheRequest) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  config::JoinConfiguration cfg;
  cfg.discovery.file =
      config::FileDiscovery{Write(DiscoveryFile(true, "    username: joiner\n    password: pw\n"))};
  auto result = Discover(cfg, deps_, options_);
  ASSERT_OK(result);
  ASSERT_EQ(cluster_.clients.size(), 1u);
  EXPECT_EQ(cluster_.clients[0].username, "joiner");
  EXPECT_EQ(cluster_.clients[0].password, "pw");
  const std::string bootstrap = kube::SerializeKubeconfig(result->bootstrap);
  EXPECT_THAT(bootstrap, HasSubstr("    password: pw\n    username: joiner\n"));
  // What the TLS bootstrap then uses.
  auto rest = kube::RestConfigFromKubeconfig(result->bootstrap);
  ASSERT_OK(rest);
  EXPECT_EQ(rest->username, "joiner");
}

TEST_F(FileDiscoveryTest, UsernameWithoutPasswordIsNoCredential) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{Write(DiscoveryFile(true, "    username: joiner\n"))};
  EXPECT_THAT(Discover(cfg, deps_, options_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("could not find authentication credentials")));
}

TEST_F(FileDiscoveryTest, TokenFileAuthenticatesTheRequestButIsNoBootstrapCredential) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  const std::string token_file = dir_ + "/token";
  std::ofstream(token_file) << "abcdef.0123456789abcdef\n";
  config::JoinConfiguration cfg;
  cfg.discovery.file =
      config::FileDiscovery{Write(DiscoveryFile(true, "    tokenFile: " + token_file + "\n"))};
  EXPECT_THAT(Discover(cfg, deps_, options_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("could not find authentication credentials")));
  ASSERT_FALSE(cluster_.clients.empty());
  EXPECT_EQ(cluster_.clients[0].bearer_token_file, token_file);
}

TEST_F(FileDiscoveryTest, AuthProviderFailsClientCreation) {
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{
      Write(DiscoveryFile(true, "    auth-provider:\n      name: gcp\n      config: {}\n"))};
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  EXPECT_THAT(
      Discover(cfg, deps_, options_),
      StatusIs(StatusCode::kInvalidArgument,
               "couldn't validate the identity of the API Server: failed to create API client: no Auth "
               "Provider found for name \"gcp\""));
  EXPECT_TRUE(cluster_.clients.empty()) << "no request was made";
}

struct ExecCase {
  std::string name;
  std::string exec_yaml;  // under `exec:`, indented six spaces
  std::string script;     // the plugin's stdout ("" = no plugin written)
  std::string error;      // "" = the token reaches the request
};

class ExecDiscoveryTest : public FileDiscoveryTest, public ::testing::WithParamInterface<ExecCase> {};

TEST_P(ExecDiscoveryTest, MatchesClientGo) {
  const ExecCase& c = GetParam();
  if (c.name == "AlwaysInteractiveWithoutTerminal" && isatty(STDIN_FILENO) == 1) {
    GTEST_SKIP() << "stdin is a terminal here";
  }
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  const std::string plugin = dir_ + "/plugin.sh";
  std::ofstream(plugin) << "#!/bin/sh\ncat <<'EOF'\n" << c.script << "\nEOF\n";
  ASSERT_EQ(chmod(plugin.c_str(), 0700), 0);
  std::string exec_yaml = c.exec_yaml;
  for (auto pos = exec_yaml.find("PLUGIN"); pos != std::string::npos; pos = exec_yaml.find("PLUGIN")) {
    exec_yaml.replace(pos, 6, plugin);
  }
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{Write(DiscoveryFile(true, "    exec:\n" + exec_yaml))};
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  options_.timeout = std::chrono::seconds(1);
  auto result = Discover(cfg, deps_, options_);
  if (c.error.empty()) {
    ASSERT_OK(result);
    ASSERT_EQ(cluster_.clients.size(), 1u);
    EXPECT_EQ(cluster_.clients[0].bearer_token, "plugin-token");
  } else {
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr(c.error));
  }
}

constexpr char kV1[] = "      apiVersion: client.authentication.k8s.io/v1\n      command: PLUGIN\n";
constexpr char kGood[] =
    R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"plugin-token"}})";

INSTANTIATE_TEST_SUITE_P(
    Table, ExecDiscoveryTest,
    ::testing::Values(
        ExecCase{"V1Token", std::string(kV1) + "      interactiveMode: Never\n", kGood, ""},
        ExecCase{"V1beta1DefaultsInteractiveMode",
                 "      apiVersion: client.authentication.k8s.io/v1beta1\n      command: PLUGIN\n",
                 R"({"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"plugin-token"}})",
                 ""},
        ExecCase{"V1NeedsInteractiveMode", kV1, kGood,
                 "invalid configuration: interactiveMode must be specified for u1 to use exec authentication "
                 "plugin"},
        ExecCase{"NoCommand",
                 "      apiVersion: client.authentication.k8s.io/v1\n      interactiveMode: Never\n", kGood,
                 "invalid configuration: command must be specified for u1 to use exec authentication plugin"},
        ExecCase{"AlphaApiVersion",
                 "      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: PLUGIN\n", kGood,
                 "failed to create API client: exec plugin: invalid apiVersion "
                 "\"client.authentication.k8s.io/v1alpha1\""},
        ExecCase{"NoStatus", std::string(kV1) + "      interactiveMode: Never\n",
                 R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})",
                 "getting credentials: exec plugin didn't return a status field"},
        ExecCase{
            "WrongVersion", std::string(kV1) + "      interactiveMode: Never\n",
            R"({"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"t"}})",
            "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned "
            "version client.authentication.k8s.io/v1beta1"},
        ExecCase{"CertWithoutKey", std::string(kV1) + "      interactiveMode: Never\n",
                 R"({"apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"x"}})",
                 "exec plugin returned only certificate or key, not both"},
        ExecCase{"NotJson", std::string(kV1) + "      interactiveMode: Never\n", "hello",
                 "getting credentials: decoding stdout"},
        ExecCase{"NotFound",
                 "      apiVersion: client.authentication.k8s.io/v1\n      command: /nonexistent/plugin\n"
                 "      interactiveMode: Never\n      installHint: apt-get install the-plugin\n",
                 kGood, "exec: executable /nonexistent/plugin not found"},
        ExecCase{"AlwaysInteractiveWithoutTerminal", std::string(kV1) + "      interactiveMode: Always\n",
                 kGood, "exec plugin cannot support interactive mode: standard input is not a terminal"}),
    [](const auto& info) { return info.param.name; });

TEST_F(FileDiscoveryTest, CaDataIsTakenFromClusterInfoWhenTheFileHasNone) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{Write(DiscoveryFile(false, "    {}\n"))};
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  auto result = Discover(cfg, deps_, options_);
  ASSERT_OK(result);
  EXPECT_EQ(result->ca_pem, vec::kV4CaPem);
  EXPECT_EQ(result->server, "https://10.1.1.1:6443");  // the file's server is kept
  EXPECT_THAT(Output(), HasSubstr("differs from the one in the ConfigMap (https://127.0.0.1)"));
}

TEST_F(FileDiscoveryTest, ServerDownAbortsAfterTheTimeout) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> {
    return UnavailableError("connection refused").WithReason("ConnectionFailed");
  };
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{Write(DiscoveryFile(true, "    {}\n"))};
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  EXPECT_THAT(
      Discover(cfg, deps_, options_),
      StatusIs(StatusCode::kUnavailable,
               "couldn't validate the identity of the API Server: Abort reading the cluster-info ConfigMap "
               "after timeout of 500ms: connection refused"));
}

TEST_F(FileDiscoveryTest, HttpsDiscoveryParsesTheDownloadedFile) {
  cluster_.reply = [](const kube::RestConfig&, int) -> StatusOr<kube::Json> { return V4ConfigMap(); };
  std::string fetched_url;
  deps_.https_get = [&](const std::string& url) -> StatusOr<std::string> {
    fetched_url = url;
    return DiscoveryFile(true, "    {}\n");
  };
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{"https://config.example/discovery.conf"};
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  auto result = Discover(cfg, deps_, options_);
  ASSERT_OK(result);
  EXPECT_EQ(fetched_url, "https://config.example/discovery.conf");
  EXPECT_EQ(result->method, "https");
  EXPECT_EQ(result->server, "https://10.1.1.1:6443");
}

TEST_F(FileDiscoveryTest, HttpsDownloadFailure) {
  deps_.https_get = [](const std::string&) -> StatusOr<std::string> {
    return UnavailableError("certificate verify failed");
  };
  config::JoinConfiguration cfg;
  cfg.discovery.file = config::FileDiscovery{"https://config.example/discovery.conf"};
  cfg.discovery.tls_bootstrap_token = vec::kV4Token;
  EXPECT_THAT(Discover(cfg, deps_, options_),
              StatusIs(StatusCode::kUnavailable,
                       HasSubstr("failed to download \"https://config.example/discovery.conf\"")));
}

}  // namespace
}  // namespace joinguard::node::discovery
