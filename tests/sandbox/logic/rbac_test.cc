#include "tests/sandbox/logic/rbac.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace joinguard::sandbox::logic {
namespace {

using nlohmann::json;

RequestAttributes Res(const UserInfo& user, std::string verb, std::string group, std::string resource,
                      std::string ns = "", std::string name = "", std::string sub = "") {
  RequestAttributes a;
  a.user = user;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.ns = std::move(ns);
  a.name = std::move(name);
  a.subresource = std::move(sub);
  return a;
}

RequestAttributes NonRes(const UserInfo& user, std::string verb, std::string path) {
  RequestAttributes a;
  a.user = user;
  a.resource_request = false;
  a.verb = std::move(verb);
  a.path = std::move(path);
  return a;
}

UserInfo User(std::string name, std::vector<std::string> groups = {}) {
  UserInfo u;
  u.name = std::move(name);
  u.groups = std::move(groups);
  return u;
}

RbacObjects FromList(const std::vector<json>& objs) {
  RbacObjects rbac;
  for (const auto& o : objs) {
    const std::string kind = o["kind"];
    if (kind == "Role") rbac.roles.push_back(o);
    if (kind == "ClusterRole") rbac.cluster_roles.push_back(o);
    if (kind == "RoleBinding") rbac.role_bindings.push_back(o);
    if (kind == "ClusterRoleBinding") rbac.cluster_role_bindings.push_back(o);
  }
  return rbac;
}

TEST(RuleAllowsTest, MatchesUpstreamEvaluationHelpers) {
  const UserInfo u = User("u");
  json rule = {{"verbs", {"get", "list"}}, {"apiGroups", {""}}, {"resources", {"configmaps"}}};
  EXPECT_TRUE(RuleAllows(Res(u, "get", "", "configmaps"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "delete", "", "configmaps"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "apps", "configmaps"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "secrets"), rule));
  // A subresource needs "res/sub", "*/sub" or "*".
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "configmaps", "", "", "status"), rule));
  rule["resources"] = {"configmaps/status"};
  EXPECT_TRUE(RuleAllows(Res(u, "get", "", "configmaps", "", "", "status"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "configmaps"), rule));
  rule["resources"] = {"*/status"};
  EXPECT_TRUE(RuleAllows(Res(u, "get", "", "pods", "", "", "status"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "pods", "", "", "xstatus"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "pods"), rule));
  rule = {{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}};
  EXPECT_TRUE(RuleAllows(Res(u, "approve", "certificates.k8s.io", "signers"), rule));
  // resourceNames restrict by name; a list (no name) does not match.
  rule = {{"verbs", {"get"}},
          {"apiGroups", {""}},
          {"resources", {"configmaps"}},
          {"resourceNames", {"cluster-info"}}};
  EXPECT_TRUE(RuleAllows(Res(u, "get", "", "configmaps", "kube-public", "cluster-info"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "configmaps", "kube-public", "other"), rule));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "configmaps", "kube-public"), rule));
  // Resource rules never match non-resource requests and vice versa.
  EXPECT_FALSE(RuleAllows(NonRes(u, "get", "/version"), rule));
  json nr = {{"verbs", {"get"}}, {"nonResourceURLs", {"/healthz", "/apis/*"}}};
  EXPECT_TRUE(RuleAllows(NonRes(u, "get", "/healthz"), nr));
  EXPECT_FALSE(RuleAllows(NonRes(u, "get", "/healthz/etcd"), nr));
  EXPECT_TRUE(RuleAllows(NonRes(u, "get", "/apis/certificates.k8s.io/v1"), nr));
  EXPECT_TRUE(RuleAllows(NonRes(u, "get", "/apis/"), nr));
  EXPECT_FALSE(RuleAllows(NonRes(u, "get", "/apis"), nr));
  EXPECT_FALSE(RuleAllows(NonRes(u, "post", "/healthz"), nr));
  EXPECT_FALSE(RuleAllows(Res(u, "get", "", "healthz"), nr));
}

