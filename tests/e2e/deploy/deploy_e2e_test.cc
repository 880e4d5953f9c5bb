// deploy/ applied with the real kubectl to the sandbox, and joinguard-controller run as the
// Deployment runs it under the ServiceAccount's own token: it decides CSRs, holds the Lease,
// records Events, never hits a 403; the ServiceAccount cannot read Secrets or approve for other
// signers; the overlays apply; the rollback restores kubeadm's binding exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/deploy/deployed_cluster.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::deploy_test {
namespace {

using ::joinguard::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

class DeployE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = DeployedCluster::Start();
    ASSERT_THAT(c, IsOk());
    cluster_ = std::move(*c);
  }
  DeployedCluster& k() { return *cluster_; }

  // `kubectl auth can-i --as <the ServiceAccount> ...`: true for "yes".
  bool CanI(std::vector<std::string> args) {
    args.insert(args.begin(), {"auth", "can-i", "--as", kServiceAccountUser});
    auto r = k().Kubectl(args);
    EXPECT_THAT(r, IsOk());
    return r.ok() && r->exit_code == 0 && r->out.find("yes") == 0;
  }

  // A SubjectAccessReview for `approve` on signers/<signer>, created with kubectl. (`kubectl
  // auth can-i` cannot ask this: `signers` is a virtual resource, absent from discovery, so
  // kubectl would send it without its API group.)
  bool MayApproveSigner(const std::string& signer) {
    json sar = {
        {"apiVersion", "authorization.k8s.io/v1"},
        {"kind", "SubjectAccessReview"},
        {"spec",
         {{"user", kServiceAccountUser},
          {"groups",
           {"system:serviceaccounts", "system:serviceaccounts:joinguard-system", "system:authenticated"}},
          {"resourceAttributes",
           {{"group", "certificates.k8s.io"},
            {"resource", "signers"},
            {"verb", "approve"},
            {"name", signer}}}}}};
    auto out = k().KubectlOk({"create", "-f", "-", "-o", "json", "--validate=false"}, sar.dump());
    EXPECT_THAT(out, IsOk());
    if (!out.ok()) return true;
    return json::parse(*out)["status"].value("allowed", false);
  }

  std::unique_ptr<DeployedCluster> cluster_;
};

TEST_F(DeployE2eTest, DeployedControllerDecidesUnderItsServiceAccount) {
  ASSERT_THAT(k().ApplyDeploy("base"), IsOk());
  ASSERT_THAT(k().DeleteAutoapproveBinding(), IsOk());
  ASSERT_THAT(k().CreateNode("worker-1"), IsOk());
  ASSERT_THAT(k().CreateBootstrapCsr("csr-join-worker-2", "worker-2"), IsOk());
  ASSERT_THAT(k().CreateBootstrapCsr("csr-claim-worker-1", "worker-1"), IsOk());

  auto ctl = k().StartController("replica-a");
  ASSERT_THAT(ctl, IsOk());
  std::string reason;
  ASSERT_TRUE(WaitUntil([&] { return k().CsrDecision("csr-join-worker-2", &reason) != ""; })) << ctl->Log();
  EXPECT_EQ(k().CsrDecision("csr-join-worker-2", &reason), "Approved");
  EXPECT_EQ(reason, "JoinguardApproved");
  ASSERT_TRUE(WaitUntil([&] { return k().CsrDecision("csr-claim-worker-1", &reason) != ""; })) << ctl->Log();
  EXPECT_EQ(k().CsrDecision("csr-claim-worker-1", &reason), "Denied");
  EXPECT_EQ(reason, "NodeExists");

  // It leads through its own Lease, records Events, and reports the binding gone.
  auto holder = k().KubectlOk(
      {"get", "lease", "-n", kNamespace, "joinguard-controller", "-o", "jsonpath={.spec.holderIdentity}"});
  ASSERT_THAT(holder, IsOk());
  EXPECT_EQ(*holder, "replica-a");
  EXPECT_TRUE(WaitUntil([&] {
    auto events = k().sandbox().ListObjectsForTest("/api/v1/namespaces/default/events");
    if (!events.ok()) return false;
    for (const auto& e : *events) {
      if (e["involvedObject"].value("name", "") == "csr-claim-worker-1" &&
          e.value("reason", "") == "NodeExists")
        return true;
    }
    return false;
  }));
  EXPECT_TRUE(WaitUntil([&] {
    return ctl->Metrics().find("joinguard_autoapprove_binding_present 0") != std::string::npos;
  })) << ctl->Metrics();
  // The shipped role covers every call it made.
  EXPECT_THAT(ctl->Log(), Not(HasSubstr("forbidden")));
  EXPECT_THAT(ctl->Stop(), IsOk());
}

