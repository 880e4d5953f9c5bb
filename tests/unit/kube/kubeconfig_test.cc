#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/rest_config.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/kube/test_util.h"

namespace joinguard::kube {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

const char kCaPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

TEST(KubeconfigWriter, BootstrapShapeIsByteExact) {
  // kubeadm's bootstrap-kubelet.conf.
  const std::string b64 = crypto::Base64Encode(kCaPem);
  const std::string want =
      "apiVersion: v1\n"
      "clusters:\n"
      "- cluster:\n"
      "    certificate-authority-data: " +
      b64 +
      "\n"
      "    server: https://10.0.0.1:6443\n"
      "  name: kubernetes\n"
      "contexts:\n"
      "- context:\n"
      "    cluster: kubernetes\n"
      "    user: tls-bootstrap-token-user\n"
      "  name: tls-bootstrap-token-user@kubernetes\n"
      "current-context: tls-bootstrap-token-user@kubernetes\n"
      "kind: Config\n"
      "users:\n"
      "- name: tls-bootstrap-token-user\n"
      "  user:\n"
      "    token: abcdef.0123456789abcdef\n";
  EXPECT_EQ(
      SerializeKubeconfig(BootstrapKubeconfig("https://10.0.0.1:6443", kCaPem, "abcdef.0123456789abcdef")),
      want);
}

TEST(KubeconfigWriter, RenamedClusterKeepsContextName) {
  const std::string out = SerializeKubeconfig(
      BootstrapKubeconfig("https://[fd00::1]:6443", kCaPem, "abcdef.0123456789abcdef", "prod"));
  EXPECT_THAT(out, HasSubstr("  name: prod\n"));
  EXPECT_THAT(out, HasSubstr("    cluster: prod\n"));
  EXPECT_THAT(out, HasSubstr("current-context: tls-bootstrap-token-user@kubernetes\n"));
  EXPECT_THAT(out, HasSubstr("    server: https://[fd00::1]:6443\n"));
}

TEST(KubeconfigWriter, KubeletShapeIsByteExact) {
  // The kubelet's kubelet.conf after TLS bootstrap.
  KubeletKubeconfigOptions o;
  o.server = "https://10.0.0.1:6443";
  o.ca_pem = kCaPem;
  const std::string want =
      "apiVersion: v1\n"
      "clusters:\n"
      "- cluster:\n"
      "    certificate-authority-data: " +
      crypto::Base64Encode(kCaPem) +
      "\n"
      "    server: https://10.0.0.1:6443\n"
      "  name: default-cluster\n"
      "contexts:\n"
      "- context:\n"
      "    cluster: default-cluster\n"
      "    namespace: default\n"
      "    user: default-auth\n"
      "  name: default-context\n"
      "current-context: default-context\n"
      "kind: Config\n"
      "users:\n"
      "- name: default-auth\n"
      "  user:\n"
      "    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n"
      "    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n";
  EXPECT_EQ(SerializeKubeconfig(KubeletKubeconfig(o)), want);

  o.ca_file = "/etc/kubernetes/pki/ca.crt";
  const std::string with_file = SerializeKubeconfig(KubeletKubeconfig(o));
  EXPECT_THAT(with_file, HasSubstr("    certificate-authority: /etc/kubernetes/pki/ca.crt\n"
                                   "    server: https://10.0.0.1:6443\n"));
  EXPECT_THAT(with_file, ::testing::Not(HasSubstr("certificate-authority-data")));
}

TEST(KubeconfigWriter, RoundTripsThroughParser) {
  const Kubeconfig k = BootstrapKubeconfig("https://10.0.0.1:6443", kCaPem, "abcdef.0123456789abcdef");
  ASSERT_OK_AND_ASSIGN(Kubeconfig back, ParseKubeconfig(SerializeKubeconfig(k)));
  EXPECT_EQ(SerializeKubeconfig(back), SerializeKubeconfig(k));
  ASSERT_OK_AND_ASSIGN(auto r, Resolve(back));
  EXPECT_EQ(r.cluster.certificate_authority_data, kCaPem);
  EXPECT_EQ(r.user.token, "abcdef.0123456789abcdef");
}

TEST(KubeconfigWriter, WritesFile0600Atomically) {
  const std::string dir = testutil::MakeTempDir();
  const std::string path = dir + "/etc/kubernetes/bootstrap-kubelet.conf";
  const Kubeconfig k = BootstrapKubeconfig("https://10.0.0.1:6443", kCaPem, "abcdef.0123456789abcdef");
  ASSERT_OK(WriteKubeconfigFile(path, k));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(std::string text, files::ReadFile(path));
  EXPECT_EQ(text, SerializeKubeconfig(k));
}

TEST(KubeconfigParser, ResolvesRelativePathsAgainstTheFile) {
  const std::string dir = testutil::MakeTempDir();
  ASSERT_OK(files::WriteFileAtomic(dir + "/ca.crt", kCaPem, 0644));
  ASSERT_OK(files::WriteFileAtomic(dir + "/pki/client.pem", "CERT", 0600));
  ASSERT_OK(files::WriteFileAtomic(dir + "/pki/client.key", "KEY", 0600));
  ASSERT_OK(files::WriteFileAtomic(dir + "/token", "tok-123\n", 0600));
  const std::string yaml = R"(apiVersion: v1
kind: Config
current-context: b
clusters:
- name: c1
  cluster:
    server: https://[2001:db8::1]:6443
    certificate-authority: ca.crt
- name: c2
  cluster:
    server: https://127.0.0.1:6443/
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    client-certificate: pki/client.pem
    client-key: pki/client.key
- name: u2
  user:
    tokenFile: token
contexts:
- name: a
  context: {cluster: c1, user: u1, namespace: ns-a}
- name: b
  context: {cluster: c2, user: u2}
preferences: {}
)";
  ASSERT_OK(files::WriteFileAtomic(dir + "/config", yaml, 0600));
  ASSERT_OK_AND_ASSIGN(Kubeconfig k, LoadKubeconfigFile(dir + "/config"));
  EXPECT_EQ(k.FindCluster("c1")->certificate_authority, dir + "/ca.crt");
  EXPECT_EQ(k.FindUser("u1")->client_key, dir + "/pki/client.key");
  EXPECT_EQ(k.FindUser("u2")->token_file, dir + "/token");

