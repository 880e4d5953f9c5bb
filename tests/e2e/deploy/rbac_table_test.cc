// deploy/'s RBAC is minimal: removing any one rule from the shipped ClusterRole or Role breaks a
// named capability of joinguard-controller, run under the ServiceAccount's own token against the
// sandbox. Each case removes its rule with kubectl, runs the controller as the Deployment runs
// it, and waits (bounded) for the specific failure: the API server's 403 naming the resource, in
// the controller's log, and what it costs (the CSR stays pending, or is decided without the side
// effect). EveryShippedRuleHasACase keeps the table and the manifests in step: a new rule needs
// a case (a capability that breaks without it), a changed verb list fails until the table says why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "tests/e2e/deploy/deployed_cluster.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::deploy_test {
namespace {

using ::joinguard::testing::IsOk;
using json = nlohmann::json;

enum class Outcome {
  kCsrStaysPending,         // the decision cannot be made or written
  kCsrDecidedWithoutEvent,  // the decision is written, the Event is lost (Events are best effort)
  kCsrDecided,              // the decision is written; the failure is elsewhere (named in the log)
};

struct RbacCase {
  std::string name;       // test name
  std::string kind;       // ClusterRole | Role
  std::string api_group;  // "" = core
  std::string resource;
  std::vector<std::string> verbs;        // exactly the rule's verbs, sorted
  std::string capability;                // what breaks without the rule
  std::vector<std::string> log_needles;  // one log line holds all of them
  Outcome outcome;
  // Extra state the capability needs to be exercised (created as admin before the controller starts).
  std::function<Status(DeployedCluster&)> setup = nullptr;
};

// A NodeJoin claim for worker-new whose CSR no longer exists: the next claim must release it.
Status StaleClaim(DeployedCluster& k) {
  json record = {
      {"apiVersion", "joinguard.io/v1alpha1"},
      {"kind", "NodeJoin"},
      {"metadata", {{"name", "worker-new"}, {"labels", {{"joinguard.io/token-id", kBootstrapTokenId}}}}},
      {"spec",
       {{"nodeName", "worker-new"},
        {"tokenID", kBootstrapTokenId},
        {"requester", std::string("system:bootstrap:") + kBootstrapTokenId},
        {"csrName", "csr-deleted-long-ago"},
        {"csrUID", "00000000-0000-0000-0000-000000000000"},
        {"grant", ""}}},
      {"status", {{"phase", "Claimed"}}}};
  return k.KubectlOk({"create", "-f", "-", "--validate=false"}, record.dump()).status();
}

// A JoinGrant for token abcdef admitting worker-new once (and, if asked, as a re-join).
Status Grant(DeployedCluster& k, bool allow_rejoin) {
  json grant = {{"apiVersion", "joinguard.io/v1alpha1"},
                {"kind", "JoinGrant"},
                {"metadata", {{"name", kBootstrapTokenId}}},
                {"spec",
                 {{"tokenID", kBootstrapTokenId},
                  {"nodeNames", {"worker-new"}},
                  {"maxJoins", 1},
                  {"allowRejoin", allow_rejoin}}}};
  return k.KubectlOk({"create", "-f", "-", "--validate=false"}, grant.dump()).status();
}
Status GrantForWorkerNew(DeployedCluster& k) { return Grant(k, false); }
// The grant lets the join past the "already joined" rule, so the claim meets the stale record.
Status StaleClaimWithRejoinGrant(DeployedCluster& k) {
  JG_RETURN_IF_ERROR(StaleClaim(k));
  return Grant(k, true);
}

void PrintTo(const RbacCase& c, std::ostream* os) { *os << c.name; }

// One case per rule in deploy/base/clusterrole.yaml and role.yaml.
const std::vector<RbacCase>& Cases() {
  static const auto* cases = new std::vector<RbacCase>{
      {"CsrRead",
       "ClusterRole",
       "certificates.k8s.io",
       "certificatesigningrequests",
       {"get", "list", "watch"},
       "see CSRs (the CSR informer's list and watch)",
       {"cannot list resource", "certificatesigningrequests"},
       Outcome::kCsrStaysPending},
      {"ApprovalWrite",
       "ClusterRole",
       "certificates.k8s.io",
       "certificatesigningrequests/approval",
       {"update"},
       "write Approved/Denied conditions (the approval subresource)",
       {"cannot update resource", "certificatesigningrequests/approval"},
       Outcome::kCsrStaysPending},
      {"SignerApprove",
       "ClusterRole",
       "certificates.k8s.io",
       "signers",
       {"approve"},
       "approve for the kubelet signers (CertificateApproval admission)",
       {"user not permitted to approve requests with signerName", kKubeletClientSigner},
       Outcome::kCsrStaysPending},
      {"NodeRead",
       "ClusterRole",
       "",
       "nodes",
       {"get", "list", "watch"},
       "know which Nodes exist (the Node informer; NodeExists)",
       {"cannot list resource", "nodes"},
       Outcome::kCsrStaysPending},
      {"EventWrite",
       "ClusterRole",
       "",
       "events",
       {"create", "patch"},
       "record an Event per decision",
       {"cannot create resource", "events"},
       Outcome::kCsrDecidedWithoutEvent},
      {"AutoapproveBindingRead",
       "ClusterRole",
       "rbac.authorization.k8s.io",
       "clusterrolebindings",
       {"get"},
       "detect kubeadm:node-autoapprove-bootstrap (joinguard_autoapprove_binding_present)",
       {"cannot check for the kubeadm auto-approve ClusterRoleBinding", "forbidden"},
       Outcome::kCsrDecided},
      {"LeaseCreate",
       "Role",
       "coordination.k8s.io",
       "leases",
       {"create"},
       "create the leader-election Lease (no leader, no writes)",
       {"cannot create resource", "leases"},
       Outcome::kCsrStaysPending},
      {"LeaseGetUpdate",
       "Role",
       "coordination.k8s.io",
       "leases",
       {"get", "update"},
       "read and renew the leader-election Lease (no leader, no writes)",
       {"cannot get resource", "leases"},
       Outcome::kCsrStaysPending},
      {"NodeJoinRead",
       "ClusterRole",
       "joinguard.io",
       "nodejoins",
       {"get", "list", "watch"},
       "see the durable approval records (NodeJoin informer)",
       {"cannot list resource", "nodejoins"},
       Outcome::kCsrStaysPending},
      {"NodeJoinCreate",
       "ClusterRole",
       "joinguard.io",
       "nodejoins",
       {"create"},
       "claim a node name before approving (NodeJoin create)",
       {"cannot create resource", "nodejoins"},
       Outcome::kCsrStaysPending},
      {"NodeJoinUpdate",
       "ClusterRole",
       "joinguard.io",
       "nodejoins",
       {"update"},
       "complete the record (Claimed -> Approved) after the approval",
       {"cannot update resource", "nodejoins"},
       Outcome::kCsrDecided},
      {"NodeJoinDelete",
       "ClusterRole",
       "joinguard.io",
       "nodejoins",
       {"delete"},
       "release a stale claim whose CSR is gone",
       {"cannot delete resource", "nodejoins"},
       Outcome::kCsrStaysPending,
       StaleClaimWithRejoinGrant},
      {"JoinGrantRead",
       "ClusterRole",
       "joinguard.io",
       "joingrants",
       {"get"},
       "read the token's JoinGrant",
       {"cannot get resource", "joingrants"},
       Outcome::kCsrStaysPending,
       GrantForWorkerNew},
      {"JoinGrantStatusWrite",
       "ClusterRole",
       "joinguard.io",
       "joingrants/status",
       {"update"},
       "count a join on the JoinGrant before approving",
       {"cannot update resource", "joingrants/status"},
       Outcome::kCsrStaysPending,
       GrantForWorkerNew},
  };
  return *cases;
}

std::vector<std::string> SortedStrings(const json& arr) {
  std::vector<std::string> out;
  for (const auto& v : arr) out.push_back(v.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

bool RuleMatches(const json& rule, const RbacCase& c) {
  return rule.value("apiGroups", json::array()) == json::array({c.api_group}) &&
         rule.value("resources", json::array()) == json::array({c.resource}) &&
         SortedStrings(rule.value("verbs", json::array())) == c.verbs;
}

std::string RoleName(const std::string& kind) {
  return kind == "ClusterRole" ? "joinguard-controller" : "joinguard-controller-leader-election";
}

// The ClusterRole and Role exactly as `kubectl kustomize deploy/base` renders them.
std::map<std::string, json> ShippedRoles() {
  auto r = testing::RunCommand(
      {"/usr/bin/kubectl", "kustomize", std::string(JOINGUARD_SOURCE_DIR) + "/deploy/base"},
      std::chrono::seconds(60));
  EXPECT_THAT(r, IsOk());
  std::map<std::string, json> roles;
  if (!r.ok()) return roles;
  for (const YAML::Node& doc : YAML::LoadAll(r->out)) {
    std::string kind = doc["kind"].as<std::string>("");
    if (kind != "ClusterRole" && kind != "Role") continue;
    json j = json::object();
    j["name"] = doc["metadata"]["name"].as<std::string>();
    j["rules"] = json::array();
    for (const auto& rule : doc["rules"]) {
      json jr;
      for (const char* key : {"apiGroups", "resources", "verbs", "resourceNames"}) {
        if (!rule[key]) continue;
        jr[key] = json::array();
        for (const auto& v : rule[key]) jr[key].push_back(v.as<std::string>());
      }
      j["rules"].push_back(jr);
    }
    roles[kind] = j;
  }
  return roles;
}

TEST(RbacTableTest, EveryShippedRuleHasACase) {
  std::map<std::string, json> roles = ShippedRoles();
  ASSERT_EQ(roles.size(), 2u) << "expected one ClusterRole and one Role in deploy/base";
  for (const auto& [kind, role] : roles) {
    EXPECT_EQ(role["name"], RoleName(kind));
    for (const auto& rule : role["rules"]) {
      int matches = 0;
      for (const auto& c : Cases()) matches += c.kind == kind && RuleMatches(rule, c);
      EXPECT_EQ(matches, 1) << kind << " rule " << rule.dump()
                            << " needs exactly one RbacCase naming the capability that breaks without it";
    }
  }
  for (const auto& c : Cases()) {
    int matches = 0;
    for (const auto& rule : roles[c.kind]["rules"]) matches += RuleMatches(rule, c);
    EXPECT_EQ(matches, 1) << "case " << c.name << " names no shipped rule";
  }
}

class RbacRuleRemovedTest : public ::testing::TestWithParam<RbacCase> {};

TEST_P(RbacRuleRemovedTest, BreaksItsCapability) {
  const RbacCase& c = GetParam();
  SCOPED_TRACE("without this rule joinguard-controller cannot " + c.capability);
  auto cluster = DeployedCluster::Start();
  ASSERT_THAT(cluster, IsOk());
  DeployedCluster& k = **cluster;
  ASSERT_THAT(k.ApplyDeploy("base"), IsOk());
  ASSERT_THAT(k.DeleteAutoapproveBinding(), IsOk());

  // Remove the one rule and put the role back with kubectl.
  std::vector<std::string> ns_args =
      c.kind == "Role" ? std::vector<std::string>{"-n", kNamespace} : std::vector<std::string>{};
  std::vector<std::string> get = {"get", c.kind == "Role" ? "role" : "clusterrole", RoleName(c.kind)};
  get.insert(get.end(), ns_args.begin(), ns_args.end());
  auto role = k.KubectlJson(get);
  ASSERT_THAT(role, IsOk());
  json& rules = (*role)["rules"];
  auto it = std::find_if(rules.begin(), rules.end(), [&](const json& r) { return RuleMatches(r, c); });
  ASSERT_NE(it, rules.end()) << "no rule for case " << c.name << " in " << role->dump();
  rules.erase(it);
  (*role)["metadata"].erase("resourceVersion");
  ASSERT_THAT(k.KubectlOk({"replace", "-f", "-", "--validate=false"}, role->dump()), IsOk());

  if (c.setup) ASSERT_THAT(c.setup(k), IsOk());
  ASSERT_THAT(k.CreateBootstrapCsr("csr-worker-new", "worker-new"), IsOk());
  auto ctl = k.StartController("rbac-" + c.name);
  ASSERT_THAT(ctl, IsOk());

  EXPECT_TRUE(WaitUntil([&] { return ctl->LogHasLineWithAll(c.log_needles); }))
      << "the controller never reported the expected 403; log:\n"
      << ctl->Log();
  switch (c.outcome) {
    case Outcome::kCsrStaysPending:
      EXPECT_EQ(k.CsrDecision("csr-worker-new"), "") << "decided although it cannot " << c.capability;
      EXPECT_THAT(ctl->Metrics(), ::testing::Not(::testing::HasSubstr("decision=\"approve\"")));
      break;
    case Outcome::kCsrDecidedWithoutEvent: {
      EXPECT_TRUE(WaitUntil([&] { return k.CsrDecision("csr-worker-new") == "Approved"; })) << ctl->Log();
      // Events are written asynchronously: absence proves something only once the recorder has
      // written (or given up on) everything it queued, which a clean exit guarantees (the
      // manager stops the recorder before the process exits 0).
      ASSERT_THAT(ctl->Stop(), IsOk());
      auto events = k.sandbox().ListObjectsForTest("/api/v1/namespaces/default/events");
      ASSERT_THAT(events, IsOk());
      for (const auto& e : *events)
        EXPECT_NE(e["involvedObject"].value("name", ""), "csr-worker-new") << e.dump();
      break;
    }
    case Outcome::kCsrDecided:
      EXPECT_TRUE(WaitUntil([&] { return k.CsrDecision("csr-worker-new") == "Approved"; })) << ctl->Log();
      break;
  }
  EXPECT_THAT(ctl->Stop(), IsOk());
}

INSTANTIATE_TEST_SUITE_P(ShippedRules, RbacRuleRemovedTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<RbacCase>& info) { return info.param.name; });

}  // namespace
}  // namespace joinguard::deploy_test
