// The real Prometheus (Debian's /usr/bin/prometheus) scrapes joinguard-controller: deploy/ is
// applied to the sandbox, the controller runs under its ServiceAccount, Prometheus runs on
// loopback (port 0) with a generated config that scrapes the controller's metrics port every
// second and loads the shipped PrometheusRule's rules. The test drives decisions and reads
// joinguard_csr_decisions_total by reason through Prometheus' HTTP API (/api/v1/query); every
// alert and every Grafana panel query evaluates without error against the real series, and
// every metric they name is exposed. Bounded in time; Prometheus is stopped by SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <set>

#include "tests/e2e/deploy/deployed_cluster.h"
#include "tests/e2e/deploy/rules_file.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::deploy_test {
namespace {

using ::joinguard::testing::IsOk;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr int kScrapeIntervalSeconds = 1;

std::string UrlEncode(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// A Prometheus server on 127.0.0.1:0; its port is read from its own "Listening on" log line.
class PrometheusServer {
 public:
  static StatusOr<std::unique_ptr<PrometheusServer>> Start(const std::string& dir, int target_port,
                                                           const std::string& rules_file) {
    std::string config = dir + "/prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: " << kScrapeIntervalSeconds << "s\n"
                          << "  evaluation_interval: " << kScrapeIntervalSeconds << "s\n"
                          << "rule_files:\n- " << rules_file << "\n"
                          << "scrape_configs:\n- job_name: joinguard-controller\n  static_configs:\n"
                          << "  - targets: ['127.0.0.1:" << target_port << "']\n"
                          << "    labels: {namespace: joinguard-system, pod: joinguard-controller-test}\n";
    auto p = std::unique_ptr<PrometheusServer>(new PrometheusServer());
    JG_ASSIGN_OR_RETURN(p->process_,
                        testing::Subprocess::Start(
                            {kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir + "/tsdb",
                             "--web.listen-address=127.0.0.1:0", "--log.level=info"},
                            dir + "/prometheus-logs"));
    std::regex listening(R"(msg="Listening on" address=127\.0\.0\.1:([0-9]+))");
    bool up = WaitUntil([&] {
      std::smatch m;
      std::string log = p->process_->Stderr();
      if (std::regex_search(log, m, listening)) p->port_ = std::stoi(m[1]);
      return p->port_ > 0 || p->process_->exit_code().has_value();
    });
    if (!up || p->port_ == 0) return InternalError("prometheus did not start: " + p->process_->Stderr());
    return p;
  }
  ~PrometheusServer() { Stop().IgnoreError(); }

  Status Stop() {
    if (!process_ || process_->exit_code()) return OkStatus();
    process_->Signal(SIGTERM);
    JG_ASSIGN_OR_RETURN(int code, process_->Wait(30s));
    if (code != 0) return InternalError("prometheus exited " + std::to_string(code));
    return OkStatus();
  }

  // GET /api/v1/<path>; the parsed body, or null on failure.
  json Api(const std::string& path) const {
    json j = json::parse(HttpGet(port_, "/api/v1/" + path), nullptr, false);
    return j.is_discarded() ? json() : j;
  }
  json Query(const std::string& promql) const { return Api("query?query=" + UrlEncode(promql)); }
  std::string Log() const { return process_->Stderr(); }

 private:
  PrometheusServer() = default;
  std::unique_ptr<testing::Subprocess> process_;
  int port_ = 0;
};

// {label value -> sample value} of an instant-vector result keyed by `label`.
std::map<std::string, double> ByLabel(const json& result, const std::string& label) {
  std::map<std::string, double> out;
  if (!result.is_object() || result.value("status", "") != "success") return out;
  for (const auto& r : result["data"]["result"]) {
    out[r["metric"].value(label, "")] = std::stod(r["value"][1].get<std::string>());
  }
  return out;
}

// Every metric family a PromQL expression names (histogram series reduced to the family).
std::set<std::string> MetricNames(const std::string& expr) {
  std::set<std::string> out;
  std::regex name(R"(joinguard_[a-z_]+)");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (n.size() > std::strlen(suffix) && n.ends_with(suffix) && n.find("_seconds_") != std::string::npos) {
        n = n.substr(0, n.size() - std::strlen(suffix));
      }
    }
    out.insert(n);
  }
  return out;
}

