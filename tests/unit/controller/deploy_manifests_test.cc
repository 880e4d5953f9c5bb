// The shipped manifests agree with the code and with each other, without a cluster: the
// ConfigMap's policy parses and equals the defaults; the RBAC never grants Secrets, wildcards or
// other signers; selectors and port names line up between the Deployment, Service, PDB,
// NetworkPolicy and ServiceMonitor; every metric an alert or dashboard panel names is one the
// controller registers; cloud-init carries the systemd unit verbatim. (The live proofs, with
// kubectl, the sandbox and the real Prometheus, are in tests/e2e/deploy.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "common/runtime/duration.h"
#include "controller/policy/policy.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::controller {
namespace {

using ::joinguard::testing::IsOk;

const std::string kSource = std::string(JOINGUARD_SOURCE_DIR) + "/";
const std::string kBase = kSource + "deploy/base/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> Strings(const YAML::Node& seq) {
  std::set<std::string> out;
  for (const auto& v : seq) out.insert(v.as<std::string>());
  return out;
}

// Metric families the controller registers: every "joinguard_..." string literal in the files
// that name metrics (controller/metrics.{h,cc} name each family once, as a literal).
std::set<std::string> RegisteredMetrics() {
  std::set<std::string> out;
  std::regex name_re(R"rx("(joinguard_[a-z_]+)")rx");
  for (const char* file : {"controller/metrics.cc", "controller/metrics.h",
                           "controller/grants/rate_brakes.cc", "controller/grants/grant_gate.cc"}) {
    std::string text = ReadFile(kSource + file);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name_re); it != std::sregex_iterator();
         ++it) {
      out.insert((*it)[1].str());
    }
  }
  return out;
}

// joinguard_* names in a PromQL expression, histogram series reduced to their family.
std::set<std::string> MetricsIn(const std::string& expr) {
  std::set<std::string> out;
  std::regex re(R"(joinguard_[a-z_]+)");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), re); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    n = std::regex_replace(n, std::regex(R"(_seconds_(bucket|sum|count)$)"), "_seconds");
    out.insert(n);
  }
  return out;
}

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

