// Authentication and authorization of the sandbox API server, over real HTTPS
// (apiserver pkg/authentication; k8s plugin/pkg/auth/authenticator/token/bootstrap).
#include <chrono>

#include "common/runtime/clock.h"

#include "tests/sandbox/testing/fixture.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const char* kToken = "abcdef.0123456789abcdef";

class AuthTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.run_controllers = false;
    StartSandbox(o);
  }
};

TEST_F(AuthTest, ClientCertificateMapsCnToUserAndOToGroups) {
  // A SelfSubjectAccessReview echoes the authenticated user's decision: system:masters may do
  // anything, a plain user may not read secrets.
  json ssar = {
      {"apiVersion", "authorization.k8s.io/v1"},
      {"kind", "SelfSubjectAccessReview"},
      {"spec",
       {{"resourceAttributes", {{"verb", "get"}, {"resource", "secrets"}, {"namespace", "kube-system"}}}}}};
  ASSERT_OK_AND_ASSIGN(auto admin,
                       Admin().Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar));
  EXPECT_EQ(admin.status, 201);
  EXPECT_TRUE(admin.Json()["status"]["allowed"].get<bool>()) << admin.body;
  ASSERT_OK_AND_ASSIGN(
      auto alice,
      ClientAs("alice", {"devs"}).Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar));
  EXPECT_EQ(alice.status, 201);
  EXPECT_FALSE(alice.Json()["status"]["allowed"].get<bool>()) << alice.body;
  // The 403 for alice names her as the certificate CN.
  ASSERT_OK_AND_ASSIGN(auto r, ClientAs("alice", {"devs"}).Get("/api/v1/namespaces/kube-system/secrets"));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.Json()["message"].get<std::string>(), HasSubstr("User \"alice\""));
}