TEST(AuthorizeTest, BindingsSubjectsAndNamespaces) {
  std::vector<json> objs = {
      {{"kind", "Role"},
       {"metadata", {{"name", "reader"}, {"namespace", "team"}}},
       {"rules", {{{"verbs", {"get"}}, {"apiGroups", {""}}, {"resources", {"secrets"}}}}}},
      {{"kind", "ClusterRole"},
       {"metadata", {{"name", "cm-reader"}}},
       {"rules", {{{"verbs", {"list"}}, {"apiGroups", {""}}, {"resources", {"configmaps"}}}}}},
      {{"kind", "RoleBinding"},
       {"metadata", {{"name", "rb"}, {"namespace", "team"}}},
       {"roleRef", {{"kind", "Role"}, {"name", "reader"}}},
       {"subjects", {{{"kind", "User"}, {"name", "alice"}}, {{"kind", "ServiceAccount"}, {"name", "bot"}}}}},
      {{"kind", "RoleBinding"},
       {"metadata", {{"name", "rb2"}, {"namespace", "team"}}},
       {"roleRef", {{"kind", "ClusterRole"}, {"name", "cm-reader"}}},
       {"subjects", {{{"kind", "Group"}, {"name", "devs"}}}}},
      {{"kind", "ClusterRoleBinding"},
       {"metadata", {{"name", "crb"}}},
       {"roleRef", {{"kind", "ClusterRole"}, {"name", "cm-reader"}}},
       {"subjects", {{{"kind", "ServiceAccount"}, {"name", "watcher"}, {"namespace", "ops"}}}}},
  };
  RbacObjects rbac = FromList(objs);
  auto d = Authorize(Res(User("alice"), "get", "", "secrets", "team", "s"), rbac);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason, R"(RBAC: allowed by RoleBinding "rb/team" of Role "reader" to User "alice")");
  EXPECT_FALSE(Authorize(Res(User("alice"), "get", "", "secrets", "other", "s"), rbac).allowed);
  EXPECT_FALSE(Authorize(Res(User("alice"), "get", "", "secrets"), rbac).allowed);  // cluster-wide
  EXPECT_FALSE(Authorize(Res(User("bob"), "get", "", "secrets", "team", "s"), rbac).allowed);
  // A ServiceAccount subject without namespace means the binding's namespace.
  EXPECT_TRUE(
      Authorize(Res(User("system:serviceaccount:team:bot"), "get", "", "secrets", "team"), rbac).allowed);
  EXPECT_FALSE(
      Authorize(Res(User("system:serviceaccount:ops:bot"), "get", "", "secrets", "team"), rbac).allowed);
  // RoleBinding to a ClusterRole grants only in its namespace.
  EXPECT_TRUE(Authorize(Res(User("carol", {"devs"}), "list", "", "configmaps", "team"), rbac).allowed);
  EXPECT_FALSE(Authorize(Res(User("carol", {"devs"}), "list", "", "configmaps", "prod"), rbac).allowed);
  // ClusterRoleBinding grants everywhere.
  auto w = Authorize(Res(User("system:serviceaccount:ops:watcher"), "list", "", "configmaps", "prod"), rbac);
  EXPECT_TRUE(w.allowed);
  EXPECT_EQ(
      w.reason,
      R"(RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "cm-reader" to ServiceAccount "ops/watcher")");
  // system:masters is a superuser even with no bindings at all.
  EXPECT_TRUE(Authorize(Res(User("root", {"system:masters"}), "delete", "", "nodes"), RbacObjects{}).allowed);
  EXPECT_TRUE(Authorize(NonRes(User("root", {"system:masters"}), "get", "/anything"), RbacObjects{}).allowed);
  // A RoleBinding's Role is looked up in the binding's own namespace only.
  RbacObjects cross = rbac;
  cross.role_bindings.push_back({{"kind", "RoleBinding"},
                                 {"metadata", {{"name", "rb3"}, {"namespace", "other"}}},
                                 {"roleRef", {{"kind", "Role"}, {"name", "reader"}}},
                                 {"subjects", {{{"kind", "User"}, {"name", "dave"}}}}});
  EXPECT_FALSE(Authorize(Res(User("dave"), "get", "", "secrets", "other", "s"), cross).allowed);
  EXPECT_FALSE(Authorize(Res(User("dave"), "get", "", "secrets", "team", "s"), cross).allowed);
  // A binding whose role is missing grants nothing.
  rbac.roles.clear();
  EXPECT_FALSE(Authorize(Res(User("alice"), "get", "", "secrets", "team", "s"), rbac).allowed);
}

