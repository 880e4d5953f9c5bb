// The startup refusal of policies that would approve insecurely (controller/policy/insecure.h).
#include "controller/policy/insecure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "tests/testing/status_matchers.h"

namespace joinguard::controller::policy {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

struct InsecureCase {
  std::string name;
  std::function<void(Policy&)> mutate;
  std::string field;  // "" = secure
};
std::ostream& operator<<(std::ostream& os, const InsecureCase& c) { return os << c.name; }

class InsecurePolicyTest : public ::testing::TestWithParam<InsecureCase> {};

TEST_P(InsecurePolicyTest, Classifies) {
  const InsecureCase& c = GetParam();
  Policy p = DefaultPolicy();
  c.mutate(p);
  std::vector<InsecureSetting> found = FindInsecureSettings(p);
  if (c.field.empty()) {
    EXPECT_TRUE(found.empty()) << DescribeInsecureSettings(found);
    EXPECT_THAT(CheckPolicyIsSecure(p, false), IsOk());
    return;
  }
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front().field, c.field);
  EXPECT_THAT(CheckPolicyIsSecure(p, false),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr(c.field), HasSubstr("--allow-insecure-policy"))));
  EXPECT_THAT(CheckPolicyIsSecure(p, true), IsOk());
}

void SetPattern(Policy& p, const std::string& pattern) { ASSERT_OK(SetNodeNamePattern(p, pattern)); }

INSTANTIATE_TEST_SUITE_P(
    Table, InsecurePolicyTest,
    ::testing::Values(
        InsecureCase{"Defaults", [](Policy&) {}, ""},
        InsecureCase{"TokenGroup",
                     [](Policy& p) { p.allowed_bootstrap_groups = {"system:bootstrappers:workers"}; }, ""},
        InsecureCase{"Authenticated",
                     [](Policy& p) { p.allowed_bootstrap_groups.push_back("system:authenticated"); },
                     "allowedBootstrapGroups[1]"},
        InsecureCase{"Unauthenticated",
                     [](Policy& p) { p.allowed_bootstrap_groups = {"system:unauthenticated"}; },
                     "allowedBootstrapGroups[0]"},
        InsecureCase{"ServiceAccounts",
                     [](Policy& p) { p.allowed_bootstrap_groups = {"system:serviceaccounts"}; },
                     "allowedBootstrapGroups[0]"},
        InsecureCase{"NamespaceServiceAccounts",
                     [](Policy& p) { p.allowed_bootstrap_groups = {"system:serviceaccounts:kube-system"}; },
                     "allowedBootstrapGroups[0]"},
        InsecureCase{"EveryToken", [](Policy& p) { p.allowed_bootstrap_groups = {"system:bootstrappers"}; },
                     "allowedBootstrapGroups[0]"},
        InsecureCase{"EmptyTokenGroupSuffix",
                     [](Policy& p) { p.allowed_bootstrap_groups = {"system:bootstrappers:"}; },
                     "allowedBootstrapGroups[0]"},
        InsecureCase{"AnyNameWithoutExistingNodeProtection", [](Policy& p) { p.deny_existing_node = false; },
                     "nodeNamePattern"},
        InsecureCase{"AnyNameSpelledDifferently",
                     [](Policy& p) {
                       p.deny_existing_node = false;
                       SetPattern(p, "[a-z0-9.-]+");
                     },
                     "nodeNamePattern"},
        InsecureCase{"AnyNameWithExistingNodeProtectionIsFine",
                     [](Policy& p) { SetPattern(p, "[a-z0-9.-]+"); }, ""},
        InsecureCase{"NarrowPatternWithoutExistingNodeProtectionIsFine",
                     [](Policy& p) {
                       p.deny_existing_node = false;
                       SetPattern(p, "worker-[0-9]+");
                     },
                     ""},
        InsecureCase{"WeakRsa", [](Policy& p) { p.allowed_keys[1].min_bits = 1024; },
                     "allowedKeys[1].minBits"},
        InsecureCase{"WeakCurve", [](Policy& p) { p.allowed_keys[0].curves.push_back("P-224"); },
                     "allowedKeys[0].curves"},
        InsecureCase{"UnknownKeyAlgorithm", [](Policy& p) { p.allowed_keys.push_back(KeyRule{}); },
                     "allowedKeys[2].algorithm"},
        InsecureCase{"ServerAuthUsage",
                     [](Policy& p) { p.allowed_usages[0].sets[0].push_back("server auth"); },
                     "allowedUsages[0]"},
        InsecureCase{"SanExtension", [](Policy& p) { p.allowed_extensions = {"2.5.29.17"}; },
                     "allowedExtensions[0]"},
        InsecureCase{"CaExtension",
                     [](Policy& p) {
                       p.allowed_extensions = {"1.2.3.4", "2.5.29.19"};
                     },
                     "allowedExtensions[1]"}),
    [](const ::testing::TestParamInfo<InsecureCase>& info) { return info.param.name; });

TEST(InsecurePolicyTest, ReachableFromAPolicyFile) {
  auto p = ParsePolicyYaml("apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\ndenyExistingNode: false\n");
  ASSERT_OK(p.status());
  EXPECT_THAT(
      CheckPolicyIsSecure(*p, false),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("matches any name while denyExistingNode is false")));
}

}  // namespace
}  // namespace joinguard::controller::policy
