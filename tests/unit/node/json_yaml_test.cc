// The one JSON-to-YAML writer of joinguard-node (static Pods, kubelet configuration, token list).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node-helper/config/json_yaml.h"

namespace joinguard::node::config {
namespace {

const nlohmann::json kDoc = {{"b", "true"}, {"a", 1},          {"c", ""},
                             {"d", "x"},    {"e", "10.5"},     {"f", nullptr},
                             {"g", false},  {"h", {"y", "2"}}, {"i", {{"k", "v"}}}};

TEST(JsonToYaml, QuotesOnlyWhatYamlWouldReadAsAnotherType) {
  EXPECT_EQ(
      JsonToYaml(kDoc),
      "a: 1\nb: \"true\"\nc: \"\"\nd: x\ne: \"10.5\"\nf: ~\ng: false\nh:\n  - y\n  - \"2\"\ni:\n  k: v\n");
}

TEST(JsonToYaml, AlwaysQuotedQuotesEveryString) {
  EXPECT_EQ(
      JsonToYaml(kDoc, YamlStrings::kAlwaysQuoted),
      "a: 1\nb: \"true\"\nc: \"\"\nd: \"x\"\ne: \"10.5\"\nf: ~\ng: false\nh:\n  - \"y\"\n  - \"2\"\ni:\n  k: "
      "\"v\"\n");
}

}  // namespace
}  // namespace joinguard::node::config
