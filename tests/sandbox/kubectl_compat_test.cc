// Real-kubectl compatibility suite: runs /usr/bin/kubectl (the dispatcher, which picks
// kubectl 1.<minor> from the sandbox's /version) against an in-process Sandbox. Every test uses
// a fresh HOME and --cache-dir (discovery is cached on disk for hours).
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/jws.h"
#include "common/crypto/key.h"
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/testing/kubectl_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::sandbox {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::RunCommand;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::kClientKubelet;
using testing::kCsrPath;
using testing::kKubectl;
using testing::kTokenId;
using testing::kTokenSecret;
using testing::ReadFile;
using testing::WriteFile;
using namespace std::chrono_literals;

class KubectlCompatTest : public testing::KubectlTest {
 protected:
  // Plants a kubelet-client CSR requested by `requester` (not auto-approvable).
  json PlantCsr(const std::string& name, const std::string& node, const std::string& requester = "alice") {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    EXPECT_TRUE(key.ok());
    auto pem = crypto::BuildCsrPem(*key, crypto::CsrTemplate::ForKubeletClient(node));
    EXPECT_TRUE(pem.ok());
    json csr = {{"apiVersion", "certificates.k8s.io/v1"},
                {"kind", "CertificateSigningRequest"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"request", crypto::Base64Encode(*pem)},
                  {"signerName", kClientKubelet},
                  {"usages", {"digital signature", "client auth"}},
                  {"username", requester},
                  {"groups", {"system:authenticated"}}}}};
    auto created = sandbox_->CreateObjectForTest(kCsrPath, csr);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  static bool HasCondition(const json& csr, const std::string& type) {
    if (!csr.contains("status") || !csr["status"].contains("conditions")) return false;
    for (const auto& c : csr["status"]["conditions"]) {
      if (c.value("type", "") == type && c.value("status", "") == "True") return true;
    }
    return false;
  }
  static bool Issued(const json& csr) {
    return csr.contains("status") && !csr["status"].value("certificate", "").empty();
  }

  void ExpectApproveIssues(const std::string& name) {
    CommandResult r = Kubectl({"certificate", "approve", name});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("certificatesigningrequest.certificates.k8s.io/" + name + " approved"));
    auto issued = sandbox_->WaitForObjectForTest(std::string(kCsrPath) + "/" + name, Issued, 30s);
    ASSERT_TRUE(issued.ok()) << issued.status();
    EXPECT_TRUE(HasCondition(*issued, "Approved"));
    bool kubectl_reason = false;
    for (const auto& c : (*issued)["status"]["conditions"]) {
      if (c["type"] == "Approved") {
        kubectl_reason = c["reason"] == "KubectlApprove";
        EXPECT_EQ(c["message"], "This CSR was approved by kubectl certificate approve.");
        EXPECT_FALSE(c.value("lastUpdateTime", "").empty());
      }
    }
    EXPECT_TRUE(kubectl_reason);
  }
};

