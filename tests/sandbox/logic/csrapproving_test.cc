#include "tests/sandbox/logic/csrapproving.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/test_support.h"

namespace joinguard::sandbox::logic {
namespace {

using nlohmann::json;

// sarapprove_test.go's baseline: CN system:node:foo, O system:nodes, requester system:node:foo,
// client-kubelet signer, ECDSA P-256; run with and without key encipherment.
json Baseline(const std::vector<std::string>& usages, const std::string& cn = "system:node:foo",
              const std::vector<std::string>& orgs = {"system:nodes"},
              const std::string& signer = "kubernetes.io/kube-apiserver-client-kubelet",
              const std::string& requester = "system:node:foo") {
  json csr = testing::CsrObject("csr-1", testing::MakeCsrPem(testing::Subject(cn, orgs)), signer, usages);
  csr["spec"]["username"] = requester;
  csr["spec"]["groups"] = {"system:nodes", "system:authenticated"};
  csr["spec"]["uid"] = "uid-1";
  csr["spec"]["extra"] = {{"k", {"v1", "v2"}}};
  return csr;
}

struct Recorder {
  std::vector<std::string> asked;
  std::set<std::string> allow;
  UserInfo last;
  std::function<bool(const UserInfo&, const std::string&)> Fn() {
    return [this](const UserInfo& u, const std::string& sub) {
      asked.push_back(sub);
      last = u;
      return allow.count(sub) > 0;
    };
  }
};

const std::vector<std::vector<std::string>> kUsageSets = {
    {"key encipherment", "digital signature", "client auth"}, {"digital signature", "client auth"}};

TEST(AutoApproveTest, RecognizedByBoth) {
  for (const auto& usages : kUsageSets) {
    Recorder r;
    r.allow = {"selfnodeclient", "nodeclient"};
    auto out = AutoApprove(Baseline(usages), r.Fn());
    ASSERT_TRUE(out.has_value());
    EXPECT_THAT(r.asked, ::testing::ElementsAre("selfnodeclient"));
    EXPECT_EQ(r.last.name, "system:node:foo");
    EXPECT_EQ(r.last.uid, "uid-1");
    EXPECT_THAT(r.last.groups, ::testing::ElementsAre("system:nodes", "system:authenticated"));
    EXPECT_THAT(r.last.extra["k"], ::testing::ElementsAre("v1", "v2"));
    ASSERT_EQ((*out)["status"]["conditions"].size(), 1u);
    const json& c = (*out)["status"]["conditions"][0];
    EXPECT_EQ(c["type"], "Approved");
    EXPECT_EQ(c["status"], "True");
    EXPECT_EQ(c["reason"], "AutoApproved");
    EXPECT_EQ(c["message"], "Auto approving self kubelet client certificate after SubjectAccessReview.");
  }
}

TEST(AutoApproveTest, BootstrapRequestUsesNodeclient) {
  for (const auto& usages : kUsageSets) {
    Recorder r;
    r.allow = {"nodeclient"};
    auto out = AutoApprove(Baseline(usages, "system:node:foo", {"system:nodes"},
                                    "kubernetes.io/kube-apiserver-client-kubelet", "system:bootstrap:abcdef"),
                           r.Fn());
    ASSERT_TRUE(out.has_value());
    EXPECT_THAT(r.asked, ::testing::ElementsAre("nodeclient"));
    EXPECT_EQ((*out)["status"]["conditions"][0]["message"],
              "Auto approving kubelet client certificate after SubjectAccessReview.");
  }
}

TEST(AutoApproveTest, SarRefusedMeansNoDecision) {
  Recorder r;  // allows nothing
  EXPECT_FALSE(AutoApprove(Baseline(kUsageSets[0]), r.Fn()).has_value());
  EXPECT_THAT(r.asked, ::testing::ElementsAre("selfnodeclient", "nodeclient"));
  Recorder only_self;
  only_self.allow = {"nodeclient"};
  EXPECT_TRUE(AutoApprove(Baseline(kUsageSets[0]), only_self.Fn()).has_value());
  EXPECT_THAT(only_self.asked, ::testing::ElementsAre("selfnodeclient", "nodeclient"));
}

TEST(AutoApproveTest, RecognizedByNeither) {
  std::vector<json> cases = {
      Baseline(kUsageSets[1], "mike"),
      Baseline(kUsageSets[1], "system:node:foo", {}),
      Baseline(kUsageSets[1], "system:node:foo", {"system:master"}),
      Baseline({"digital signature", "client auth", "server auth"}),
      Baseline(kUsageSets[1], "system:node:foo", {"system:nodes"}, "example.com/not-correct"),
      Baseline(kUsageSets[1], "system:node:foo", {"system:nodes"}, "kubernetes.io/kubelet-serving"),
  };
  for (const auto& csr : cases) {
    Recorder r;
    r.allow = {"selfnodeclient", "nodeclient"};
    EXPECT_FALSE(AutoApprove(csr, r.Fn()).has_value()) << csr["spec"].dump();
    EXPECT_TRUE(r.asked.empty()) << "no SAR for unrecognised CSRs";
  }
}

TEST(AutoApproveTest, NodeclientButNotSelf) {
  for (const auto& csr : {Baseline(kUsageSets[0], "system:node:foo", {"system:nodes"},
                                   "kubernetes.io/kube-apiserver-client-kubelet", "joe"),
                          Baseline(kUsageSets[0], "system:node:bar")}) {
    Recorder r;
    r.allow = {"selfnodeclient"};
    EXPECT_FALSE(AutoApprove(csr, r.Fn()).has_value());
    EXPECT_THAT(r.asked, ::testing::ElementsAre("nodeclient"));
  }
}

TEST(AutoApproveTest, SkipsDecidedOrIssued) {
  Recorder r;
  r.allow = {"selfnodeclient", "nodeclient"};
  json approved = Baseline(kUsageSets[0]);
  SetCsrCondition(approved, "Approved", "x", "x", "2026-11-29T03:00:00Z");
  EXPECT_FALSE(AutoApprove(approved, r.Fn()).has_value());
  json denied = Baseline(kUsageSets[0]);
  SetCsrCondition(denied, "Denied", "x", "x", "2026-11-29T03:00:00Z");
  EXPECT_FALSE(AutoApprove(denied, r.Fn()).has_value());
  json issued = Baseline(kUsageSets[0]);
  issued["status"]["certificate"] = "Zm9v";
  EXPECT_FALSE(AutoApprove(issued, r.Fn()).has_value());
  EXPECT_TRUE(r.asked.empty());
}

}  // namespace
}  // namespace joinguard::sandbox::logic