TEST_F(DeployE2eTest, ServiceAccountCannotReadSecretsOrApproveOtherSigners) {
  ASSERT_THAT(k().ApplyDeploy("base"), IsOk());
  // Positive controls: what it needs, kubectl says yes to.
  EXPECT_TRUE(CanI({"list", "certificatesigningrequests.certificates.k8s.io"}));
  EXPECT_TRUE(
      CanI({"update", "certificatesigningrequests.certificates.k8s.io", "--subresource", "approval"}));
  EXPECT_TRUE(MayApproveSigner("kubernetes.io/kube-apiserver-client-kubelet"));
  EXPECT_TRUE(MayApproveSigner("kubernetes.io/kubelet-serving"));
  // Secrets: never, anywhere.
  for (const char* verb : {"get", "list", "watch"}) {
    EXPECT_FALSE(CanI({verb, "secrets", "--all-namespaces"})) << verb;
    EXPECT_FALSE(CanI({verb, "secrets", "-n", "kube-system"})) << verb;
    EXPECT_FALSE(CanI({verb, "secrets", "-n", kNamespace})) << verb;
  }
  // Other signers, including a wildcard and the legacy signer.
  for (const char* signer : {"kubernetes.io/kube-apiserver-client", "kubernetes.io/legacy-unknown",
                             "kubernetes.io/*", "example.com/custom"}) {
    EXPECT_FALSE(MayApproveSigner(signer)) << signer;
  }
  // Not only what RBAC says: with its own token the requests themselves are refused.
  auto sa = k().ServiceAccountKubeconfig();
  ASSERT_THAT(sa, IsOk());
  auto secrets = k().Kubectl({"get", "secrets", "-n", "kube-system"}, "", *sa);
  ASSERT_THAT(secrets, IsOk());
  EXPECT_NE(secrets->exit_code, 0);
  EXPECT_THAT(secrets->err, HasSubstr("cannot list resource \"secrets\""));
  ASSERT_THAT(k().CreateCsrForSigner("csr-apiserver-client", "kubernetes.io/kube-apiserver-client", "mallory",
                                     {}, {"digital signature", "client auth"}),
              IsOk());
  auto approve = k().Kubectl({"certificate", "approve", "csr-apiserver-client"}, "", *sa);
  ASSERT_THAT(approve, IsOk());
  EXPECT_NE(approve->exit_code, 0);
  EXPECT_THAT(approve->err, HasSubstr("user not permitted to approve requests with signerName"));
  EXPECT_EQ(k().CsrDecision("csr-apiserver-client"), "");
}

TEST_F(DeployE2eTest, RollbackOverlayRestoresKubeadmsBindingExactly) {
  auto seeded = k().KubectlJson({"get", "clusterrolebinding", "kubeadm:node-autoapprove-bootstrap"});
  ASSERT_THAT(seeded, IsOk());
  ASSERT_THAT(k().DeleteAutoapproveBinding(), IsOk());
  ASSERT_THAT(k().ApplyDeploy("rollback/autoapprove"), IsOk());
  auto restored = k().KubectlJson({"get", "clusterrolebinding", "kubeadm:node-autoapprove-bootstrap"});
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ((*restored)["roleRef"], (*seeded)["roleRef"]);
  EXPECT_EQ((*restored)["subjects"], (*seeded)["subjects"]);
  EXPECT_EQ((*restored)["metadata"].value("labels", json::object()),
            (*seeded)["metadata"].value("labels", json::object()));
  // And kube-controller-manager's csrapproving approves again: the stock behaviour is back.
  ASSERT_THAT(k().CreateBootstrapCsr("csr-after-rollback", "worker-9"), IsOk());
  std::string reason;
  EXPECT_TRUE(WaitUntil([&] { return k().CsrDecision("csr-after-rollback", &reason) == "Approved"; }));
  EXPECT_EQ(reason, "AutoApproved");
}

TEST_F(DeployE2eTest, DryRunOverlayDecidesNothing) {
  ASSERT_THAT(k().ApplyDeploy("overlays/dry-run"), IsOk());
  ASSERT_THAT(k().DeleteAutoapproveBinding(), IsOk());
  ASSERT_THAT(k().CreateBootstrapCsr("csr-dry", "worker-3"), IsOk());
  auto ctl = k().StartController("replica-dry");
  ASSERT_THAT(ctl, IsOk());
  EXPECT_TRUE(WaitUntil([&] {
    return ctl->Metrics().find("decision=\"approve\",mode=\"dry-run\"") != std::string::npos;
  })) << ctl->Log();
  EXPECT_THAT(ctl->Audit(), HasSubstr("\"dryRun\":true"));
  EXPECT_EQ(k().CsrDecision("csr-dry"), "");
  EXPECT_THAT(ctl->Stop(), IsOk());
}

TEST_F(DeployE2eTest, MonitoredOverlayAppliesWithThePrometheusOperatorCrds) {
  ASSERT_THAT(k().KubectlOk({"apply", "-f",
                             std::string(JOINGUARD_SOURCE_DIR) +
                                 "/tests/e2e/deploy/testdata/prometheus-operator-crds.yaml",
                             "--validate=false"}),
              IsOk());
  ASSERT_THAT(k().ApplyDeploy("overlays/monitored"), IsOk());
  auto sm = k().KubectlJson({"get", "servicemonitor", "-n", kNamespace, "joinguard-controller"});
  ASSERT_THAT(sm, IsOk());
  // The ServiceMonitor selects the metrics Service by its labels and port name.
  auto svc = k().KubectlJson({"get", "service", "-n", kNamespace, "joinguard-controller-metrics"});
  ASSERT_THAT(svc, IsOk());
  for (const auto& [key, value] : (*sm)["spec"]["selector"]["matchLabels"].items()) {
    EXPECT_EQ((*svc)["metadata"]["labels"].value(key, ""), value.get<std::string>()) << key;
  }
  EXPECT_EQ((*sm)["spec"]["endpoints"][0]["port"], (*svc)["spec"]["ports"][0]["name"]);
  auto rule = k().KubectlJson({"get", "prometheusrule", "-n", kNamespace, "joinguard-controller"});
  ASSERT_THAT(rule, IsOk());
  EXPECT_EQ((*rule)["spec"]["groups"][0]["name"], "joinguard");
}

}  // namespace
}  // namespace joinguard::deploy_test
