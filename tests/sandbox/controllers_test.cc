// Bootstrap signer and token cleaner running inside the sandbox (k8s
// pkg/controller/bootstrap/{bootstrapsigner,tokencleaner}.go).
#include "common/crypto/jws.h"
#include "tests/sandbox/testing/fixture.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const std::string kClusterInfo = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
constexpr milliseconds kWait{15000};

class ControllersTest : public SandboxTest {
 protected:
  void SetUp() override { StartSandbox(); }
};

TEST_F(ControllersTest, BootstrapSignerAddsVerifiableJwsForSigningTokens) {
  ASSERT_OK(sandbox_->CreateBootstrapToken(MakeToken("abcdef", "0123456789abcdef")));
  TokenSpec no_signing = MakeToken("zzzzzz", "0123456789abcdef");
  no_signing.usage_signing = false;
  ASSERT_OK(sandbox_->CreateBootstrapToken(no_signing));
  ASSERT_OK_AND_ASSIGN(
      json cm,
      sandbox_->WaitForObjectForTest(
          kClusterInfo, [](const json& o) { return o["data"].contains("jws-kubeconfig-abcdef"); }, kWait));
  const std::string kubeconfig = cm["data"]["kubeconfig"];
  const std::string jws = cm["data"]["jws-kubeconfig-abcdef"];
  EXPECT_TRUE(crypto::DetachedJwsIsValid(jws, kubeconfig, "abcdef", "0123456789abcdef"));
  EXPECT_FALSE(crypto::DetachedJwsIsValid(jws, kubeconfig, "abcdef", "0123456789abcdee"));
  EXPECT_FALSE(cm["data"].contains("jws-kubeconfig-zzzzzz"));
  // Anonymous discovery sees the same signature.
  ASSERT_OK_AND_ASSIGN(auto anon, Anonymous().Get(kClusterInfo));
  EXPECT_EQ(anon.Json()["data"]["jws-kubeconfig-abcdef"], jws);
  // Deleting the token removes its signature.
  ASSERT_OK(sandbox_->DeleteObjectForTest("/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef"));
  EXPECT_OK(
      sandbox_
          ->WaitForObjectForTest(
              kClusterInfo, [](const json& o) { return !o["data"].contains("jws-kubeconfig-abcdef"); }, kWait)
          .status());
}

TEST_F(ControllersTest, TokenSecretCreatedOverApiGetsSigned) {
  // Like `kubectl create secret generic bootstrap-token-... --type bootstrap.kubernetes.io/token`.
  json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", {{"name", "bootstrap-token-q1w2e3"}}},
      {"type", "bootstrap.kubernetes.io/token"},
      {"stringData",
       {{"token-id", "q1w2e3"}, {"token-secret", "a1b2c3d4e5f6g7h8"}, {"usage-bootstrap-signing", "true"}}}};
  ASSERT_OK_AND_ASSIGN(auto r, Admin().Post("/api/v1/namespaces/kube-system/secrets", secret));
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_OK_AND_ASSIGN(
      json cm,
      sandbox_->WaitForObjectForTest(
          kClusterInfo, [](const json& o) { return o["data"].contains("jws-kubeconfig-q1w2e3"); }, kWait));
  EXPECT_TRUE(crypto::DetachedJwsIsValid(cm["data"]["jws-kubeconfig-q1w2e3"].get<std::string>(),
                                         cm["data"]["kubeconfig"].get<std::string>(), "q1w2e3",
                                         "a1b2c3d4e5f6g7h8"));
}

TEST_F(ControllersTest, TokenCleanerDeletesExpiredTokensAndRechecksAtExpiry) {
  const std::string base = "/api/v1/namespaces/kube-system/secrets/bootstrap-token-";
  TokenSpec expired = MakeToken("aaaaaa", "0123456789abcdef");
  expired.expiration = std::chrono::system_clock::now() - std::chrono::minutes(1);
  TokenSpec soon = MakeToken("bbbbbb", "0123456789abcdef");
  soon.expiration = std::chrono::system_clock::now() + std::chrono::seconds(2);
  TokenSpec forever = MakeToken("cccccc", "0123456789abcdef");
  ASSERT_OK(sandbox_->CreateBootstrapToken(forever));
  ASSERT_OK(sandbox_->CreateBootstrapToken(soon));
  ASSERT_OK(sandbox_->CreateBootstrapToken(expired));
  auto gone = [&](const std::string& id) {
    return sandbox_->WaitForObjectDeletedForTest(base + id, kWait).ok();
  };
  EXPECT_TRUE(gone("aaaaaa"));
  EXPECT_OK(sandbox_->GetObjectForTest(base + "bbbbbb").status());  // not yet expired
  EXPECT_TRUE(gone("bbbbbb"));
  EXPECT_OK(sandbox_->GetObjectForTest(base + "cccccc").status());
}

TEST_F(ControllersTest, SeededKubeadmObjects) {
  ASSERT_OK_AND_ASSIGN(
      json kc, sandbox_->GetObjectForTest("/api/v1/namespaces/kube-system/configmaps/kubeadm-config"));
  EXPECT_THAT(kc["data"]["ClusterConfiguration"].get<std::string>(),
              ::testing::HasSubstr("clusterName: kubernetes"));
  ASSERT_OK_AND_ASSIGN(
      json kl, sandbox_->GetObjectForTest("/api/v1/namespaces/kube-system/configmaps/kubelet-config"));
  EXPECT_THAT(kl["data"]["kubelet"].get<std::string>(), ::testing::HasSubstr("kind: KubeletConfiguration"));
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_OK(sandbox_->GetObjectForTest(std::string("/api/v1/namespaces/") + ns).status()) << ns;
  }
  EXPECT_OK(
      sandbox_
          ->GetObjectForTest(
              "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:node-autoapprove-bootstrap")
          .status());
}

}  // namespace
}  // namespace joinguard::sandbox::testing