TEST(ForbiddenMessageTest, UpstreamWording) {
  const UserInfo u = User("system:bootstrap:abcdef");
  EXPECT_EQ(
      ForbiddenMessage(Res(u, "get", "", "secrets", "kube-system", "bootstrap-token-abcdef")),
      R"(secrets "bootstrap-token-abcdef" is forbidden: User "system:bootstrap:abcdef" cannot get resource "secrets" in API group "" in the namespace "kube-system")");
  EXPECT_EQ(
      ForbiddenMessage(Res(u, "list", "certificates.k8s.io", "certificatesigningrequests")),
      R"(certificatesigningrequests.certificates.k8s.io is forbidden: User "system:bootstrap:abcdef" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope)");
  EXPECT_EQ(
      ForbiddenMessage(
          Res(u, "update", "certificates.k8s.io", "certificatesigningrequests", "", "csr-1", "approval")),
      R"(certificatesigningrequests.certificates.k8s.io "csr-1" is forbidden: User "system:bootstrap:abcdef" cannot update resource "certificatesigningrequests/approval" in API group "certificates.k8s.io" at the cluster scope)");
  EXPECT_EQ(ForbiddenMessage(NonRes(u, "get", "/foo")),
            R"(forbidden: User "system:bootstrap:abcdef" cannot get path "/foo")");
}