// The RBAC table test (tests/e2e/deploy/rbac_table_test.cc) proves each rule is needed; this
// proves none is dangerous: no wildcard, no Secrets, approve only for the kubelet signers.
TEST(DeployManifestsTest, RbacGrantsNoWildcardsSecretsOrOtherSigners) {
  for (const char* file : {"clusterrole.yaml", "role.yaml"}) {
    YAML::Node role = YAML::LoadFile(kBase + file);
    ASSERT_TRUE(role["rules"].IsSequence()) << file;
    for (const auto& rule : role["rules"]) {
      std::set<std::string> groups = Strings(rule["apiGroups"]), resources = Strings(rule["resources"]),
                            verbs = Strings(rule["verbs"]);
      for (const auto* set : {&groups, &resources, &verbs}) EXPECT_FALSE(set->count("*")) << file;
      EXPECT_FALSE(resources.count("secrets")) << file;
      EXPECT_FALSE(verbs.count("escalate") || verbs.count("bind") || verbs.count("impersonate")) << file;
      if (verbs.count("approve")) {
        EXPECT_EQ(resources, std::set<std::string>{"signers"});
        EXPECT_EQ(Strings(rule["resourceNames"]),
                  (std::set<std::string>{"kubernetes.io/kube-apiserver-client-kubelet",
                                         "kubernetes.io/kubelet-serving"}));
      }
      EXPECT_FALSE(verbs.count("sign")) << "the controller approves; the API server's signer signs";
    }
  }
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

// The controller's own shutdown deadline ends before the kubelet's SIGKILL.
TEST(DeployManifestsTest, ShutdownTimeoutEndsBeforeTheGracePeriod) {
  YAML::Node d = YAML::LoadFile(kBase + "deployment.yaml");
  YAML::Node pod = d["spec"]["template"]["spec"];
  ASSERT_TRUE(pod["terminationGracePeriodSeconds"]) << "the grace period must be explicit";
  const auto grace = std::chrono::seconds(pod["terminationGracePeriodSeconds"].as<int>());
  std::optional<std::chrono::milliseconds> timeout;
  const std::string flag = "--shutdown-timeout=";
  for (const auto& a : pod["containers"][0]["args"]) {
    const std::string arg = a.as<std::string>();
    if (arg.rfind(flag, 0) != 0) continue;
    auto parsed = runtime::ParseGoDuration(arg.substr(flag.size()));
    ASSERT_TRUE(parsed.ok()) << arg << ": " << parsed.status();
    timeout = *parsed;
  }
  ASSERT_TRUE(timeout.has_value()) << "deployment.yaml must pass " << flag << "<duration>";
  EXPECT_GT(*timeout, std::chrono::milliseconds(0));
  EXPECT_LT(*timeout, grace) << "the controller would be SIGKILLed before its own deadline";
}

TEST(DeployManifestsTest, SelectorsAndPortNamesLineUp) {
  YAML::Node pod = YAML::LoadFile(kBase + "deployment.yaml")["spec"]["template"];
  auto pod_labels = pod["metadata"]["labels"];
  auto matches_pod = [&](const YAML::Node& match_labels) {
    for (const auto& kv : match_labels) {
      if (pod_labels[kv.first.as<std::string>()].as<std::string>("") != kv.second.as<std::string>())
        return false;
    }
    return match_labels.size() > 0;
  };
  std::set<std::string> container_ports;
  for (const auto& p : pod["spec"]["containers"][0]["ports"])
    container_ports.insert(p["name"].as<std::string>());

  YAML::Node svc = YAML::LoadFile(kBase + "service.yaml");
  EXPECT_TRUE(matches_pod(svc["spec"]["selector"]));
  EXPECT_TRUE(container_ports.count(svc["spec"]["ports"][0]["targetPort"].as<std::string>()));
  EXPECT_TRUE(matches_pod(YAML::LoadFile(kBase + "pdb.yaml")["spec"]["selector"]["matchLabels"]));
  EXPECT_LT(YAML::LoadFile(kBase + "pdb.yaml")["spec"]["minAvailable"].as<int>(),
            YAML::LoadFile(kBase + "deployment.yaml")["spec"]["replicas"].as<int>())
      << "a PDB as large as the Deployment blocks every drain";

  YAML::Node np = YAML::LoadFile(kBase + "networkpolicy.yaml");
  EXPECT_TRUE(matches_pod(np["spec"]["podSelector"]["matchLabels"]));
  EXPECT_EQ(Strings(np["spec"]["policyTypes"]), (std::set<std::string>{"Ingress", "Egress"}));
  for (const auto& rule : np["spec"]["ingress"]) {
    for (const auto& port : rule["ports"]) EXPECT_TRUE(container_ports.count(port["port"].as<std::string>()));
  }
  for (const auto& rule : np["spec"]["egress"]) {
    for (const auto& port : rule["ports"]) {
      int n = port["port"].as<int>();
      EXPECT_TRUE(n == 443 || n == 6443) << "egress only to the API server, not port " << n;
    }
  }

  // The ServiceMonitor finds the Service (its labels come from the base kustomization).
  YAML::Node sm = YAML::LoadFile(kSource + "deploy/components/monitoring/servicemonitor.yaml");
  YAML::Node kust = YAML::LoadFile(kBase + "kustomization.yaml");
  YAML::Node common_labels = kust["labels"][0]["pairs"];
  for (const auto& kv : sm["spec"]["selector"]["matchLabels"]) {
    EXPECT_EQ(common_labels[kv.first.as<std::string>()].as<std::string>(""), kv.second.as<std::string>());
  }
  EXPECT_EQ(sm["spec"]["endpoints"][0]["port"].as<std::string>(),
            svc["spec"]["ports"][0]["name"].as<std::string>());
}

TEST(DeployManifestsTest, AlertsAndDashboardNameOnlyRegisteredMetrics) {
  std::set<std::string> registered = RegisteredMetrics();
  ASSERT_TRUE(registered.count("joinguard_csr_decisions_total"));
  std::vector<std::string> exprs;
  YAML::Node rule = YAML::LoadFile(kSource + "deploy/components/monitoring/prometheusrule.yaml");
  for (const auto& g : rule["spec"]["groups"]) {
    for (const auto& r : g["rules"]) exprs.push_back(r["expr"].as<std::string>());
  }
  nlohmann::json dash = nlohmann::json::parse(ReadFile(kSource + "deploy/grafana/joinguard-dashboard.json"));
  for (const auto& panel : dash["panels"]) {
    for (const auto& t : panel["targets"]) exprs.push_back(t["expr"].get<std::string>());
  }
  ASSERT_GE(exprs.size(), 10u);
  for (const auto& e : exprs) {
    for (const auto& m : MetricsIn(e))
      EXPECT_TRUE(registered.count(m)) << e << " names unregistered metric " << m;
  }
}

TEST(DeployManifestsTest, CloudInitCarriesTheSystemdUnitVerbatim) {
  YAML::Node ci = YAML::LoadFile(kSource + "deploy/node/cloud-init.yaml");
  std::string unit = ReadFile(kSource + "deploy/node/joinguard-join.service");
  bool found_unit = false, found_config = false;
  for (const auto& f : ci["write_files"]) {
    std::string path = f["path"].as<std::string>();
    if (path == "/etc/systemd/system/joinguard-join.service") {
      found_unit = true;
      EXPECT_EQ(f["content"].as<std::string>(), unit);
    }
    if (path == "/etc/joinguard/join.yaml") {
      found_config = true;
      EXPECT_EQ(f["permissions"].as<std::string>(), "0600") << "it holds the bootstrap token";
    }
  }
  EXPECT_TRUE(found_unit && found_config);
  EXPECT_THAT(unit, ::testing::HasSubstr("--config /etc/joinguard/join.yaml"));
  EXPECT_THAT(unit, ::testing::Not(::testing::HasSubstr("--token")))
      << "a token on the command line is readable by every local user in /proc";
}

}  // namespace
}  // namespace joinguard::controller
