// CertificateSigningRequests in the sandbox: create strategy, approval/status subresource rules
// and admission, and the in-server signer and csrapproving controllers
// (k8s pkg/registry/certificates/certificates/strategy.go, pkg/controller/certificates).
#include "common/crypto/cert.h"
#include "tests/sandbox/testing/fixture.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::Contains;
using ::testing::HasSubstr;

const std::string kCsrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const char* kToken = "abcdef.0123456789abcdef";
constexpr milliseconds kWait{15000};

json Condition(const std::string& type, const std::string& reason) {
  return {{"type", type}, {"status", "True"}, {"reason", reason}, {"message", "by test"}};
}

bool HasCondition(const json& csr, const std::string& type) {
  if (!csr.contains("status") || !csr["status"].contains("conditions")) return false;
  for (const auto& c : csr["status"]["conditions"]) {
    if (c["type"] == type && c["status"] == "True") return true;
  }
  return false;
}

class CsrTest : public SandboxTest {
 protected:
  void Start(bool controllers, bool autoapprove) {
    SandboxOptions o;
    o.run_controllers = controllers;
    o.autoapprove_binding = autoapprove;
    StartSandbox(o);
    ASSERT_OK(sandbox_->CreateBootstrapToken(MakeToken("abcdef", "0123456789abcdef")));
  }
};

TEST_F(CsrTest, CreateSetsRequesterFieldsFromAuthenticatedUser) {
  Start(false, false);
  json csr = KubeletCsr("node-csr-1", "node1");
  csr["spec"]["username"] = "system:admin";  // ignored: the server overwrites requester fields
  csr["spec"]["groups"] = {"system:masters"};
  csr["status"] = {{"conditions", {Condition("Approved", "Forged")}}};
  ASSERT_OK_AND_ASSIGN(auto r, WithToken(kToken).Post(kCsrs, csr));
  ASSERT_EQ(r.status, 201) << r.body;
  json got = r.Json();
  EXPECT_EQ(got["spec"]["username"], "system:bootstrap:abcdef");
  EXPECT_THAT(got["spec"]["groups"], Contains("system:bootstrappers"));
  EXPECT_THAT(got["spec"]["groups"], Contains("system:bootstrappers:kubeadm:default-node-token"));
  EXPECT_THAT(got["spec"]["groups"], Contains("system:authenticated"));
  EXPECT_THAT(got["spec"]["groups"], ::testing::Not(Contains("system:masters")));
  EXPECT_FALSE(HasCondition(got, "Approved"));
  // Client-certificate users get the credential-id extra.
  ASSERT_OK_AND_ASSIGN(auto r2,
                       ClientAs("system:node:n2", {"system:nodes"}).Post(kCsrs, KubeletCsr("c2", "n2")));
  ASSERT_EQ(r2.status, 201) << r2.body;
  EXPECT_EQ(r2.Json()["spec"]["username"], "system:node:n2");
  EXPECT_THAT(r2.Json()["spec"]["extra"]["authentication.kubernetes.io/credential-id"][0].get<std::string>(),
              ::testing::StartsWith("X509SHA256="));
}

TEST_F(CsrTest, InvalidRequestIs422) {
  Start(false, false);
  json csr = KubeletCsr("bad", "node1");
  csr["spec"]["request"] = Base64("not a pem");
  ASSERT_OK_AND_ASSIGN(auto r, Admin().Post(kCsrs, csr));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.Json()["reason"], "Invalid");
  EXPECT_THAT(r.Json()["message"].get<std::string>(),
              HasSubstr("CertificateSigningRequest.certificates.k8s.io \"bad\" is invalid"));
}