class BootstrapPolicyTest : public ::testing::Test {
 protected:
  UserInfo token_user_ = User(
      "system:bootstrap:abcdef",
      {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"});
  UserInfo node_ = User("system:node:node-1", {"system:nodes", "system:authenticated"});
  UserInfo anon_ = User("system:anonymous", {"system:unauthenticated"});
};

TEST_F(BootstrapPolicyTest, KubeadmBootstrapTokenPermissions) {
  RbacObjects rbac = FromList(BootstrapRbacObjects(true));
  const std::string cert = "certificates.k8s.io";
  EXPECT_TRUE(Authorize(Res(token_user_, "create", cert, "certificatesigningrequests"), rbac).allowed);
  EXPECT_TRUE(Authorize(Res(token_user_, "watch", cert, "certificatesigningrequests"), rbac).allowed);
  EXPECT_FALSE(
      Authorize(Res(token_user_, "delete", cert, "certificatesigningrequests", "", "x"), rbac).allowed);
  EXPECT_FALSE(
      Authorize(Res(token_user_, "update", cert, "certificatesigningrequests", "", "x", "approval"), rbac)
          .allowed);
  EXPECT_TRUE(
      Authorize(Res(token_user_, "create", cert, "certificatesigningrequests", "", "", "nodeclient"), rbac)
          .allowed);
  EXPECT_FALSE(
      Authorize(Res(token_user_, "create", cert, "certificatesigningrequests", "", "", "selfnodeclient"),
                rbac)
          .allowed);
  EXPECT_TRUE(Authorize(Res(token_user_, "get", "", "nodes", "", "node-1"), rbac).allowed);
  EXPECT_TRUE(
      Authorize(Res(token_user_, "get", "", "configmaps", "kube-system", "kubeadm-config"), rbac).allowed);
  EXPECT_TRUE(
      Authorize(Res(token_user_, "get", "", "configmaps", "kube-system", "kubelet-config"), rbac).allowed);
  EXPECT_FALSE(Authorize(Res(token_user_, "get", "", "configmaps", "kube-system", "other"), rbac).allowed);
  EXPECT_FALSE(
      Authorize(Res(token_user_, "get", "", "secrets", "kube-system", "bootstrap-token-abcdef"), rbac)
          .allowed);
  EXPECT_FALSE(Authorize(Res(token_user_, "list", "", "secrets", "kube-system"), rbac).allowed);
  EXPECT_TRUE(Authorize(NonRes(token_user_, "get", "/version"), rbac).allowed);
  EXPECT_TRUE(Authorize(NonRes(token_user_, "get", "/apis/certificates.k8s.io/v1"), rbac).allowed);
  EXPECT_TRUE(Authorize(Res(token_user_, "create", "authorization.k8s.io", "selfsubjectaccessreviews"), rbac)
                  .allowed);
  // Without the autoapprove binding the nodeclient subresource is gone.
  RbacObjects strict = FromList(BootstrapRbacObjects(false));
  EXPECT_FALSE(
      Authorize(Res(token_user_, "create", cert, "certificatesigningrequests", "", "", "nodeclient"), strict)
          .allowed);
  EXPECT_TRUE(Authorize(Res(token_user_, "create", cert, "certificatesigningrequests"), strict).allowed);
}

TEST_F(BootstrapPolicyTest, NodesAnonymousAndAdmins) {
  RbacObjects rbac = FromList(BootstrapRbacObjects(true));
  const std::string cert = "certificates.k8s.io";
  EXPECT_TRUE(
      Authorize(Res(node_, "create", cert, "certificatesigningrequests", "", "", "selfnodeclient"), rbac)
          .allowed);
  EXPECT_FALSE(Authorize(Res(node_, "create", cert, "certificatesigningrequests", "", "", "nodeclient"), rbac)
                   .allowed);
  EXPECT_TRUE(Authorize(Res(node_, "get", "", "configmaps", "kube-system", "kubelet-config"), rbac).allowed);
  EXPECT_FALSE(Authorize(Res(node_, "get", "", "secrets", "kube-system", "x"), rbac).allowed);
  // Anonymous: cluster-info and public info only.
  EXPECT_TRUE(Authorize(Res(anon_, "get", "", "configmaps", "kube-public", "cluster-info"), rbac).allowed);
  EXPECT_FALSE(Authorize(Res(anon_, "list", "", "configmaps", "kube-public"), rbac).allowed);
  EXPECT_FALSE(Authorize(Res(anon_, "get", "", "configmaps", "kube-system", "cluster-info"), rbac).allowed);
  EXPECT_TRUE(Authorize(NonRes(anon_, "get", "/version"), rbac).allowed);
  EXPECT_TRUE(Authorize(NonRes(anon_, "get", "/healthz"), rbac).allowed);
  EXPECT_FALSE(Authorize(NonRes(anon_, "get", "/api"), rbac).allowed);
  // Admin kubeconfig (system:masters) and the approver roles.
  EXPECT_TRUE(Authorize(Res(User("kubernetes-admin", {"system:masters"}), "delete", "", "secrets",
                            "kube-system", "x"),
                        rbac)
                  .allowed);
  int approver_roles = 0;
  for (const auto& cr : rbac.cluster_roles) {
    if (cr["metadata"]["name"] == "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver") {
      ++approver_roles;
      EXPECT_EQ(cr["rules"][0]["resourceNames"][0], "kubernetes.io/kube-apiserver-client-kubelet");
    }
  }
  EXPECT_EQ(approver_roles, 1);
}

TEST_F(BootstrapPolicyTest, ObjectsAreWellFormed) {
  auto objs = BootstrapRbacObjects(true);
  int autoapprove = 0;
  for (const auto& o : objs) {
    EXPECT_EQ(o["apiVersion"], "rbac.authorization.k8s.io/v1");
    ASSERT_TRUE(o["metadata"].contains("name"));
    const std::string kind = o["kind"];
    EXPECT_EQ(o["metadata"].contains("namespace"), kind == "Role" || kind == "RoleBinding") << o.dump();
    if (o["metadata"]["name"] == "kubeadm:node-autoapprove-bootstrap") ++autoapprove;
  }
  EXPECT_EQ(autoapprove, 1);
  for (const auto& o : BootstrapRbacObjects(false)) {
    EXPECT_NE(o["metadata"]["name"], "kubeadm:node-autoapprove-bootstrap");
  }
}

}  // namespace
}  // namespace joinguard::sandbox::logic
