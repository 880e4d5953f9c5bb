// `kubectl apply -k` of a small kustomization with one object of each kind an operator's
// deploy/ holds (Namespace, ServiceAccount, RBAC, ConfigMap, Secret, Service, Deployment,
// PodDisruptionBudget, NetworkPolicy, a CRD and one of its objects), with the real kubectl
// 1.31 (JSON) and 1.33; then a re-apply (strategic-merge / merge patches) and delete -k.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sandbox/testing/kubectl_fixture.h"
#include "tests/sandbox/testing/objects.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kManifests[] = R"(apiVersion: v1
kind: Namespace
metadata:
  name: jg-system
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: jg
  namespace: jg-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: jg
rules:
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: jg
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: jg
subjects:
- kind: ServiceAccount
  name: jg
  namespace: jg-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: jg-lease
  namespace: jg-system
rules:
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: jg-lease
  namespace: jg-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: jg-lease
subjects:
- kind: ServiceAccount
  name: jg
  namespace: jg-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: jg-policy
  namespace: jg-system
data:
  policy.yaml: "allowedBootstrapGroups: []\n"
---
apiVersion: v1
kind: Secret
metadata:
  name: jg-extra
  namespace: jg-system
stringData:
  key: value
---
apiVersion: v1
kind: Service
metadata:
  name: jg-metrics
  namespace: jg-system
spec:
  selector:
    app: jg
  ports:
  - name: metrics
    port: 9090
    targetPort: 9090
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jg
  namespace: jg-system
spec:
  replicas: 2
  selector:
    matchLabels:
      app: jg
  template:
    metadata:
      labels:
        app: jg
    spec:
      serviceAccountName: jg
      containers:
      - name: controller
        image: joinguard:IMAGE_TAG
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: jg
  namespace: jg-system
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: jg
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: jg
  namespace: jg-system
spec:
  podSelector:
    matchLabels:
      app: jg
  policyTypes: ["Ingress", "Egress"]
  ingress:
  - ports:
    - port: 9090
)";

class KubectlApplyTest : public KubectlTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void WriteKustomization(const std::string& image_tag) {
    const std::string k = dir_ + "/k";
    mkdir(k.c_str(), 0700);
    std::string manifests = kManifests;
    manifests.replace(manifests.find("IMAGE_TAG"), 9, image_tag);
    WriteFile(k + "/all.yaml", manifests);
    WriteFile(k + "/crd.json", GadgetCrd().dump());
    WriteFile(k + "/kustomization.yaml",
              "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
              "resources:\n- crd.json\n- all.yaml\n");
  }
};

TEST_P(KubectlApplyTest, ApplyKustomizationOfEveryKind) {
  ASSERT_NO_FATAL_FAILURE(Start(GetParam()));
  WriteKustomization("v1");
  CommandResult r = Kubectl({"apply", "--validate=false", "-k", dir_ + "/k"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* line :
       {"namespace/jg-system created", "serviceaccount/jg created",
        "clusterrole.rbac.authorization.k8s.io/jg created",
        "clusterrolebinding.rbac.authorization.k8s.io/jg created",
        "role.rbac.authorization.k8s.io/jg-lease created",
        "rolebinding.rbac.authorization.k8s.io/jg-lease created", "configmap/jg-policy created",
        "secret/jg-extra created", "service/jg-metrics created", "deployment.apps/jg created",
        "poddisruptionbudget.policy/jg created", "networkpolicy.networking.k8s.io/jg created",
        "customresourcedefinition.apiextensions.k8s.io/gadgets.test.joinguard.io created"}) {
    EXPECT_THAT(r.out, HasSubstr(line));
  }
  ASSERT_OK_AND_ASSIGN(json secret,
                       sandbox_->GetObjectForTest("/api/v1/namespaces/jg-system/secrets/jg-extra"));
  EXPECT_EQ(secret["data"]["key"], "dmFsdWU=");  // stringData merged into data

  // Re-apply with a changed image: only the Deployment is configured, through a patch.
  WriteKustomization("v2");
  r = Kubectl({"apply", "--validate=false", "-k", dir_ + "/k"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("deployment.apps/jg configured"));
  EXPECT_THAT(r.out, HasSubstr("configmap/jg-policy unchanged"));
  ASSERT_OK_AND_ASSIGN(json deploy,
                       sandbox_->GetObjectForTest("/apis/apps/v1/namespaces/jg-system/deployments/jg"));
  EXPECT_EQ(deploy["spec"]["template"]["spec"]["containers"][0]["image"], "joinguard:v2");
  EXPECT_EQ(deploy["spec"]["template"]["spec"]["containers"].size(), 1u);

  r = Kubectl({"get", "pdb,netpol,svc", "-n", "jg-system"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("poddisruptionbudget.policy/jg"));
  EXPECT_THAT(r.out, HasSubstr("networkpolicy.networking.k8s.io/jg"));
  EXPECT_THAT(r.out, HasSubstr("service/jg-metrics"));

  // The sandbox deletes a namespace's contents at once (no Terminating phase), so kubectl's
  // later deletes of those objects find nothing: tolerated with --ignore-not-found.
  r = Kubectl({"delete", "--ignore-not-found", "-k", dir_ + "/k"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(
      sandbox_->GetObjectForTest("/apis/policy/v1/namespaces/jg-system/poddisruptionbudgets/jg").ok());
}

INSTANTIATE_TEST_SUITE_P(JsonAndProtobuf, KubectlApplyTest, ::testing::Values("31", "33"));

}  // namespace
}  // namespace joinguard::sandbox::testing
