// config.yaml for a joining node (kubeadm's defaults, forced rotation, --patches of every type)
// and the typed failure reasons that choose the hints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/files/atomic_file.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/hints.h"
#include "node-helper/phases/kubelet_config.h"
#include "node-helper/phases/patches.h"
#include "node-helper/phases/yaml_json.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::node::phases {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

Json Parse(const std::string& yaml) { return *StrictYamlToJson(yaml, "test"); }

class PatchDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = joinguard::testing::MakeTempDir("patches-"); }
  void TearDown() override { joinguard::testing::RemoveTree(dir_); }
  void Write(const std::string& name, const std::string& content) {
    ASSERT_OK(files::WriteFileAtomic(dir_ + "/" + name, content, 0644));
  }
  std::string dir_;
};

TEST(KubeletConfigTest, FillsKubeadmDefaultsAndForcesRotation) {
  controlplane::ClusterConfiguration cluster;
  cluster.service_subnet = "10.100.0.0/16";
  cluster.dns_domain = "corp.local";
  cluster.certificates_dir = "/etc/kubernetes/ssl";
  auto kc = BuildKubeletConfig("rotateCertificates: false\nclusterDomain: given.local\n", cluster, {});
  ASSERT_OK(kc);
  const Json j = Parse(kc->yaml);
  EXPECT_EQ(j["apiVersion"], "kubelet.config.k8s.io/v1beta1");
  EXPECT_EQ(j["kind"], "KubeletConfiguration");
  EXPECT_EQ(j["rotateCertificates"], true);      // kubeadm forces it on
  EXPECT_EQ(j["clusterDomain"], "given.local");  // set fields are kept
  EXPECT_EQ(j["clusterDNS"], Json::array({"10.100.0.10"}));
  EXPECT_EQ(j["authentication"]["x509"]["clientCAFile"], "/etc/kubernetes/ssl/ca.crt");
  EXPECT_EQ(j["authentication"]["anonymous"]["enabled"], false);
  EXPECT_EQ(j["authentication"]["webhook"]["enabled"], true);
  EXPECT_EQ(j["authorization"]["mode"], "Webhook");
  EXPECT_EQ(j["staticPodPath"], "/etc/kubernetes/manifests");
  EXPECT_EQ(j["cgroupDriver"], "systemd");
  EXPECT_EQ(kc->healthz_url, "http://127.0.0.1:10248/healthz");
}

