#include "tests/sandbox/logic/tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sandbox/logic/test_support.h"

namespace joinguard::sandbox::logic {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(HumanDurationTest, MatchesApimachinery) {
  EXPECT_EQ(HumanDuration(-5s), "<invalid>");
  EXPECT_EQ(HumanDuration(-1s), "0s");
  EXPECT_EQ(HumanDuration(119s), "119s");
  EXPECT_EQ(HumanDuration(200s), "3m20s");
  EXPECT_EQ(HumanDuration(300s), "5m");
  EXPECT_EQ(HumanDuration(179min), "179m");
  EXPECT_EQ(HumanDuration(3h + 5min), "3h5m");
  EXPECT_EQ(HumanDuration(24h), "24h");
  EXPECT_EQ(HumanDuration(51h), "2d3h");
  EXPECT_EQ(HumanDuration(std::chrono::hours(24 * 30)), "30d");
  EXPECT_EQ(HumanDuration(std::chrono::hours(24 * 365 * 3 + 24 * 4)), "3y4d");
  EXPECT_EQ(HumanDuration(std::chrono::hours(24 * 365 * 9)), "9y");
}

TEST(TableTest, CsrColumnsAsUpstream) {
  json csr = {{"metadata", {{"name", "csr-1"}, {"creationTimestamp", "2026-11-29T02:55:00Z"},
                            {"managedFields", json::array()}}},
              {"spec", {{"signerName", "kubernetes.io/kube-apiserver-client-kubelet"},
                        {"username", "system:bootstrap:abcdef"}, {"expirationSeconds", 3600}}},
              {"status", {{"conditions", {{{"type", "Approved"}, {"status", "True"}}}}, {"certificate", "Zm9v"}}}};
  json pending = {{"metadata", {{"name", "csr-2"}}}, {"spec", {{"signerName", ""}}}};
  json t = TableFor("certificatesigningrequests", {csr, pending}, "42", testing::FixedNow());
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"]["resourceVersion"], "42");
  std::vector<std::string> names;
  for (const auto& c : t["columnDefinitions"]) names.push_back(c["name"]);
  EXPECT_THAT(names, ::testing::ElementsAre("Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"));
  EXPECT_EQ(t["rows"][0]["cells"], json({"csr-1", "5m", "kubernetes.io/kube-apiserver-client-kubelet",
                                         "system:bootstrap:abcdef", "60m", "Approved,Issued"}));
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_FALSE(t["rows"][0]["object"]["metadata"].contains("managedFields"));
  EXPECT_EQ(t["rows"][1]["cells"], json({"csr-2", "<unknown>", "<none>", "", "<none>", "Pending"}));
}

TEST(TableTest, CsrConditionPrecedence) {
  json c = {{"status", {{"conditions", {{{"type", "Approved"}}, {{"type", "Failed"}}}}}}};
  EXPECT_EQ(CsrConditionColumn(c), "Approved,Failed");
  c["status"]["conditions"].push_back({{"type", "Denied"}});
  EXPECT_EQ(CsrConditionColumn(c), "Denied,Failed");
  EXPECT_EQ(CsrConditionColumn(json::object()), "Pending");
}

TEST(TableTest, NodesAndDefault) {
  json node = {{"metadata", {{"name", "n1"}, {"creationTimestamp", "2026-11-27T03:00:00Z"},
                             {"labels", {{"node-role.kubernetes.io/control-plane", ""}}}}},
               {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                           {"nodeInfo", {{"kubeletVersion", "v1.31.0"}}},
                           {"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0.5"}}}}}}};
  json t = TableFor("nodes", {node}, "7", testing::FixedNow());
  EXPECT_EQ(t["rows"][0]["cells"], json({"n1", "Ready", "control-plane", "2d", "v1.31.0", "10.0.0.5", "<none>",
                                         "<unknown>", "<unknown>", "<unknown>"}));
  json cm = {{"metadata", {{"name", "cm"}, {"creationTimestamp", "2026-11-29T03:00:00Z"}}}};
  t = TableFor("configmaps", {cm}, "7", testing::FixedNow());
  EXPECT_EQ(t["columnDefinitions"][1]["name"], "Created At");
  EXPECT_EQ(t["rows"][0]["cells"], json({"cm", "2026-11-29T03:00:00Z"}));
}

}  // namespace
}  // namespace joinguard::sandbox::logic