TEST_F(KubectlCompatTest, GetCsrTableAndYaml) {
  ASSERT_NO_FATAL_FAILURE(Start());
  PlantCsr("csr-alpha", "worker-1");
  CommandResult r = Kubectl({"get", "csr"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("NAME"));
  EXPECT_THAT(r.out, HasSubstr("csr-alpha"));
  r = Kubectl({"get", "csr", "csr-alpha", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("kind: CertificateSigningRequest"));
  EXPECT_THAT(r.out, HasSubstr("name: csr-alpha"));
  EXPECT_THAT(r.out, HasSubstr("signerName: kubernetes.io/kube-apiserver-client-kubelet"));
  EXPECT_THAT(r.out, HasSubstr("username: alice"));
  r = Kubectl({"get", "csr", "csr-missing"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(R"(certificatesigningrequests.certificates.k8s.io "csr-missing" not found)"));
}

TEST_F(KubectlCompatTest, CertificateApproveAndDeny) {
  ASSERT_NO_FATAL_FAILURE(Start());
  PlantCsr("csr-ok", "worker-1");
  PlantCsr("csr-bad", "worker-2");
  ASSERT_NO_FATAL_FAILURE(ExpectApproveIssues("csr-ok"));
  CommandResult r = Kubectl({"certificate", "deny", "csr-bad"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("certificatesigningrequest.certificates.k8s.io/csr-bad denied"));
  auto denied = sandbox_->GetObjectForTest(std::string(kCsrPath) + "/csr-bad");
  ASSERT_TRUE(denied.ok());
  EXPECT_TRUE(HasCondition(*denied, "Denied"));
  EXPECT_FALSE(Issued(*denied));
  // kubectl refuses to approve a denied CSR client-side.
  r = Kubectl({"certificate", "approve", "csr-bad"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("is already Denied"));
  // The state as kubectl sees it.
  r = Kubectl({"get", "csr", "--sort-by=.metadata.name", "-o",
               "custom-columns=NAME:.metadata.name,CONDITIONS:.status.conditions[*].type"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::MatchesRegex("NAME +CONDITIONS\ncsr-bad +Denied\ncsr-ok +Approved\n"));
  // Server-side printing (meta.k8s.io Table): the real CSR columns.
  r = Kubectl({"get", "csr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex("NAME +AGE +SIGNERNAME +REQUESTOR +REQUESTEDDURATION +CONDITION"));
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex(
                  "csr-ok .*kubernetes.io/kube-apiserver-client-kubelet +alice +<none> +Approved,Issued"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("csr-bad .*Denied"));
}

TEST_F(KubectlCompatTest, WaitForApprovedCondition) {
  ASSERT_NO_FATAL_FAILURE(Start());
  PlantCsr("csr-wait", "worker-3");
  auto waiter = ::joinguard::testing::Subprocess::Start(
      {kKubectl, "--kubeconfig", kubeconfig_, "--cache-dir", dir_ + "/cache-wait", "wait",
       "--for=condition=Approved", "csr/csr-wait", "--timeout=30s"},
      dir_ + "/wait-logs", {{"HOME", dir_ + "/home"}, {"KUBECONFIG", ""}});
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  CommandResult r = Kubectl({"certificate", "approve", "csr-wait"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto code = (*waiter)->Wait(60s);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*waiter)->Stdout() << (*waiter)->Stderr();
  EXPECT_THAT((*waiter)->Stdout(),
              HasSubstr("certificatesigningrequest.certificates.k8s.io/csr-wait condition met"));
  // Timing out on a condition that never comes is exit 1.
  r = Kubectl({"wait", "--for=condition=Denied", "csr/csr-wait", "--timeout=2s"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("timed out"));
}

TEST_F(KubectlCompatTest, ApplyAndDeleteConfigMapAndDeployment) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string cm = dir_ + "/cm.yaml";
  WriteFile(
      cm,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\n  namespace: default\ndata:\n  a: \"1\"\n");
  CommandResult r = Kubectl({"apply", "--validate=false", "-f", cm});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("configmap/cm1 created"));
  WriteFile(cm,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\n  namespace: default\ndata:\n  a: "
            "\"2\"\n  b: x\n");
  r = Kubectl({"apply", "--validate=false", "-f", cm});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("configmap/cm1 configured"));
  auto obj = sandbox_->GetObjectForTest("/api/v1/namespaces/default/configmaps/cm1");
  ASSERT_TRUE(obj.ok()) << obj.status();
  EXPECT_EQ((*obj)["data"], json({{"a", "2"}, {"b", "x"}}));
  EXPECT_TRUE((*obj)["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));

  const std::string deploy = dir_ + "/deploy.yaml";
  const std::string deploy_yaml =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n"
      "  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n"
      "      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: IMAGE\n"
      "        ports:\n        - containerPort: 80\n";
  auto with_image = [&](const std::string& image) {
    std::string y = deploy_yaml;
    y.replace(y.find("IMAGE"), 5, image);
    return y;
  };
  WriteFile(deploy, with_image("nginx:1"));
  r = Kubectl({"apply", "--validate=false", "-f", deploy});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("deployment.apps/web created"));
  WriteFile(deploy, with_image("nginx:2"));
  r = Kubectl({"apply", "--validate=false", "-f", deploy});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("deployment.apps/web configured"));
  obj = sandbox_->GetObjectForTest("/apis/apps/v1/namespaces/default/deployments/web");
  ASSERT_TRUE(obj.ok()) << obj.status();
  const json& containers = (*obj)["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 1u) << obj->dump();
  EXPECT_EQ(containers[0]["image"], "nginx:2");
  EXPECT_EQ(containers[0]["ports"][0]["containerPort"], 80);

  r = Kubectl({"delete", "-f", cm});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(R"(configmap "cm1" deleted)"));
  r = Kubectl({"delete", "-f", deploy});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(R"(deployment.apps "web" deleted)"));
  EXPECT_THAT(sandbox_->GetObjectForTest("/api/v1/namespaces/default/configmaps/cm1"),
              ::joinguard::testing::StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(sandbox_->GetObjectForTest("/apis/apps/v1/namespaces/default/deployments/web"),
              ::joinguard::testing::StatusIs(StatusCode::kNotFound));
}

TEST_F(KubectlCompatTest, AuthCanIAsBootstrapToken) {
  ASSERT_NO_FATAL_FAILURE(Start("31", /*autoapprove=*/true));
  const std::vector<std::string> as = {"--as",       "system:bootstrap:abcdef",
                                       "--as-group", "system:bootstrappers",
                                       "--as-group", "system:bootstrappers:kubeadm:default-node-token"};
  auto can_i = [&](std::vector<std::string> args) {
    std::vector<std::string> full = {"auth", "can-i"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), as.begin(), as.end());
    return Kubectl(full);
  };
  CommandResult r = can_i({"create", "certificatesigningrequests.certificates.k8s.io"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "yes\n");
  r = can_i({"create", "certificatesigningrequests.certificates.k8s.io", "--subresource=nodeclient"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "yes\n");
  r = can_i({"get", "secrets", "-n", "kube-system"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "no\n");
  r = can_i({"update", "certificatesigningrequests/approval"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "no\n");
  r = can_i({"get", "configmaps/kubeadm-config", "-n", "kube-system"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "yes\n");
}

TEST_F(KubectlCompatTest, GetNodes) {
  ASSERT_NO_FATAL_FAILURE(Start());
  CommandResult r = Kubectl({"get", "nodes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("No resources found"));
  json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "worker-9"}}}};
  ASSERT_TRUE(sandbox_->CreateObjectForTest("/api/v1/nodes", node).ok());
  r = Kubectl({"get", "nodes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("worker-9"));
}

TEST_F(KubectlCompatTest, OpensslCsrWithBootstrapTokenIsSignedAfterApproval) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TokenSpec token;
  token.id = kTokenId;
  token.secret = kTokenSecret;
  token.expiration = std::chrono::system_clock::now() + 1h;
  ASSERT_OK(sandbox_->CreateBootstrapToken(token));
  auto gen = RunCommand({"/usr/bin/openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_ + "/node.key", "-subj",
                         "/O=system:nodes/CN=system:node:worker-1", "-out", dir_ + "/node.csr"},
                        30s);
  ASSERT_TRUE(gen.ok()) << gen.status();
  ASSERT_EQ(gen->exit_code, 0) << gen->err;
  json body = {{"apiVersion", "certificates.k8s.io/v1"},
               {"kind", "CertificateSigningRequest"},
               {"metadata", {{"name", "node-csr-worker-1"}}},
               {"spec",
                {{"request", crypto::Base64Encode(ReadFile(dir_ + "/node.csr"))},
                 {"signerName", kClientKubelet},
                 {"usages", {"digital signature", "client auth"}}}}};
  WriteFile(dir_ + "/csr.json", body.dump());
  auto post =
      RunCommand({"/usr/bin/curl", "-sS", "--cacert", dir_ + "/ca.crt", "-o", dir_ + "/resp.json", "-w",
                  "%{http_code}", "-H", std::string("Authorization: Bearer ") + kTokenId + "." + kTokenSecret,
                  "-H", "Content-Type: application/json", "--data-binary", "@" + dir_ + "/csr.json",
                  sandbox_->url() + kCsrPath},
                 30s);
  ASSERT_TRUE(post.ok()) << post.status();
  ASSERT_EQ(post->exit_code, 0) << post->err;
  EXPECT_EQ(post->out, "201") << ReadFile(dir_ + "/resp.json");
  json created = json::parse(ReadFile(dir_ + "/resp.json"), nullptr, false);
  ASSERT_FALSE(created.is_discarded());
  EXPECT_EQ(created["spec"]["username"], "system:bootstrap:abcdef");
  EXPECT_EQ(created["spec"]["groups"],
            json({"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                  "system:authenticated"}));
  // Not auto-approved (the sandbox runs without kubeadm:node-autoapprove-bootstrap here).
  EXPECT_FALSE(HasCondition(created, "Approved"));

  ASSERT_NO_FATAL_FAILURE(ExpectApproveIssues("node-csr-worker-1"));
  auto issued = sandbox_->GetObjectForTest(std::string(kCsrPath) + "/node-csr-worker-1");
  ASSERT_TRUE(issued.ok());
  auto pem = crypto::Base64Decode((*issued)["status"]["certificate"].get<std::string>());
  ASSERT_TRUE(pem.ok());
  auto cert = crypto::Certificate::FromPem(*pem);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->CommonName(), "system:node:worker-1");
  auto ca = crypto::Certificate::FromPem(sandbox_->ca_pem());
  ASSERT_TRUE(ca.ok());
  EXPECT_OK(crypto::VerifyCertificate(*cert, {*ca}, {}, std::chrono::system_clock::now()));
  // The certificate belongs to openssl's key.
  auto key = crypto::PrivateKey::FromPem(ReadFile(dir_ + "/node.key"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(cert->SpkiDer(), key->PublicKeySpkiDer().value_or("x"));
  // The bootstrap token can read its own CSR via kubectl too.
  CommandResult r = Kubectl({"get", "csr", "node-csr-worker-1"},
                            TokenKubeconfig(std::string(kTokenId) + "." + kTokenSecret));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("node-csr-worker-1"));
}

TEST_F(KubectlCompatTest, TokenSecretCreatedWithKubectlGetsJwsSignature) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string secret_yaml = dir_ + "/token.yaml";
  WriteFile(
      secret_yaml,
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bootstrap-token-k7q2zx\n  namespace: kube-system\n"
      "type: bootstrap.kubernetes.io/token\nstringData:\n  token-id: k7q2zx\n"
      "  token-secret: 9f3c1b7d2e8a4c6f\n  usage-bootstrap-authentication: \"true\"\n"
      "  usage-bootstrap-signing: \"true\"\n"
      "  auth-extra-groups: system:bootstrappers:kubeadm:default-node-token\n");
  CommandResult r = Kubectl({"create", "--validate=false", "-f", secret_yaml});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("secret/bootstrap-token-k7q2zx created"));
  auto cm = sandbox_->WaitForObjectForTest(
      "/api/v1/namespaces/kube-public/configmaps/cluster-info",
      [](const json& o) { return o.contains("data") && o["data"].contains("jws-kubeconfig-k7q2zx"); }, 30s);
  ASSERT_TRUE(cm.ok()) << cm.status();
  const std::string kubeconfig = (*cm)["data"]["kubeconfig"];
  const std::string jws = (*cm)["data"]["jws-kubeconfig-k7q2zx"];
  EXPECT_TRUE(crypto::DetachedJwsIsValid(jws, kubeconfig, "k7q2zx", "9f3c1b7d2e8a4c6f"));
  EXPECT_FALSE(crypto::DetachedJwsIsValid(jws, kubeconfig, "k7q2zx", "0000000000000000"));
  EXPECT_EQ(jws.rfind("eyJhbGciOiJIUzI1NiIsImtpZCI6I", 0), 0u);
  // Anonymous clients can read cluster-info (what a joining node does).
  auto anon = RunCommand({"/usr/bin/curl", "-sS", "--cacert", dir_ + "/ca.crt", "-w", "\n%{http_code}",
                          sandbox_->url() + "/api/v1/namespaces/kube-public/configmaps/cluster-info"},
                         30s);
  ASSERT_TRUE(anon.ok());
  EXPECT_THAT(anon->out, HasSubstr("jws-kubeconfig-k7q2zx"));
  EXPECT_THAT(anon->out, ::testing::EndsWith("\n200"));
  // Deleting the token removes its signature.
  r = Kubectl({"delete", "secret", "-n", "kube-system", "bootstrap-token-k7q2zx"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  cm = sandbox_->WaitForObjectForTest(
      "/api/v1/namespaces/kube-public/configmaps/cluster-info",
      [](const json& o) { return !o["data"].contains("jws-kubeconfig-k7q2zx"); }, 30s);
  EXPECT_TRUE(cm.ok()) << cm.status();
}

TEST_F(KubectlCompatTest, ExpiredTokenIsUnauthorizedAndTokenCannotReadSecrets) {
  ASSERT_NO_FATAL_FAILURE(Start());
  TokenSpec expired;
  expired.id = "expird";
  expired.secret = "0123456789abcdef";
  expired.expiration = std::chrono::system_clock::now() - 1h;
  ASSERT_OK(sandbox_->CreateBootstrapToken(expired));
  TokenSpec good;
  good.id = kTokenId;
  good.secret = kTokenSecret;
  ASSERT_OK(sandbox_->CreateBootstrapToken(good));

  auto curl = RunCommand({"/usr/bin/curl", "-sS", "--cacert", dir_ + "/ca.crt", "-w", "\n%{http_code}", "-H",
                          "Authorization: Bearer expird.0123456789abcdef", sandbox_->url() + "/api"},
                         30s);
  ASSERT_TRUE(curl.ok());
  EXPECT_THAT(curl->out, ::testing::EndsWith("\n401"));
  EXPECT_THAT(curl->out, HasSubstr(R"("reason":"Unauthorized")"));
  CommandResult r = Kubectl({"get", "csr"}, TokenKubeconfig("expird.0123456789abcdef"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: You must be logged in to the server"));
  // A wrong secret for an existing token is 401 as well.
  r = Kubectl({"get", "csr"}, TokenKubeconfig("abcdef.0123456789abcdee"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: You must be logged in to the server"));

  const std::string token_conf = TokenKubeconfig(std::string(kTokenId) + "." + kTokenSecret);
  r = Kubectl({"get", "secrets", "-n", "kube-system"}, token_conf);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr(
          R"(Error from server (Forbidden): secrets is forbidden: User "system:bootstrap:abcdef" cannot list resource "secrets" in API group "" in the namespace "kube-system")"));
  r = Kubectl({"get", "secret", "bootstrap-token-abcdef", "-n", "kube-system"}, token_conf);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr(
          R"(secrets "bootstrap-token-abcdef" is forbidden: User "system:bootstrap:abcdef" cannot get resource "secrets" in API group "" in the namespace "kube-system")"));
  // ... but may list CSRs (system:node-bootstrapper).
  r = Kubectl({"get", "csr"}, token_conf);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// kubectl ≥ 1.32 sends the approval PUT as protobuf (client-go gentype/type.go).
TEST_F(KubectlCompatTest, Kubectl133ApprovesAndDeniesWithProtobuf) {
  ASSERT_NO_FATAL_FAILURE(Start("33"));
  CommandResult v = Kubectl({"version"});
  EXPECT_THAT(v.out, HasSubstr("Client Version: v1.33"));
  EXPECT_THAT(v.out, HasSubstr("Server Version: v1.33"));
  PlantCsr("csr-proto", "worker-5");
  PlantCsr("csr-proto-deny", "worker-6");
  ASSERT_NO_FATAL_FAILURE(ExpectApproveIssues("csr-proto"));
  CommandResult r = Kubectl({"certificate", "deny", "csr-proto-deny"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("certificatesigningrequest.certificates.k8s.io/csr-proto-deny denied"));
  auto denied = sandbox_->GetObjectForTest(std::string(kCsrPath) + "/csr-proto-deny");
  ASSERT_TRUE(denied.ok());
  EXPECT_TRUE(HasCondition(*denied, "Denied"));
  r = Kubectl({"get", "csr", "csr-proto", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("reason: KubectlApprove"));
}

// kubectl ≥ 1.32's `auth can-i` posts a protobuf SelfSubjectAccessReview.
TEST_F(KubectlCompatTest, Kubectl133AuthCanIWithProtobuf) {
  ASSERT_NO_FATAL_FAILURE(Start("33", /*autoapprove=*/true));
  const std::vector<std::string> as = {"--as",       "system:bootstrap:abcdef",
                                       "--as-group", "system:bootstrappers",
                                       "--as-group", "system:bootstrappers:kubeadm:default-node-token"};
  std::vector<std::string> yes = {"auth", "can-i", "create", "certificatesigningrequests.certificates.k8s.io",
                                  "--subresource=nodeclient"};
  yes.insert(yes.end(), as.begin(), as.end());
  CommandResult r = Kubectl(yes);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "yes\n");
  std::vector<std::string> no = {"auth", "can-i", "get", "secrets", "-n", "kube-system"};
  no.insert(no.end(), as.begin(), as.end());
  r = Kubectl(no);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "no\n");
}

// `kubectl auth whoami` creates a SelfSubjectReview (JSON from 1.31, protobuf from 1.33) and
// prints the authenticated identity: how the demo and e2e tests prove who a kubeconfig is.
class KubectlWhoamiTest : public KubectlCompatTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(KubectlWhoamiTest, ShowsTheAuthenticatedIdentity) {
  ASSERT_NO_FATAL_FAILURE(Start(GetParam()));
  CommandResult r =
      Kubectl({"auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("system:masters"));
  TokenSpec good;
  good.id = kTokenId;
  good.secret = kTokenSecret;
  ASSERT_OK(sandbox_->CreateBootstrapToken(good));
  r = Kubectl({"auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"},
              TokenKubeconfig(std::string(kTokenId) + "." + kTokenSecret));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, std::string("system:bootstrap:") + kTokenId);
}

INSTANTIATE_TEST_SUITE_P(JsonAndProtobuf, KubectlWhoamiTest, ::testing::Values("31", "33"));

}  // namespace
}  // namespace joinguard::sandbox
