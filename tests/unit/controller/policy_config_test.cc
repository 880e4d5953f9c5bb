// CsrPolicy YAML: defaults, every field, and validation errors that name the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <cstdio>
#include <unistd.h>

#include "controller/policy/policy.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::controller::policy {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kHeader[] = "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n";

TEST(PolicyConfigTest, MinimalDocumentGetsDefaults) {
  auto p = ParsePolicyYaml(kHeader);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->name, "default");
  EXPECT_EQ(p->mode, Mode::kEnforce);
  EXPECT_EQ(p->on_pass, PassAction::kApprove);
  EXPECT_EQ(p->on_fail, FailAction::kDeny);
  EXPECT_EQ(p->allowed_bootstrap_groups,
            std::vector<std::string>{"system:bootstrappers:kubeadm:default-node-token"});
  EXPECT_TRUE(p->allow_renewal);
  EXPECT_EQ(p->max_expiration_seconds, 31536000);
  EXPECT_TRUE(p->deny_existing_node);
  EXPECT_TRUE(p->deny_duplicate_in_flight);
  EXPECT_TRUE(p->allowed_extensions.empty());
  ASSERT_EQ(p->allowed_keys.size(), 2u);
  EXPECT_EQ(p->allowed_keys[0].curves, (std::vector<std::string>{"P-256", "P-384"}));
  EXPECT_EQ(p->allowed_keys[1].min_bits, 2048);
}

TEST(PolicyConfigTest, EveryField) {
  std::string yaml = std::string(kHeader) + R"(
metadata:
  name: strict
mode: dry-run
onPass: leave-pending
onFail: leave-pending
allowedBootstrapGroups: [system:bootstrappers:workers, system:bootstrappers:edge]
allowRenewal: false
nodeNamePattern: "worker-[0-9]+"
allowedKeys:
- algorithm: ECDSA
  curves: [P-384]
- algorithm: RSA
  minBits: 3072
- algorithm: Ed25519
allowedUsages:
- algorithm: ECDSA
  sets: [[digital signature, client auth]]
- algorithm: RSA
  sets: [[digital signature, key encipherment, client auth]]
- algorithm: Ed25519
  sets: [[digital signature, client auth]]
maxExpirationSeconds: 86400
requireExpirationSeconds: true
allowedExtensions: ["1.3.6.1.4.1.99999.1"]
denyExistingNode: false
denyDuplicateInFlight: false
)";
  auto p = ParsePolicyYaml(yaml);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->name, "strict");
  EXPECT_EQ(p->mode, Mode::kDryRun);
  EXPECT_EQ(p->on_pass, PassAction::kLeavePending);
  EXPECT_EQ(p->on_fail, FailAction::kLeavePending);
  EXPECT_EQ(p->allowed_bootstrap_groups.size(), 2u);
  EXPECT_FALSE(p->allow_renewal);
  EXPECT_TRUE(MatchesNodeNamePattern(*p->node_name_regex, "worker-12"));
  EXPECT_FALSE(MatchesNodeNamePattern(*p->node_name_regex, "db-1"));
  ASSERT_EQ(p->allowed_keys.size(), 3u);
  EXPECT_EQ(p->allowed_keys[1].min_bits, 3072);
  EXPECT_EQ(p->max_expiration_seconds, 86400);
  EXPECT_TRUE(p->require_expiration_seconds);
  EXPECT_EQ(p->allowed_extensions, std::vector<std::string>{"1.3.6.1.4.1.99999.1"});
  EXPECT_FALSE(p->deny_existing_node);
  EXPECT_FALSE(p->deny_duplicate_in_flight);
}

struct BadCase {
  std::string name;
  std::string body;   // appended after the header (or the whole doc when header=false)
  std::string field;  // the error must name this field
  bool header = true;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

class PolicyConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(PolicyConfigErrorTest, NamesTheField) {
  const BadCase& c = GetParam();
  std::string doc = (c.header ? std::string(kHeader) : std::string()) + c.body;
  auto p = ParsePolicyYaml(doc);
  EXPECT_THAT(p, StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.field)));
}