TEST_F(CsrTest, ApprovalOnlyThroughApprovalSubresourceAndExclusive) {
  Start(false, false);
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCsrs, KubeletCsr("c1", "node1"))->status, 201);
  ASSERT_OK_AND_ASSIGN(auto got, admin.Get(kCsrs + "/c1"));
  json csr = got.Json();
  csr["status"]["conditions"] = {Condition("Approved", "KubectlApprove")};
  // Main resource: status changes are silently dropped.
  ASSERT_OK_AND_ASSIGN(auto main, admin.Put(kCsrs + "/c1", csr));
  EXPECT_EQ(main.status, 200) << main.body;
  EXPECT_FALSE(HasCondition(main.Json(), "Approved"));
  // /approval: accepted.
  csr = main.Json();
  csr["status"]["conditions"] = {Condition("Approved", "KubectlApprove")};
  ASSERT_OK_AND_ASSIGN(auto approved, admin.Put(kCsrs + "/c1/approval", csr));
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_TRUE(HasCondition(approved.Json(), "Approved"));
  EXPECT_FALSE(approved.Json()["status"]["conditions"][0]["lastUpdateTime"].get<std::string>().empty());
  // Adding Denied next to Approved: 422.
  csr = approved.Json();
  csr["status"]["conditions"].push_back(Condition("Denied", "KubectlDeny"));
  ASSERT_OK_AND_ASSIGN(auto both, admin.Put(kCsrs + "/c1/approval", csr));
  EXPECT_EQ(both.status, 422);
  EXPECT_THAT(both.Json()["message"].get<std::string>(), HasSubstr("mutually exclusive"));
  // Stale resourceVersion on /approval: 409 (kubectl retries on it).
  csr = main.Json();
  csr["status"]["conditions"] = {Condition("Approved", "KubectlApprove")};
  ASSERT_OK_AND_ASSIGN(auto stale, admin.Put(kCsrs + "/c1/approval", csr));
  EXPECT_EQ(stale.status, 409);
  // Missing CSR: 404 on the subresource.
  ASSERT_OK_AND_ASSIGN(auto missing, admin.Put(kCsrs + "/nope/approval", csr));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(CsrTest, ApproveNeedsApproveVerbOnSigner) {
  Start(false, false);
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCsrs, KubeletCsr("c1", "node1"))->status, 201);
  // A user who may update csr/approval but has no "approve" on signers.
  ASSERT_EQ(
      admin
          .Post("/apis/rbac.authorization.k8s.io/v1/clusterroles",
                json{{"metadata", {{"name", "half-approver"}}},
                     {"rules",
                      {{{"apiGroups", {"certificates.k8s.io"}},
                        {"resources", {"certificatesigningrequests", "certificatesigningrequests/approval"}},
                        {"verbs", {"get", "update"}}}}}})
          ->status,
      201);
  ASSERT_EQ(
      admin
          .Post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                json{{"metadata", {{"name", "half-approver"}}},
                     {"roleRef",
                      {{"apiGroup", "rbac.authorization.k8s.io"},
                       {"kind", "ClusterRole"},
                       {"name", "half-approver"}}},
                     {"subjects",
                      {{{"kind", "User"}, {"apiGroup", "rbac.authorization.k8s.io"}, {"name", "eve"}}}}})
          ->status,
      201);
  auto eve = ClientAs("eve", {});
  ASSERT_OK_AND_ASSIGN(auto got, eve.Get(kCsrs + "/c1"));
  ASSERT_EQ(got.status, 200) << got.body;
  json csr = got.Json();
  csr["status"]["conditions"] = {Condition("Approved", "X")};
  ASSERT_OK_AND_ASSIGN(auto r, eve.Put(kCsrs + "/c1/approval", csr));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Json()["message"],
            "certificatesigningrequests.certificates.k8s.io \"c1\" is forbidden: user not permitted "
            "to approve requests with signerName \"kubernetes.io/kube-apiserver-client-kubelet\"");
}

TEST_F(CsrTest, CertificateOnlyThroughStatusSubresource) {
  Start(false, false);
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCsrs, KubeletCsr("c1", "node1"))->status, 201);
  json csr = admin.Get(kCsrs + "/c1")->Json();
  csr["status"]["certificate"] = Base64(sandbox_->ca_pem());
  ASSERT_OK_AND_ASSIGN(auto main, admin.Put(kCsrs + "/c1", csr));
  EXPECT_EQ(main.status, 200);
  EXPECT_FALSE(main.Json()["status"].contains("certificate"));
  csr = main.Json();
  csr["status"]["certificate"] = Base64(sandbox_->ca_pem());
  ASSERT_OK_AND_ASSIGN(auto status, admin.Put(kCsrs + "/c1/status", csr));
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.Json()["status"]["certificate"], Base64(sandbox_->ca_pem()));
}

TEST_F(CsrTest, SignerIssuesCertificateAfterApproval) {
  Start(true, false);
  ASSERT_EQ(WithToken(kToken).Post(kCsrs, KubeletCsr("node-csr-x", "node7"))->status, 201);
  auto admin = Admin();
  json csr = admin.Get(kCsrs + "/node-csr-x")->Json();
  EXPECT_FALSE(HasCondition(csr, "Approved"));  // binding absent: no auto-approval
  csr["status"]["conditions"] = {Condition("Approved", "KubectlApprove")};
  ASSERT_EQ(admin.Put(kCsrs + "/node-csr-x/approval", csr)->status, 200);
  ASSERT_OK_AND_ASSIGN(
      json issued,
      sandbox_->WaitForObjectForTest(
          kCsrs + "/node-csr-x",
          [](const json& o) { return o.contains("status") && o["status"].contains("certificate"); }, kWait));
  auto pem = crypto::Base64Decode(issued["status"]["certificate"].get<std::string>());
  ASSERT_TRUE(pem.ok());
  ASSERT_OK_AND_ASSIGN(auto cert, crypto::Certificate::FromPem(*pem));
  EXPECT_EQ(cert.CommonName(), "system:node:node7");
  EXPECT_EQ(cert.Organizations(), std::vector<std::string>{"system:nodes"});
  ASSERT_OK_AND_ASSIGN(auto ca, crypto::Certificate::FromPem(sandbox_->ca_pem()));
  EXPECT_OK(crypto::VerifyCertificate(cert, {ca}, {}, std::chrono::system_clock::now()));
}

