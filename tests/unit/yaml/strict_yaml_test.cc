// Tables of accepted and refused YAML for the strict loader.
#include "common/yaml/strict_yaml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/status_matchers.h"

namespace joinguard::yaml {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "[";
  for (int i = 0; i < depth; ++i) s += "]";
  return s;
}

std::string NestedBlock(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += std::string(2 * i, ' ') + "k" + std::to_string(i) + ":\n";
  s += std::string(2 * depth, ' ') + "leaf: 1\n";
  return s;
}

// The "billion laughs" of YAML: each level repeats the previous one ten times.
std::string AliasBomb(int levels) {
  std::string s = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < levels; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    s += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) s += (j ? ", " : "") + prev;
    s += "]\n";
  }
  return s;
}

struct RefusedCase {
  std::string name;
  std::string yaml;
  std::string message;  // a substring the error must contain
};

class StrictYamlRefusedTest : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(StrictYamlRefusedTest, RefusedWithLineAndFix) {
  const RefusedCase& c = GetParam();
  StatusOr<YAML::Node> got = LoadStrictYaml(c.yaml, "test input");
  EXPECT_THAT(got,
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("test input: "), HasSubstr(c.message))));
}

INSTANTIATE_TEST_SUITE_P(
    Table, StrictYamlRefusedTest,
    ::testing::Values(
        RefusedCase{"TopLevelDuplicate", "a: 1\nb: 2\na: 3\n",
                    "line 3, column 1: duplicate key \"a\" (first defined at line 1)"},
        RefusedCase{"NestedDuplicate", "spec:\n  x:\n    y: 1\n    y: 2\n",
                    "line 4, column 5: duplicate key \"y\" (first defined at line 3)"},
        RefusedCase{"DuplicateInsideSequenceItem", "l:\n- n: 1\n  n: 2\n",
                    "line 3, column 3: duplicate key \"n\""},
        RefusedCase{"QuotedAndPlainAreTheSameKey", "a: 1\n\"a\": 2\n", "duplicate key \"a\""},
        RefusedCase{"FlowMappingDuplicate", "m: {a: 1, a: 2}\n", "duplicate key \"a\""},
        RefusedCase{"DuplicateNullKey", "~: 1\nnull: 2\n", "line 2, column 1: duplicate key null"},
        RefusedCase{"DuplicateViaAliasKey", "x: &k name\nm:\n  name: 1\n  *k : 2\n",
                    "duplicate key \"name\""},
        RefusedCase{"ControlCharsShownEscaped", "\"a\\tb\": 1\n\"a\\tb\": 2\n", "duplicate key \"a\\x09b\""},
        RefusedCase{"ComplexKey", "? [a, b]\n: 1\n", "cannot be a mapping key"},
        RefusedCase{"MergeKey", "base: &b {x: 1}\nm:\n  <<: *b\n", "merge keys (<<) are not supported"},
        RefusedCase{"RecursiveAlias", "a: &a [1, *a]\n", "refers to a node that encloses it"},
        RefusedCase{"AliasBomb", AliasBomb(9), "nodes (anchors and aliases multiply)"},
        RefusedCase{"TooManyAliases",
                    "a: &a x\nl: [" +
                        [] {
                          std::string s;
                          for (int i = 0; i < 300; ++i) s += (i ? ",*a" : "*a");
                          return s;
                        }() +
                        "]\n",
                    "more than 256 aliases"},
        RefusedCase{"DeepFlowNesting", Nested(100000), "nesting deeper than 64 levels"},
        RefusedCase{"DeepBlockNesting", NestedBlock(70), "nesting deeper than 64 levels"},
        RefusedCase{"Oversized", std::string(5u << 20, '#'), "more than the limit of 4194304 bytes"},
        RefusedCase{"TwoDocuments", "a: 1\n---\nb: 2\n", "holds 2 YAML documents"},
        RefusedCase{"SyntaxErrorHasLine", "a: 1\nb: [1, 2\n", "not valid YAML"},
        RefusedCase{"UnknownAlias", "a: *nope\n", "not valid YAML"},
        RefusedCase{"TabIndentation", "a:\n\tb: 1\n", "not valid YAML"}),
    [](const auto& info) { return info.param.name; });