TEST(PrometheusE2eTest, ScrapesDecisionsByReasonAndEvaluatesEveryAlertAndPanel) {
  auto cluster = DeployedCluster::Start();
  ASSERT_THAT(cluster, IsOk());
  DeployedCluster& k = **cluster;
  ASSERT_THAT(k.ApplyDeploy("base"), IsOk());
  ASSERT_THAT(k.DeleteAutoapproveBinding(), IsOk());
  ASSERT_THAT(k.CreateNode("worker-1"), IsOk());
  auto ctl = k.StartController("replica-prom");
  ASSERT_THAT(ctl, IsOk());

  auto rules = WriteRulesFile(k.dir());
  ASSERT_THAT(rules, IsOk());
  auto prom = PrometheusServer::Start(k.dir(), ctl->metrics_port, *rules);
  ASSERT_THAT(prom, IsOk());

  // Two joins approved, one claim of an existing node denied.
  ASSERT_THAT(k.CreateBootstrapCsr("csr-join-a", "worker-a"), IsOk());
  ASSERT_THAT(k.CreateBootstrapCsr("csr-join-b", "worker-b"), IsOk());
  ASSERT_THAT(k.CreateBootstrapCsr("csr-claim-1", "worker-1"), IsOk());
  for (const char* csr : {"csr-join-a", "csr-join-b", "csr-claim-1"}) {
    ASSERT_TRUE(WaitUntil([&] { return k.CsrDecision(csr) != ""; })) << csr << "\n" << ctl->Log();
  }

  // Read back through Prometheus: the counter by reason, as an operator's query would.
  const std::string by_reason =
      "sum by (reason) (joinguard_csr_decisions_total{job=\"joinguard-controller\",mode=\"enforce\"})";
  std::map<std::string, double> seen;
  bool scraped = WaitUntil([&] {
    seen = ByLabel((*prom)->Query(by_reason), "reason");
    return seen["JoinguardApproved"] == 2 && seen["NodeExists"] == 1;
  });
  ASSERT_TRUE(scraped) << "Prometheus saw: " << json(seen).dump() << "\nprometheus log:\n" << (*prom)->Log();
  EXPECT_EQ(seen.size(), 2u) << json(seen).dump();
  std::map<std::string, double> by_decision = ByLabel(
      (*prom)->Query("sum by (decision) (joinguard_csr_decisions_total{mode=\"enforce\"})"), "decision");
  EXPECT_EQ(by_decision["approve"], 2);
  EXPECT_EQ(by_decision["deny"], 1);
  EXPECT_EQ(ByLabel((*prom)->Query("up{job=\"joinguard-controller\"}"), "job")["joinguard-controller"], 1);

  // The alerts' rule group was loaded and evaluated against the real series without error.
  ASSERT_TRUE(WaitUntil([&] {
    json r = (*prom)->Api("rules");
    if (r.value("status", "") != "success" || r["data"]["groups"].empty()) return false;
    for (const auto& rule : r["data"]["groups"][0]["rules"]) {
      if (rule.value("lastEvaluation", "").rfind("0001-", 0) == 0) return false;  // not evaluated yet
    }
    return true;
  })) << (*prom)->Api("rules").dump();
  json groups = (*prom)->Api("rules")["data"]["groups"];
  std::set<std::string> loaded;
  for (const auto& rule : groups[0]["rules"]) {
    loaded.insert(rule.value("name", ""));
    EXPECT_EQ(rule.value("health", ""), "ok") << rule.dump();
  }
  for (const auto& alert : ShippedAlerts()) EXPECT_TRUE(loaded.count(alert.name)) << alert.name;
  // With one leader, the binding deleted and a valid policy, none of the state alerts stays
  // pending once the rules are evaluated over scraped data (the first evaluation may precede the
  // first scrape, when `or vector(0)` rightly says "no leader").
  const std::set<std::string> state_alerts = {"JoinguardNoLeader", "JoinguardTwoLeaders",
                                              "JoinguardAutoapproveBindingPresent",
                                              "JoinguardPolicyReloadFailing"};
  json active;
  EXPECT_TRUE(WaitUntil([&] {
    active = (*prom)->Api("alerts")["data"]["alerts"];
    for (const auto& a : active) {
      if (state_alerts.count(a["labels"].value("alertname", ""))) return false;
    }
    return true;
  })) << active.dump();

  // Every expression an operator is given (alerts, dashboard panels) evaluates, and names only
  // metrics the controller exposes.
  std::vector<std::string> exprs;
  for (const auto& alert : ShippedAlerts()) exprs.push_back(alert.expr);
  json dashboard =
      json::parse(ReadFile(std::string(JOINGUARD_SOURCE_DIR) + "/deploy/grafana/joinguard-dashboard.json"));
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& t : panel["targets"]) exprs.push_back(t["expr"].get<std::string>());
  }
  ASSERT_GE(exprs.size(), 10u);
  for (const auto& expr : exprs) {
    json r = (*prom)->Query(expr);
    EXPECT_EQ(r.value("status", ""), "success") << expr << "\n" << r.dump();
    for (const auto& name : MetricNames(expr)) {
      json present = (*prom)->Query("count({__name__=~\"" + name + "(_bucket)?\"})");
      EXPECT_FALSE(present["data"]["result"].empty())
          << expr << " names " << name << ", which is not exposed";
    }
  }

  EXPECT_THAT((*prom)->Stop(), IsOk());
  EXPECT_THAT(ctl->Stop(), IsOk());
}

}  // namespace
}  // namespace joinguard::deploy_test
