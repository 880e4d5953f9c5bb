// The shipped manifests agree with the code: the ConfigMap's policy parses and equals the
// defaults, and the ClusterRole grants exactly what the controller uses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "controller/policy/policy.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::controller {
namespace {

using ::joinguard::testing::IsOk;

const std::string kBase = std::string(JOINGUARD_SOURCE_DIR) + "/deploy/base/";

TEST(DeployManifestsTest, ShippedPolicyParsesAndMatchesDefaults) {
  auto p = policy::LoadPolicyFile(kBase + "policy.yaml");
  ASSERT_THAT(p, IsOk());
  policy::Policy d = policy::DefaultPolicy();
  EXPECT_EQ(p->mode, d.mode);
  EXPECT_EQ(p->allowed_bootstrap_groups, d.allowed_bootstrap_groups);
  EXPECT_EQ(p->max_expiration_seconds, d.max_expiration_seconds);
  EXPECT_EQ(p->allowed_keys.size(), d.allowed_keys.size());
  EXPECT_TRUE(p->deny_existing_node);
}

TEST(DeployManifestsTest, ClusterRoleIsLeastPrivilege) {
  YAML::Node role = YAML::LoadFile(kBase + "clusterrole.yaml");
  std::set<std::string> got;
  for (const auto& rule : role["rules"]) {
    for (const auto& group : rule["apiGroups"]) {
      for (const auto& res : rule["resources"]) {
        for (const auto& verb : rule["verbs"]) {
          std::string names;
          if (rule["resourceNames"]) {
            for (const auto& n : rule["resourceNames"]) names += "|" + n.as<std::string>();
          }
          got.insert(group.as<std::string>() + "/" + res.as<std::string>() + ":" + verb.as<std::string>() + names);
        }
      }
    }
  }
  std::set<std::string> want = {
      "certificates.k8s.io/certificatesigningrequests:get",
      "certificates.k8s.io/certificatesigningrequests:list",
      "certificates.k8s.io/certificatesigningrequests:watch",
      "certificates.k8s.io/certificatesigningrequests/approval:update",
      "certificates.k8s.io/signers:approve|kubernetes.io/kube-apiserver-client-kubelet|kubernetes.io/kubelet-serving",
      "/nodes:get",
      "/nodes:list",
      "/nodes:watch",
      "/events:create",
      "/events:patch",
      "rbac.authorization.k8s.io/clusterrolebindings:get|kubeadm:node-autoapprove-bootstrap",
  };
  EXPECT_EQ(got, want);
}

TEST(DeployManifestsTest, DeploymentRunsTwoHardenedReplicas) {
  YAML::Node d = YAML::LoadFile(kBase + "deployment.yaml");
  EXPECT_EQ(d["spec"]["replicas"].as<int>(), 2);
  YAML::Node pod = d["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  YAML::Node c = pod["containers"][0];
  EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(c["securityContext"]["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  bool leader_elect = false;
  for (const auto& a : c["args"]) leader_elect |= a.as<std::string>() == "--leader-elect";
  EXPECT_TRUE(leader_elect);
}

}  // namespace
}  // namespace joinguard::controller