TEST_F(AuthTest, CertificateFromAnotherCaIsUnauthorized) {
  // A self-signed "system:masters" certificate must not authenticate (401, not anonymous).
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(key.ok());
  auto other_ca =
      crypto::CreateSelfSignedCa(*key, "evil", std::chrono::hours(24), std::chrono::system_clock::now());
  ASSERT_TRUE(other_ca.ok());
  auto leaf_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(leaf_key.ok());
  crypto::CsrTemplate t;
  t.subject = {{"O", "system:masters"}, {"CN", "mallory"}};
  crypto::CertificateProfile p;
  p.usages = {"digital signature", "client auth"};
  auto leaf = crypto::IssueCertificate(*leaf_key, t, *other_ca, *key, p, std::chrono::system_clock::now());
  ASSERT_TRUE(leaf.ok());
  ClientOptions o;
  o.ca_pem = sandbox_->ca_pem();
  o.cert_pem = leaf->ToPem();
  o.key_pem = *leaf_key->ToPem();
  ASSERT_OK_AND_ASSIGN(auto r, HttpsClient(sandbox_->url(), o).Get("/api/v1/namespaces"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["reason"], "Unauthorized");
  EXPECT_EQ(r.Json()["message"], "Unauthorized");
}

TEST_F(AuthTest, ValidBootstrapTokenAuthenticatesAsBootstrapUser) {
  TokenSpec spec = MakeToken("abcdef", "0123456789abcdef");
  ASSERT_OK(sandbox_->CreateBootstrapToken(spec));
  // kubeadm's RBAC lets the default-node-token group create CSRs but not read secrets.
  auto client = WithToken(kToken);
  ASSERT_OK_AND_ASSIGN(auto list, client.Get("/apis/certificates.k8s.io/v1/certificatesigningrequests"));
  EXPECT_EQ(list.status, 200) << list.body;
  ASSERT_OK_AND_ASSIGN(auto secrets, client.Get("/api/v1/namespaces/kube-system/secrets"));
  EXPECT_EQ(secrets.status, 403);
  EXPECT_EQ(secrets.Json()["message"],
            "secrets is forbidden: User \"system:bootstrap:abcdef\" cannot list resource "
            "\"secrets\" in API group \"\" in the namespace \"kube-system\"");
  EXPECT_EQ(secrets.Json()["reason"], "Forbidden");
  EXPECT_EQ(secrets.Json()["details"]["kind"], "secrets");
}

TEST_F(AuthTest, ExpiredBootstrapTokenIs401) {
  TokenSpec spec = MakeToken("abcdef", "0123456789abcdef");
  spec.expiration = std::chrono::system_clock::now() - std::chrono::hours(1);
  ASSERT_OK(sandbox_->CreateBootstrapToken(spec));
  ASSERT_OK_AND_ASSIGN(auto r,
                       WithToken(kToken).Get("/api/v1/namespaces/kube-public/configmaps/cluster-info"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["kind"], "Status");
  EXPECT_EQ(r.Json()["reason"], "Unauthorized");
}

// Bootstrap-token users are cached (keyed by the token's hash) while no Secret changes: deleting
// or rewriting the token's Secret must end the cached authentication at once.
TEST_F(AuthTest, BootstrapTokenStopsWorkingWhenItsSecretIsDeletedOrReplaced) {
  ASSERT_OK(sandbox_->CreateBootstrapToken(MakeToken("abcdef", "0123456789abcdef")));
  const std::string path =
      "/apis/certificates.k8s.io/v1/certificatesigningrequests";  // kubeadm RBAC: allowed
  ASSERT_OK_AND_ASSIGN(auto ok, WithToken(kToken).Get(path));
  ASSERT_EQ(ok.status, 200) << ok.body;
  ASSERT_OK_AND_ASSIGN(auto again, WithToken(kToken).Get(path));  // served from the cache
  ASSERT_EQ(again.status, 200) << again.body;
  ASSERT_OK(sandbox_->DeleteObjectForTest("/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef"));
  ASSERT_OK_AND_ASSIGN(auto deleted, WithToken(kToken).Get(path));
  EXPECT_EQ(deleted.status, 401);
  // Same id, another secret: the old token stays refused, the new one works.
  ASSERT_OK(sandbox_->CreateBootstrapToken(MakeToken("abcdef", "fedcba9876543210")));
  ASSERT_OK_AND_ASSIGN(auto old_token, WithToken(kToken).Get(path));
  EXPECT_EQ(old_token.status, 401);
  ASSERT_OK_AND_ASSIGN(auto new_token, WithToken("abcdef.fedcba9876543210").Get(path));
  EXPECT_EQ(new_token.status, 200) << new_token.body;
}

// A cached bootstrap-token user never outlives the token's expiration, even with no Secret change.
TEST(AuthCacheTest, CachedBootstrapTokenExpiresOnTime) {
  runtime::FakeClock clock(std::chrono::system_clock::now());
  SandboxOptions o;
  o.run_controllers = false;  // no token cleaner: only the authenticator decides
  o.clock = &clock;
  ASSERT_OK_AND_ASSIGN(auto sb, Sandbox::Start(o));
  TokenSpec spec;
  spec.id = "abcdef";
  spec.secret = "0123456789abcdef";
  spec.expiration = clock.Now() + std::chrono::hours(1);
  ASSERT_OK(sb->CreateBootstrapToken(spec));
  ClientOptions co;
  co.ca_pem = sb->ca_pem();
  co.bearer_token = kToken;
  HttpsClient client(sb->url(), co);
  const std::string path =
      "/apis/certificates.k8s.io/v1/certificatesigningrequests";  // kubeadm RBAC: allowed
  ASSERT_OK_AND_ASSIGN(auto before, client.Get(path));
  ASSERT_EQ(before.status, 200) << before.body;
  clock.Advance(std::chrono::minutes(61));
  ASSERT_OK_AND_ASSIGN(auto after, client.Get(path));
  EXPECT_EQ(after.status, 401);
}

TEST_F(AuthTest, WrongSecretIs401) {
  ASSERT_OK(sandbox_->CreateBootstrapToken(MakeToken("abcdef", "0123456789abcdef")));
  ASSERT_OK_AND_ASSIGN(auto r, WithToken("abcdef.0123456789abcdee").Get("/api/v1/namespaces"));
  EXPECT_EQ(r.status, 401);
}

TEST_F(AuthTest, TokenWithoutAuthenticationUsageIs401) {
  TokenSpec spec = MakeToken("abcdef", "0123456789abcdef");
  spec.usage_authentication = false;
  ASSERT_OK(sandbox_->CreateBootstrapToken(spec));
  ASSERT_OK_AND_ASSIGN(auto r, WithToken(kToken).Get("/api/v1/namespaces"));
  EXPECT_EQ(r.status, 401);
}

TEST_F(AuthTest, UnknownBearerTokenIs401NotAnonymous) {
  ASSERT_OK_AND_ASSIGN(
      auto r, WithToken("not-a-token").Get("/api/v1/namespaces/kube-public/configmaps/cluster-info"));
  EXPECT_EQ(r.status, 401);
}

TEST_F(AuthTest, AnonymousMayReadClusterInfoButNotSecrets) {
  ASSERT_OK_AND_ASSIGN(auto ci, Anonymous().Get("/api/v1/namespaces/kube-public/configmaps/cluster-info"));
  ASSERT_EQ(ci.status, 200) << ci.body;
  std::string kubeconfig = ci.Json()["data"]["kubeconfig"].get<std::string>();
  EXPECT_THAT(kubeconfig, HasSubstr("server: " + sandbox_->url()));
  EXPECT_THAT(kubeconfig, HasSubstr("name: \"\""));
  ASSERT_OK_AND_ASSIGN(auto other, Anonymous().Get("/api/v1/namespaces/kube-public/configmaps/other"));
  EXPECT_EQ(other.status, 403);
  ASSERT_OK_AND_ASSIGN(auto s, Anonymous().Get("/api/v1/namespaces/kube-system/secrets/x"));
  EXPECT_EQ(s.status, 403);
  EXPECT_EQ(s.Json()["message"],
            "secrets \"x\" is forbidden: User \"system:anonymous\" cannot get resource \"secrets\" "
            "in API group \"\" in the namespace \"kube-system\"");
}

TEST_F(AuthTest, ServiceAccountTokenAuthenticates) {
  ASSERT_OK(sandbox_->AddServiceAccountToken("kube-system", "joinguard", "sa-token-1"));
  json ssar = {{"apiVersion", "authorization.k8s.io/v1"},
               {"kind", "SelfSubjectAccessReview"},
               {"spec", {{"nonResourceAttributes", {{"verb", "get"}, {"path", "/version"}}}}}};
  ASSERT_OK_AND_ASSIGN(
      auto r, WithToken("sa-token-1").Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar));
  EXPECT_EQ(r.status, 201) << r.body;
  ASSERT_OK_AND_ASSIGN(auto denied, WithToken("sa-token-1").Get("/api/v1/nodes"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.Json()["message"].get<std::string>(),
              HasSubstr("User \"system:serviceaccount:kube-system:joinguard\""));
}

TEST_F(AuthTest, RbacGrantTakesEffectImmediately) {
  auto bob = ClientAs("bob", {});
  ASSERT_OK_AND_ASSIGN(auto before, bob.Get("/api/v1/nodes"));
  EXPECT_EQ(before.status, 403);
  EXPECT_EQ(before.Json()["message"],
            "nodes is forbidden: User \"bob\" cannot list resource \"nodes\" in API group \"\" at "
            "the cluster scope");
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(
      auto cr,
      admin.Post(
          "/apis/rbac.authorization.k8s.io/v1/clusterroles",
          json{{"metadata", {{"name", "node-reader"}}},
               {"rules", {{{"apiGroups", {""}}, {"resources", {"nodes"}}, {"verbs", {"get", "list"}}}}}}));
  ASSERT_EQ(cr.status, 201) << cr.body;
  ASSERT_OK_AND_ASSIGN(
      auto crb,
      admin.Post(
          "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
          json{
              {"metadata", {{"name", "bob-reads-nodes"}}},
              {"roleRef",
               {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "node-reader"}}},
              {"subjects",
               {{{"kind", "User"}, {"apiGroup", "rbac.authorization.k8s.io"}, {"name", "bob"}}}}}));
  ASSERT_EQ(crb.status, 201) << crb.body;
  ASSERT_OK_AND_ASSIGN(auto after, bob.Get("/api/v1/nodes"));
  EXPECT_EQ(after.status, 200) << after.body;
}

TEST_F(AuthTest, ImpersonationNeedsPermissionAndSwitchesUser) {
  json ssar = {
      {"apiVersion", "authorization.k8s.io/v1"},
      {"kind", "SelfSubjectAccessReview"},
      {"spec",
       {{"resourceAttributes", {{"verb", "list"}, {"resource", "secrets"}, {"namespace", "default"}}}}}};
  const std::string path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  // Admin impersonating alice gets alice's answer (kubectl auth can-i --as alice).
  ASSERT_OK_AND_ASSIGN(auto r, Admin().Request("POST", path, ssar.dump(), "application/json",
                                               {{"Impersonate-User", "alice"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.Json()["status"]["allowed"].get<bool>());
  // A user without the impersonate verb is refused.
  ASSERT_OK_AND_ASSIGN(auto denied, ClientAs("carol", {})
                                        .Request("POST", path, ssar.dump(), "application/json",
                                                 {{"Impersonate-User", "kubernetes-admin"}}));
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.Json()["message"].get<std::string>(), HasSubstr("impersonate"));
}

TEST_F(AuthTest, SubjectAccessReviewUsesTheSameEvaluator) {
  auto review = [&](const json& spec) {
    auto r = Admin().Post(
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        json{{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SubjectAccessReview"}, {"spec", spec}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->Json() : json();
  };
  json bootstrap_groups = {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                           "system:authenticated"};
  json allowed = review({{"user", "system:bootstrap:abcdef"},
                         {"groups", bootstrap_groups},
                         {"resourceAttributes",
                          {{"verb", "create"},
                           {"group", "certificates.k8s.io"},
                           {"resource", "certificatesigningrequests"},
                           {"subresource", "nodeclient"}}}});
  EXPECT_TRUE(allowed["status"]["allowed"].get<bool>()) << allowed.dump();
  json denied = review(
      {{"user", "system:bootstrap:abcdef"},
       {"groups", bootstrap_groups},
       {"resourceAttributes", {{"verb", "get"}, {"resource", "secrets"}, {"namespace", "kube-system"}}}});
  EXPECT_FALSE(denied["status"]["allowed"].get<bool>());
  // Validation: exactly one of resource/nonResource attributes.
  ASSERT_OK_AND_ASSIGN(auto bad, Admin().Post("/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                              json{{"spec", {{"user", "x"}}}}));
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.Json()["message"].get<std::string>(),
              HasSubstr("exactly one of nonResourceAttributes or resourceAttributes must be specified"));
}

TEST_F(AuthTest, DiscoveryAndVersionForKubectl) {
  ASSERT_OK_AND_ASSIGN(auto v, Anonymous().Get("/version"));
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.Json()["minor"], "31");
  EXPECT_EQ(v.Json()["gitVersion"], "v1.31.0");
  ASSERT_OK_AND_ASSIGN(auto healthz, Anonymous().Get("/healthz"));
  EXPECT_EQ(healthz.status, 200);
  EXPECT_EQ(healthz.body, "ok");
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto api, admin.Get("/api"));
  EXPECT_EQ(api.Json()["versions"], json({"v1"}));
  ASSERT_OK_AND_ASSIGN(auto apis, admin.Get("/apis"));
  bool has_certs = false;
  const json apis_body = apis.Json();
  for (const auto& g : apis_body["groups"]) has_certs |= g["name"] == "certificates.k8s.io";
  EXPECT_TRUE(has_certs);
  ASSERT_OK_AND_ASSIGN(auto certs, admin.Get("/apis/certificates.k8s.io/v1"));
  json csr_resource, approval;
  const json certs_body = certs.Json();
  for (const auto& r : certs_body["resources"]) {
    if (r["name"] == "certificatesigningrequests") csr_resource = r;
    if (r["name"] == "certificatesigningrequests/approval") approval = r;
  }
  EXPECT_EQ(csr_resource["shortNames"], json({"csr"}));
  EXPECT_EQ(csr_resource["namespaced"], false);
  EXPECT_EQ(csr_resource["kind"], "CertificateSigningRequest");
  EXPECT_EQ(approval["verbs"], json({"get", "patch", "update"}));
  ASSERT_OK_AND_ASSIGN(auto core, admin.Get("/api/v1"));
  std::map<std::string, json> by_name;
  const json core_body = core.Json();
  for (const auto& r : core_body["resources"]) by_name[r["name"]] = r;
  EXPECT_EQ(by_name["configmaps"]["shortNames"], json({"cm"}));
  EXPECT_EQ(by_name["nodes"]["shortNames"], json({"no"}));
  EXPECT_EQ(by_name["configmaps"]["namespaced"], true);
  ASSERT_OK_AND_ASSIGN(auto openapi, admin.Get("/openapi/v2"));
  EXPECT_EQ(openapi.status, 404);
}

}  // namespace
}  // namespace joinguard::sandbox::testing