INSTANTIATE_TEST_SUITE_P(
    Validation, PolicyConfigErrorTest,
    ::testing::Values(
        BadCase{"MissingApiVersion", "kind: CsrPolicy\n", "apiVersion", false},
        BadCase{"WrongApiVersion", "apiVersion: joinguard.io/v2\nkind: CsrPolicy\n", "apiVersion", false},
        BadCase{"WrongKind", "apiVersion: joinguard.io/v1alpha1\nkind: Policy\n", "kind", false},
        BadCase{"NotYaml", "apiVersion: [unclosed\n", "YAML", false},
        BadCase{"UnknownField", "maxExpirationSecond: 600\n", "maxExpirationSecond"},
        BadCase{"BadMode", "mode: yolo\n", "mode"}, BadCase{"BadOnPass", "onPass: maybe\n", "onPass"},
        BadCase{"BadOnFail", "onFail: ignore\n", "onFail"},
        BadCase{"GroupNotBootstrap", "allowedBootstrapGroups: [system:authenticated]\n",
                "allowedBootstrapGroups[0]"},
        BadCase{"GroupsNotAList", "allowedBootstrapGroups: system:bootstrappers:x\n",
                "allowedBootstrapGroups"},
        BadCase{"RenewalNotBool", "allowRenewal: sometimes\n", "allowRenewal"},
        BadCase{"BadRegex", "nodeNamePattern: \"worker-[\"\n", "nodeNamePattern"},
        BadCase{"EmptyRegex", "nodeNamePattern: \"\"\n", "nodeNamePattern"},
        BadCase{"WeakRsa", "allowedKeys: [{algorithm: RSA, minBits: 1024}]\n", "allowedKeys[0].minBits"},
        BadCase{"WeakCurve", "allowedKeys: [{algorithm: ECDSA, curves: [P-224]}]\n",
                "allowedKeys[0].curves[0]"},
        BadCase{"UnknownAlgorithm", "allowedKeys: [{algorithm: DSA}]\n", "allowedKeys[0].algorithm"},
        BadCase{"KeyUnknownField", "allowedKeys: [{algorithm: RSA, size: 4096}]\n", "allowedKeys[0].size"},
        BadCase{"UsageUnknown",
                "allowedUsages: [{algorithm: ECDSA, sets: [[digital signature, client auth, flying]]}]\n",
                "allowedUsages[0].sets[0][2]"},
        BadCase{"UsageServerAuth",
                "allowedUsages: [{algorithm: ECDSA, sets: [[server auth, client auth]]}]\n",
                "allowedUsages[0].sets[0]"},
        BadCase{"UsageMissingForKey",
                "allowedKeys: [{algorithm: Ed25519}]\nallowedUsages: [{algorithm: ECDSA, sets: [[digital "
                "signature, client auth]]}]\n",
                "allowedUsages"},
        BadCase{"ExpirationTooSmall", "maxExpirationSeconds: 10\n", "maxExpirationSeconds"},
        BadCase{"ExpirationNotInt", "maxExpirationSeconds: 1y\n", "maxExpirationSeconds"},
        BadCase{"ExtensionNotOid", "allowedExtensions: [keyUsage]\n", "allowedExtensions[0]"},
        BadCase{"ExtensionSan", "allowedExtensions: [\"2.5.29.17\"]\n", "allowedExtensions[0]"},
        BadCase{"ExistingNodeNotBool", "denyExistingNode: 1\n", "denyExistingNode"},
        BadCase{"MetadataUnknown", "metadata: {namespace: x}\n", "metadata.namespace"},
        // Integers are range-checked as int64 before they are narrowed (issue 10 #3: 2^32 was
        // truncated to 0 in an int, and RSA-1024 was then approved).
        BadCase{"MinBitsTruncatesToZero", "allowedKeys: [{algorithm: RSA, minBits: 4294967296}]\n",
                "allowedKeys[0].minBits: must be between 2048 and 16384, got 4294967296"},
        BadCase{"MinBitsBeyondInt64", "allowedKeys: [{algorithm: RSA, minBits: 99999999999999999999}]\n",
                "allowedKeys[0].minBits: must be between 2048 and 16384"},
        BadCase{"MinBitsNegative", "allowedKeys: [{algorithm: RSA, minBits: -4096}]\n",
                "allowedKeys[0].minBits"},
        BadCase{"MinBitsHex", "allowedKeys: [{algorithm: RSA, minBits: 0x1000}]\n",
                "allowedKeys[0].minBits: must be a decimal integer"},
        BadCase{"MinBitsPlusSign", "allowedKeys: [{algorithm: RSA, minBits: +4096}]\n",
                "allowedKeys[0].minBits"},
        BadCase{"MinBitsAboveOpenSslLimit", "allowedKeys: [{algorithm: RSA, minBits: 32768}]\n",
                "allowedKeys[0].minBits"},
        BadCase{"ExpirationAboveInt32", "maxExpirationSeconds: 4294967296\n",
                "maxExpirationSeconds: must be between 0 and 2147483647"},
        BadCase{"ExpirationNegative", "maxExpirationSeconds: -1\n", "maxExpirationSeconds"},
        // Strict YAML (issue 10 #5): a repeated key is refused, never first- or last-wins.
        BadCase{"DuplicateTopLevelKey", "nodeNamePattern: \"worker-[0-9]+\"\nnodeNamePattern: \".*\"\n",
                "line 4, column 1: duplicate key \"nodeNamePattern\""},
        BadCase{"DuplicateNestedKey", "allowedKeys:\n- algorithm: RSA\n  minBits: 4096\n  minBits: 2048\n",
                "duplicate key \"minBits\""},
        BadCase{"DuplicateMetadataName", "metadata:\n  name: a\n  name: b\n", "duplicate key \"name\""},
        BadCase{"AliasBomb",
                "metadata: {name: x}\nx0: &a0 [l, l, l, l, l, l, l, l, l, l]\nx1: &a1 [*a0, *a0, *a0, *a0, "
                "*a0, *a0, *a0, *a0, *a0, *a0]\n"
                "x2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\nx3: &a3 [*a2, *a2, *a2, *a2, "
                "*a2, *a2, *a2, *a2, *a2, *a2]\n"
                "x4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\nx5: &a5 [*a4, *a4, *a4, *a4, "
                "*a4, *a4, *a4, *a4, *a4, *a4]\n"
                "x6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]\n",
                "anchors and aliases multiply"},
        BadCase{"DeeplyNested", std::string(200, '[') + std::string(200, ']') + "\n", "nesting deeper than",
                false},
        BadCase{"TwoDocuments", "---\napiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n",
                "YAML documents"},
        // RE2 syntax: no backreferences or lookarounds (they are what makes matching exponential).
        BadCase{"BackreferencePattern", "nodeNamePattern: \"(a)\\\\1\"\n", "nodeNamePattern"},
        BadCase{"LookaheadPattern", "nodeNamePattern: \"(?!master).*\"\n", "nodeNamePattern"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(PolicyConfigTest, LoadFileReportsMissingFile) {
  EXPECT_THAT(LoadPolicyFile("/nonexistent/policy.yaml"),
              StatusIs(StatusCode::kNotFound, HasSubstr("--policy-file")));
}

TEST(PolicyConfigTest, LoadFileAnnotatesPath) {
  char dir[] = "/tmp/jg-policy-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/policy.yaml";
  { std::ofstream(path) << kHeader << "mode: nope\n"; }
  EXPECT_THAT(LoadPolicyFile(path), StatusIs(StatusCode::kInvalidArgument, HasSubstr(path)));
  std::remove(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace joinguard::controller::policy
