// promtool on the shipped PrometheusRule: `promtool check rules` on its spec, and `promtool test
// rules` with deploy/components/monitoring/alerts_test.yaml, which must hold, for every alert, a
// case where it fires and one where it stays silent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>

#include "tests/e2e/deploy/rules_file.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::deploy_test {
namespace {

using ::joinguard::testing::IsOk;
using namespace std::chrono_literals;

constexpr char kPromtool[] = "/usr/bin/promtool";

std::string AlertsTestPath() {
  return std::string(JOINGUARD_SOURCE_DIR) + "/deploy/components/monitoring/alerts_test.yaml";
}

class PrometheusRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("jg-rules-"); }
  void TearDown() override { testing::RemoveTree(dir_); }
  std::string dir_;
};

TEST_F(PrometheusRulesTest, PromtoolCheckRules) {
  auto rules = WriteRulesFile(dir_);
  ASSERT_THAT(rules, IsOk());
  auto r = testing::RunCommand({kPromtool, "check", "rules", *rules}, 60s);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->exit_code, 0) << r->out << r->err;
  EXPECT_THAT(r->out,
              ::testing::HasSubstr("SUCCESS: " + std::to_string(ShippedAlerts().size()) + " rules found"));
}

TEST_F(PrometheusRulesTest, PromtoolTestRules) {
  ASSERT_THAT(WriteRulesFile(dir_), IsOk());
  std::filesystem::copy_file(AlertsTestPath(), dir_ + "/alerts_test.yaml");
  auto r = testing::RunCommand({kPromtool, "test", "rules", dir_ + "/alerts_test.yaml"}, 60s);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->exit_code, 0) << r->out << r->err;
}

TEST_F(PrometheusRulesTest, EveryAlertHasAFiringAndASilentCase) {
  std::map<std::string, int> firing, silent;
  YAML::Node t = YAML::LoadFile(AlertsTestPath());
  for (const auto& test : t["tests"]) {
    for (const auto& a : test["alert_rule_test"]) {
      std::string name = a["alertname"].as<std::string>();
      (a["exp_alerts"].size() > 0 ? firing : silent)[name]++;
    }
  }
  ASSERT_FALSE(ShippedAlerts().empty());
  for (const auto& alert : ShippedAlerts()) {
    EXPECT_GT(firing[alert.name], 0) << alert.name << " has no promtool case where it fires";
    EXPECT_GT(silent[alert.name], 0) << alert.name << " has no promtool case where it stays silent";
  }
}

}  // namespace
}  // namespace joinguard::deploy_test