TEST_F(CsrTest, AutoApprovalOnlyWhileKubeadmBindingExists) {
  Start(true, true);
  auto token = WithToken(kToken);
  ASSERT_EQ(token.Post(kCsrs, KubeletCsr("auto-1", "node1"))->status, 201);
  ASSERT_OK_AND_ASSIGN(json approved, sandbox_->WaitForObjectForTest(
                                          kCsrs + "/auto-1",
                                          [](const json& o) { return HasCondition(o, "Approved"); }, kWait));
  EXPECT_EQ(approved["status"]["conditions"][0]["reason"], "AutoApproved");
  ASSERT_OK(sandbox_
                ->WaitForObjectForTest(
                    kCsrs + "/auto-1",
                    [](const json& o) { return o.contains("status") && o["status"].contains("certificate"); },
                    kWait)
                .status());

  ASSERT_EQ(
      Admin()
          .Delete("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kubeadm:node-autoapprove-bootstrap")
          ->status,
      200);
  ASSERT_EQ(token.Post(kCsrs, KubeletCsr("auto-2", "node2"))->status, 201);
  // Bounded negative check: it stays pending.
  EXPECT_THAT(sandbox_
                  ->WaitForObjectForTest(
                      kCsrs + "/auto-2", [](const json& o) { return HasCondition(o, "Approved"); },
                      milliseconds(1500))
                  .status(),
              StatusIs(StatusCode::kDeadlineExceeded));
  // Restoring the binding lets the approver act on the pending CSR.
  json crb = {{"metadata", {{"name", "kubeadm:node-autoapprove-bootstrap"}}},
              {"roleRef",
               {{"apiGroup", "rbac.authorization.k8s.io"},
                {"kind", "ClusterRole"},
                {"name", "system:certificates.k8s.io:certificatesigningrequests:nodeclient"}}},
              {"subjects",
               {{{"kind", "Group"},
                 {"apiGroup", "rbac.authorization.k8s.io"},
                 {"name", "system:bootstrappers:kubeadm:default-node-token"}}}}};
  ASSERT_EQ(Admin().Post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb)->status, 201);
  EXPECT_OK(sandbox_
                ->WaitForObjectForTest(
                    kCsrs + "/auto-2", [](const json& o) { return HasCondition(o, "Approved"); }, kWait)
                .status());
}

TEST_F(CsrTest, KubectlGetTableColumns) {
  Start(false, false);
  auto admin = Admin();
  ASSERT_EQ(WithToken(kToken).Post(kCsrs, KubeletCsr("t1", "n1"))->status, 201);
  const std::string accept =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
      "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  ASSERT_OK_AND_ASSIGN(
      auto r, admin.Request("GET", kCsrs + "?limit=500", "", "application/json", {{"Accept", accept}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json table = r.Json();
  EXPECT_EQ(table["kind"], "Table");
  std::vector<std::string> columns;
  for (const auto& c : table["columnDefinitions"]) columns.push_back(c["name"]);
  EXPECT_EQ(columns, (std::vector<std::string>{"Name", "Age", "SignerName", "Requestor", "RequestedDuration",
                                               "Condition"}));
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"][0], "t1");
  EXPECT_EQ(table["rows"][0]["cells"][3], "system:bootstrap:abcdef");
  EXPECT_EQ(table["rows"][0]["cells"][5], "Pending");
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

TEST_F(CsrTest, DeleteReturnsStatusAndFieldSelectorBySigner) {
  Start(false, false);
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCsrs, KubeletCsr("a", "n1"))->status, 201);
  ASSERT_EQ(admin.Post(kCsrs, KubeletCsr("b", "n2", "kubernetes.io/kubelet-serving"))->status, 201);
  ASSERT_OK_AND_ASSIGN(auto list,
                       admin.Get(kCsrs + "?fieldSelector=spec.signerName%3Dkubernetes.io/kubelet-serving"));
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_EQ(list.Json()["items"][0]["metadata"]["name"], "b");
  ASSERT_OK_AND_ASSIGN(auto del, admin.Delete(kCsrs + "/a"));
  EXPECT_EQ(del.Json()["kind"], "Status");
  EXPECT_EQ(del.Json()["details"]["group"], "certificates.k8s.io");
  EXPECT_EQ(del.Json()["details"]["kind"], "certificatesigningrequests");
}

}  // namespace
}  // namespace joinguard::sandbox::testing