struct AcceptedCase {
  std::string name;
  std::string yaml;
};

class StrictYamlAcceptedTest : public ::testing::TestWithParam<AcceptedCase> {};

TEST_P(StrictYamlAcceptedTest, Loads) { EXPECT_THAT(LoadStrictYaml(GetParam().yaml, "t"), IsOk()); }

INSTANTIATE_TEST_SUITE_P(
    Table, StrictYamlAcceptedTest,
    ::testing::Values(AcceptedCase{"Empty", ""}, AcceptedCase{"CommentOnly", "# nothing\n"},
                      AcceptedCase{"SameKeyInSiblingMaps", "a: {x: 1}\nb: {x: 2}\nl:\n- x: 1\n- x: 2\n"},
                      AcceptedCase{"NullAndEmptyStringKeysDiffer", "~: 1\n\"\": 2\n"},
                      AcceptedCase{"QuotedMergeKeyIsAString", "\"<<\": 1\n"},
                      AcceptedCase{"ModestAliases", "a: &a {x: 1}\nb: *a\nc: *a\n"},
                      AcceptedCase{"DocumentMarkers", "---\na: 1\n...\n"},
                      AcceptedCase{"Depth64", Nested(63)}),
    [](const auto& info) { return info.param.name; });

TEST(StrictYamlTest, ReturnsTheTree) {
  ASSERT_OK_AND_ASSIGN(YAML::Node n, LoadStrictYaml("a:\n  b: [1, 2]\n", "t"));
  EXPECT_EQ(n["a"]["b"][1].as<int>(), 2);
}

TEST(StrictYamlTest, EmptyIsNull) {
  ASSERT_OK_AND_ASSIGN(YAML::Node n, LoadStrictYaml("", "t"));
  EXPECT_TRUE(n.IsNull());
}

TEST(StrictYamlTest, LoadAllReturnsEveryDocumentAndChecksEach) {
  ASSERT_OK_AND_ASSIGN(auto docs, LoadAllStrictYaml("a: 1\n---\nb: 2\n---\nc: 3\n", "t"));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[2]["c"].as<int>(), 3);
  EXPECT_THAT(LoadAllStrictYaml("a: 1\n---\nb: 2\nb: 3\n", "t"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("line 4, column 1: duplicate key \"b\"")));
}

TEST(StrictYamlTest, DuplicateKeysInDifferentDocumentsAreFine) {
  EXPECT_THAT(LoadAllStrictYaml("a: 1\n---\na: 2\n", "t"), IsOk());
}

TEST(StrictYamlTest, DocumentCountIsLimited) {
  std::string s;
  for (int i = 0; i < 40; ++i) s += "---\na: 1\n";
  EXPECT_THAT(LoadAllStrictYaml(s, "t"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("more than 32 YAML documents")));
}

TEST(StrictYamlTest, LimitsAreConfigurable) {
  StrictYamlLimits limits;
  limits.max_depth = 2;
  EXPECT_THAT(LoadStrictYaml("a: {b: 1}\n", "t", limits), IsOk());
  EXPECT_THAT(LoadStrictYaml("a: {b: {c: 1}}\n", "t", limits),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("nesting deeper than 2")));
  limits = {};
  limits.max_bytes = 4;
  EXPECT_THAT(LoadStrictYaml("a: 12\n", "t", limits), StatusIs(StatusCode::kInvalidArgument));
}

TEST(StrictYamlTest, AnchorBudgetIsPerDocument) {
  // Each document alone is within the alias budget.
  std::string doc = "a: &a x\nl: [*a, *a, *a]\n";
  std::string s;
  for (int i = 0; i < 30; ++i) s += "---\n" + doc;
  StrictYamlLimits limits;
  limits.max_aliases = 3;
  EXPECT_THAT(LoadAllStrictYaml(s, "t", limits), IsOk());
}

}  // namespace
}  // namespace joinguard::yaml