  ASSERT_OK_AND_ASSIGN(RestConfig a, RestConfigFromKubeconfig(k, "a"));
  EXPECT_EQ(a.server, "https://[2001:db8::1]:6443");
  EXPECT_EQ(a.ca_pem, kCaPem);
  EXPECT_EQ(a.client_cert_pem, "CERT");
  EXPECT_EQ(a.client_key_pem, "KEY");
  EXPECT_FALSE(a.insecure_skip_tls_verify);
  EXPECT_EQ(a.namespace_, "ns-a");

  ASSERT_OK_AND_ASSIGN(RestConfig b, RestConfigFromKubeconfigFile(dir + "/config"));
  EXPECT_EQ(b.server, "https://127.0.0.1:6443");
  EXPECT_TRUE(b.insecure_skip_tls_verify);
  EXPECT_EQ(b.bearer_token_file, dir + "/token");
  EXPECT_EQ(b.namespace_, "default");

  EXPECT_THAT(RestConfigFromKubeconfig(k, "nope"),
              StatusIs(StatusCode::kNotFound, HasSubstr("context \"nope\"")));
}

TEST(KubeconfigParser, DataFieldsAreDecoded) {
  const std::string yaml =
      "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
      "    certificate-authority-data: " +
      crypto::Base64Encode(kCaPem) +
      "\nusers:\n- name: u\n  user:\n    token: t0k\n"
      "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
      "current-context: x\n";
  ASSERT_OK_AND_ASSIGN(Kubeconfig k, ParseKubeconfig(yaml));
  ASSERT_OK_AND_ASSIGN(RestConfig rc, RestConfigFromKubeconfig(k));
  EXPECT_EQ(rc.ca_pem, kCaPem);
  EXPECT_EQ(rc.bearer_token, "t0k");
}

TEST(KubeconfigParser, Errors) {
  EXPECT_THAT(ParseKubeconfig("clusters: [unterminated"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKubeconfig("clusters:\n- name: c\n  cluster:\n    certificate-authority-data: '!!!'\n"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("base64")));
  ASSERT_OK_AND_ASSIGN(Kubeconfig empty, ParseKubeconfig(""));
  EXPECT_THAT(RestConfigFromKubeconfig(empty),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("current-context")));
  // A CA together with insecure-skip-tls-verify is refused, as client-go does.
  const std::string both =
      "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
      "    insecure-skip-tls-verify: true\n"
      "    certificate-authority-data: " +
      crypto::Base64Encode(kCaPem) + "\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n";
  ASSERT_OK_AND_ASSIGN(Kubeconfig k, ParseKubeconfig(both));
  EXPECT_THAT(RestConfigFromKubeconfig(k),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("insecure-skip-tls-verify")));
  EXPECT_THAT(LoadKubeconfigFile("/nonexistent/joinguard/kubeconfig"),
              StatusIs(StatusCode::kNotFound, HasSubstr("/nonexistent/joinguard/kubeconfig")));
}

// Hostile kubeconfigs (issue 10): each is refused with a clear error, never crashes or is
// half-read. The strict loader (common/yaml/strict_yaml.h) does the YAML part.
struct HostileKubeconfig {
  std::string name;
  std::string yaml;
  std::string error_substr;
};

class KubeconfigHostile : public ::testing::TestWithParam<HostileKubeconfig> {};

TEST_P(KubeconfigHostile, RefusedCleanly) {
  auto k = ParseKubeconfig(GetParam().yaml);
  ASSERT_FALSE(k.ok()) << GetParam().yaml.substr(0, 200);
  EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument) << k.status();
  EXPECT_THAT(k.status().message(), HasSubstr(GetParam().error_substr)) << k.status();
}

std::string AliasBomb() {
  std::string y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    y += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) y += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    y += "]\n";
  }
  return y;
}

INSTANTIATE_TEST_SUITE_P(
    Table, KubeconfigHostile,
    ::testing::Values(
        // A reviewer reads the second server; the first must not silently win.
        HostileKubeconfig{
            "DuplicateKey",
            "clusters:\n- name: c\n  cluster:\n    server: https://a:1\n    server: https://b:1\n",
            "kubeconfig"},
        HostileKubeconfig{"DuplicateTopLevelKey", "current-context: a\ncurrent-context: b\n", "kubeconfig"},
        HostileKubeconfig{"AliasBomb", AliasBomb(), "kubeconfig"},
        HostileKubeconfig{"DeepNesting", std::string(200, '[') + std::string(200, ']'), "kubeconfig"},
        HostileKubeconfig{"Huge", "current-context: " + std::string(5u << 20, 'x') + "\n", "kubeconfig"},
        HostileKubeconfig{"TwoDocuments", "current-context: a\n---\ncurrent-context: b\n", "kubeconfig"},
        HostileKubeconfig{"Unterminated", "clusters: [unterminated", "kubeconfig"}),
    [](const ::testing::TestParamInfo<HostileKubeconfig>& i) { return i.param.name; });

}  // namespace
}  // namespace joinguard::kube