TEST(KubeletConfigTest, ClusterDnsIpIsTheTenthAddress) {
  EXPECT_EQ(*ClusterDnsIp("10.96.0.0/12"), "10.96.0.10");
  EXPECT_EQ(*ClusterDnsIp("10.96.0.250/12"), "10.96.1.4");  // carry
  EXPECT_EQ(*ClusterDnsIp("fd00:10:96::/112,10.96.0.0/12"), "fd00:10:96::a");
  EXPECT_THAT(ClusterDnsIp("nonsense"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(KubeletConfigTest, DuplicateKeysInTheConfigMapAreRefused) {
  auto kc = BuildKubeletConfig("healthzPort: 1\nhealthzPort: 2\n", controlplane::ClusterConfiguration{}, {});
  EXPECT_THAT(kc, StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(PatchDirTest, AppliesEveryPatchTypeInFileNameOrder) {
  Write("kubeletconfiguration0+strategic.yaml", "healthzPort: 1111\nevictionHard:\n  memory.available: 5%\n");
  Write("kubeletconfiguration1+merge.json", R"({"healthzBindAddress": "::1", "cgroupDriver": null})");
  Write("kubeletconfiguration2+json.yaml",
        "- op: replace\n  path: /healthzPort\n  value: 2222\n- op: add\n  path: /clusterDNS/-\n  value: "
        "10.0.0.53\n");
  Write("kube-apiserver.yaml", "spec: {}\n");  // another target: not for a worker
  Write("README.txt", "not a patch");
  std::vector<std::string> ignored;
  auto patches = ReadPatchDirectory(dir_, {"kubeletconfiguration"}, &ignored);
  ASSERT_OK(patches);
  EXPECT_THAT(ignored, ElementsAre("README.txt", "kube-apiserver.yaml"));
  ASSERT_EQ(patches->size(), 3u);
  auto kc = BuildKubeletConfig("evictionHard:\n  nodefs.available: 10%\n",
                               controlplane::ClusterConfiguration{}, *patches);
  ASSERT_OK(kc);
  const Json j = Parse(kc->yaml);
  EXPECT_EQ(j["healthzPort"], 2222);  // the json patch ran last
  EXPECT_EQ(j["healthzBindAddress"], "::1");
  EXPECT_FALSE(j.contains("cgroupDriver"));                // null deletes (merge patch)
  EXPECT_EQ(j["evictionHard"]["memory.available"], "5%");  // maps merge (strategic)
  EXPECT_EQ(j["evictionHard"]["nodefs.available"], "10%");
  EXPECT_EQ(j["clusterDNS"], Json::array({"10.96.0.10", "10.0.0.53"}));
  EXPECT_EQ(kc->healthz_url, "http://[::1]:2222/healthz");
  EXPECT_THAT(
      kc->applied,
      ElementsAre(
          "Applied patch of type \"application/strategic-merge-patch+json\" to target "
          "\"kubeletconfiguration\"",
          "Applied patch of type \"application/merge-patch+json\" to target \"kubeletconfiguration\"",
          "Applied patch of type \"application/json-patch+json\" to target \"kubeletconfiguration\""));
}

TEST_F(PatchDirTest, StrategicReplaceAndDeleteDirectives) {
  Write("kubeletconfiguration+strategic.yaml",
        "evictionHard:\n  $patch: replace\n  imagefs.available: 1%\nfeatureGates:\n  $patch: delete\n");
  std::vector<std::string> ignored;
  auto patches = ReadPatchDirectory(dir_, {"kubeletconfiguration"}, &ignored);
  ASSERT_OK(patches);
  auto kc = BuildKubeletConfig("evictionHard:\n  nodefs.available: 10%\nfeatureGates:\n  A: true\n",
                               controlplane::ClusterConfiguration{}, *patches);
  ASSERT_OK(kc);
  const Json j = Parse(kc->yaml);
  EXPECT_EQ(j["evictionHard"], Json({{"imagefs.available", "1%"}}));
  EXPECT_FALSE(j.contains("featureGates"));
}

TEST_F(PatchDirTest, BadPatchesAreTypedErrors) {
  Write("kubeletconfiguration+bogus.yaml", "a: 1\n");
  std::vector<std::string> ignored;
  auto unknown = ReadPatchDirectory(dir_, {"kubeletconfiguration"}, &ignored);
  EXPECT_THAT(unknown,
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown or missing patch type \"bogus\"")));
  EXPECT_EQ(JoinReasonOf(unknown.status()), JoinReason::kPatchInvalid);

  joinguard::testing::RemoveTree(dir_);
  dir_ = joinguard::testing::MakeTempDir("patches-");
  Write("kubeletconfiguration+json.json", R"([{"op": "test", "path": "/healthzPort", "value": 1}])");
  auto patches = ReadPatchDirectory(dir_, {"kubeletconfiguration"}, &ignored);
  ASSERT_OK(patches);
  auto kc = BuildKubeletConfig("", controlplane::ClusterConfiguration{}, *patches);
  EXPECT_THAT(kc, StatusIs(StatusCode::kInvalidArgument, HasSubstr("could not apply patch")));
  EXPECT_EQ(JoinReasonOf(kc.status()), JoinReason::kPatchInvalid);

  joinguard::testing::RemoveTree(dir_);
  dir_ = joinguard::testing::MakeTempDir("patches-");
  Write("kubeletconfiguration.yaml", "a: 1\na: 2\n");  // duplicate key: strict YAML refuses
  EXPECT_THAT(ReadPatchDirectory(dir_, {"kubeletconfiguration"}, &ignored),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadPatchDirectory(dir_ + "/missing", {"kubeletconfiguration"}, &ignored),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a directory")));
}

// Hints are chosen by typed reason, not text: a table with one row per reason.
struct HintCase {
  JoinReason reason;
  std::string expect;  // substring of the hint; "" = no hint
};

class HintTableTest : public ::testing::TestWithParam<HintCase> {};

TEST_P(HintTableTest, HintForReason) {
  const auto& c = GetParam();
  // The reason travels in the Status, the message says nothing the hint could be matched on.
  Status s = WithJoinReason(UnknownError("opaque"), c.reason);
  EXPECT_EQ(JoinReasonOf(s), c.reason);
  const std::string hint = HintFor({"kubelet-start", s});
  if (c.expect.empty()) {
    EXPECT_EQ(hint, "");
  } else {
    EXPECT_THAT(hint, HasSubstr(c.expect));
    EXPECT_EQ(hint.rfind("hint: ", 0), 0u);
  }
}

const HintCase kHintCases[] = {
    {JoinReason::kUnknown, ""},
    {JoinReason::kInvalidInvocation, ""},
    {JoinReason::kPreflight, ""},
    {JoinReason::kTokenNotSigned, "kubeadm token create --print-join-command"},
    {JoinReason::kCaPinMismatch, "--discovery-token-ca-cert-hash"},
    {JoinReason::kClusterInfoUntrusted, "may be intercepted"},
    {JoinReason::kTlsVerifyFailed, "not signed by the trusted cluster CA"},
    {JoinReason::kApiUnreachable, "could not be reached"},
    {JoinReason::kUnauthorized, "rejected the TLS bootstrap token"},
    {JoinReason::kCsrDenied, "approver refused"},
    {JoinReason::kCsrFailed, "signer could not issue"},
    {JoinReason::kCsrTimeout, "nobody approved"},
    {JoinReason::kNodeNameTaken, ""},
    {JoinReason::kKubeletUnhealthy, "credentials are in place"},
    {JoinReason::kControlPlaneUnhealthy, "crictl ps -a"},
    {JoinReason::kControlPlaneConditions, ""},
    {JoinReason::kKubeadmCertsNotFound, ""},
    {JoinReason::kCertificateKeyMismatch, ""},
    {JoinReason::kPatchInvalid, "--patches"},
};

INSTANTIATE_TEST_SUITE_P(Reasons, HintTableTest, ::testing::ValuesIn(kHintCases));

TEST(HintTableTest, EveryReasonHasACaseAndARoundTrip) {
  for (const auto& [code, name] : kJoinReasonNames) {
    bool found = false;
    for (const auto& c : kHintCases) found = found || c.reason == code;
    EXPECT_TRUE(found) << "no hint case for reason \"" << name << "\"";
    if (code != JoinReason::kUnknown) {
      EXPECT_EQ(JoinReasonOf(Status(StatusCode::kInternal, "x").WithReason(std::string(name))), code) << name;
    }
  }
  EXPECT_EQ(std::size(kHintCases), kJoinReasonNames.size());
}

TEST(HintTableTest, TransportAndApiReasonsMapWithoutText) {
  // What common/kube's transport and API error table set.
  EXPECT_EQ(JoinReasonOf(UnavailableError("x").WithReason("CertificateVerifyFailed")),
            JoinReason::kTlsVerifyFailed);
  EXPECT_EQ(JoinReasonOf(UnavailableError("x").WithReason("ConnectionFailed")), JoinReason::kApiUnreachable);
  EXPECT_EQ(JoinReasonOf(UnauthenticatedError("x").WithReason("Unauthorized", 401)),
            JoinReason::kUnauthorized);
  EXPECT_EQ(JoinReasonOf(UnavailableError("x")), JoinReason::kApiUnreachable);
  // Text that used to trigger a hint no longer does without a reason.
  EXPECT_EQ(JoinReasonOf(InternalError("could not find a JWS signature ... are pinned")),
            JoinReason::kUnknown);
}

}  // namespace
}  // namespace joinguard::node::phases
