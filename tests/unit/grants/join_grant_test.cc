// JoinGrant codec and validation: round trips, unknown-field preservation, hostile input, and a
// table of valid and invalid grants (every validation error has a case).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "common/grants/join_grant.h"
#include "common/grants/validation.h"
#include "common/kube/meta_time.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::grants {
namespace {

using kube::Json;
using ::testing::HasSubstr;

JoinGrant Sample() {
  JoinGrant g;
  g.metadata.name = "abcdef";
  g.spec.token_id = "abcdef";
  g.spec.node_names = {"worker-1", "worker-2"};
  g.spec.node_name_pattern = "gpu-[0-9]+";
  g.spec.max_joins = 2;
  g.spec.expires = *kube::ParseTime("2030-01-02T03:04:05Z");
  return g;
}

TEST(JoinGrantCodecTest, RoundTripsEveryField) {
  JoinGrant g = Sample();
  g.spec.allow_rejoin = true;
  g.status.joins = 1;
  g.status.joined_nodes = {"worker-1"};
  g.status.claims = {{"worker-1", "node-csr-x", "uid-1", *kube::ParseTime("2029-01-01T00:00:00Z")}};
  Json j = ToJson(g);
  EXPECT_EQ(j["apiVersion"], "joinguard.io/v1alpha1");
  EXPECT_EQ(j["kind"], "JoinGrant");
  EXPECT_EQ(j["spec"]["tokenID"], "abcdef");
  EXPECT_EQ(j["spec"]["expires"], "2030-01-02T03:04:05Z");
  EXPECT_EQ(j["status"]["claims"][0]["csrUID"], "uid-1");
  ASSERT_OK_AND_ASSIGN(JoinGrant back, kube::Decode<JoinGrant>(j));
  EXPECT_EQ(back.spec.node_names, g.spec.node_names);
  EXPECT_EQ(back.spec.node_name_pattern, g.spec.node_name_pattern);
  EXPECT_EQ(back.spec.max_joins, 2);
  EXPECT_TRUE(back.spec.allow_rejoin);
  EXPECT_EQ(back.spec.expires, g.spec.expires);
  EXPECT_EQ(back.status.joins, 1);
  EXPECT_EQ(back.status.joined_nodes, g.status.joined_nodes);
  ASSERT_EQ(back.status.claims.size(), 1u);
  EXPECT_EQ(back.status.claims[0].csr_name, "node-csr-x");
  EXPECT_EQ(back.status.claims[0].at, g.status.claims[0].at);
}

TEST(JoinGrantCodecTest, DefaultsWhenFieldsAreAbsent) {
  ASSERT_OK_AND_ASSIGN(
      JoinGrant g,
      kube::Decode<JoinGrant>(Json::parse(
          R"({"apiVersion":"joinguard.io/v1alpha1","kind":"JoinGrant","metadata":{"name":"abcdef"},
          "spec":{"tokenID":"abcdef","nodeNames":["a"]}})")));
  EXPECT_EQ(g.spec.max_joins, kDefaultMaxJoins);
  EXPECT_FALSE(g.spec.allow_rejoin);
  EXPECT_FALSE(g.spec.expires.has_value());
  EXPECT_EQ(g.status.joins, 0);
  EXPECT_EQ(g.RemainingJoins(), 1);
}

TEST(JoinGrantCodecTest, KeepsUnknownFieldsOnReadModifyWrite) {
  Json in = Json::parse(R"({"apiVersion":"joinguard.io/v1alpha1","kind":"JoinGrant",
      "metadata":{"name":"abcdef","resourceVersion":"7","managedFields":[{"manager":"kubectl"}]},
      "spec":{"tokenID":"abcdef","nodeNames":["a"],"futureField":3},
      "status":{"joins":0,"futureStatus":"x"}})");
  ASSERT_OK_AND_ASSIGN(JoinGrant g, kube::Decode<JoinGrant>(in));
  g.status.joins = 1;
  g.status.joined_nodes = {"a"};
  Json out = ToJson(g);
  EXPECT_EQ(out["metadata"]["managedFields"][0]["manager"], "kubectl");
  EXPECT_EQ(out["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(out["spec"]["futureField"], 3);
  EXPECT_EQ(out["status"]["futureStatus"], "x");
  EXPECT_EQ(out["status"]["joins"], 1);
  EXPECT_EQ(out["status"]["joinedNodes"][0], "a");
}

TEST(JoinGrantCodecTest, RemovedListsDisappear) {
  JoinGrant g = Sample();
  g.status.joins = 1;
  g.status.joined_nodes = {"worker-1"};
  g.status.claims = {{"worker-1", "c", "u", std::nullopt}};
  ASSERT_OK_AND_ASSIGN(JoinGrant back, kube::Decode<JoinGrant>(ToJson(g)));
  back.status = JoinGrantStatus{};
  Json out = ToJson(back);
  EXPECT_EQ(out["status"]["joins"], 0);
  EXPECT_FALSE(out["status"].contains("claims"));
  EXPECT_FALSE(out["status"].contains("joinedNodes"));
}

struct BadJson {
  const char* name;
  const char* json;
  const char* field;
};

TEST(JoinGrantCodecTest, WrongTypesNameTheField) {
  const BadJson kCases[] = {
      {"SpecNotObject", R"({"spec":[]})", "spec"},
      {"TokenIdNumber", R"({"spec":{"tokenID":5}})", "spec.tokenID"},
      {"NodeNamesNotArray", R"({"spec":{"nodeNames":"a"}})", "spec.nodeNames"},
      {"NodeNamesMixed", R"({"spec":{"nodeNames":["a",1]}})", "spec.nodeNames"},
      {"MaxJoinsString", R"({"spec":{"maxJoins":"1"}})", "spec.maxJoins"},
      {"MaxJoinsHuge", R"({"spec":{"maxJoins":99999999999}})", "spec.maxJoins"},
      // Integers are range-checked in their own type (int32), never narrowed: 2^32+1 is not 1,
      // and 2^64-1 (a JSON unsigned) is not -1.
      {"MaxJoinsTwoToThe32PlusOne", R"({"spec":{"maxJoins":4294967297}})", "spec.maxJoins"},
      {"MaxJoinsUint64Max", R"({"spec":{"maxJoins":18446744073709551615}})", "spec.maxJoins"},
      {"MaxJoinsExponent", R"({"spec":{"maxJoins":1e3}})", "spec.maxJoins"},
      {"JoinsAboveInt32", R"({"status":{"joins":2147483648}})", "status.joins"},
      {"JoinsUint64Max", R"({"status":{"joins":18446744073709551615}})", "status.joins"},
      {"JoinsBelowInt32", R"({"status":{"joins":-2147483649}})", "status.joins"},
      {"StatusNotObject", R"({"status":"x"})", "status"},
      {"ExpiresJunk", R"({"spec":{"expires":"tomorrow"}})", "spec.expires"},
      {"AllowRejoinString", R"({"spec":{"allowRejoin":"yes"}})", "spec.allowRejoin"},
      {"JoinsFloat", R"({"status":{"joins":1.5}})", "status.joins"},
      {"ClaimsNotArray", R"({"status":{"claims":{}}})", "status.claims"},
      {"ClaimNotObject", R"({"status":{"claims":["x"]}})", "status.claims[0]"},
  };
  for (const BadJson& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(kube::Decode<JoinGrant>(Json::parse(c.json)).status(),
                testing::StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
  EXPECT_THAT(kube::Decode<JoinGrant>(Json::array()).status(),
              testing::StatusIs(StatusCode::kInvalidArgument));
}

struct ValidationCase {
  std::string name;
  std::function<void(JoinGrant&)> mutate;
  std::string error;  // "" = valid; else a substring of the error
};
std::ostream& operator<<(std::ostream& os, const ValidationCase& c) { return os << c.name; }

class ValidationTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(ValidationTest, Validates) {
  JoinGrant g = Sample();
  GetParam().mutate(g);
  Status s = ValidateJoinGrant(g);
  if (GetParam().error.empty()) {
    EXPECT_OK(s);
  } else {
    EXPECT_THAT(s, testing::StatusIs(StatusCode::kInvalidArgument, HasSubstr(GetParam().error)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidationTest,
    ::testing::Values(
        ValidationCase{"Sample", [](JoinGrant&) {}, ""},
        ValidationCase{"NamesOnly", [](JoinGrant& g) { g.spec.node_name_pattern.clear(); }, ""},
        ValidationCase{"PatternOnly", [](JoinGrant& g) { g.spec.node_names.clear(); }, ""},
        ValidationCase{"NoExpiry", [](JoinGrant& g) { g.spec.expires.reset(); }, ""},
        ValidationCase{"BadTokenId", [](JoinGrant& g) { g.spec.token_id = g.metadata.name = "ABCDEF"; },
                       "spec.tokenID"},
        ValidationCase{"TokenIdTooLong", [](JoinGrant& g) { g.spec.token_id = g.metadata.name = "abcdefg"; },
                       "spec.tokenID"},
        ValidationCase{"NameDiffersFromTokenId", [](JoinGrant& g) { g.metadata.name = "zzzzzz"; },
                       "metadata.name"},
        ValidationCase{"NoNamesNoPattern",
                       [](JoinGrant& g) {
                         g.spec.node_names.clear();
                         g.spec.node_name_pattern.clear();
                       },
                       "spec.nodeNamePattern, or both"},
        ValidationCase{"UpperCaseName", [](JoinGrant& g) { g.spec.node_names = {"Worker-1"}; },
                       "spec.nodeNames[0]"},
        ValidationCase{"EmptyName",
                       [](JoinGrant& g) {
                         g.spec.node_names = {"ok", ""};
                       },
                       "spec.nodeNames[1]"},
        ValidationCase{"NameTooLong", [](JoinGrant& g) { g.spec.node_names = {std::string(254, 'a')}; },
                       "spec.nodeNames[0]"},
        ValidationCase{"DuplicateName",
                       [](JoinGrant& g) {
                         g.spec.node_names = {"a", "a"};
                       },
                       "duplicate"},
        ValidationCase{"TooManyNames",
                       [](JoinGrant& g) {
                         g.spec.node_names.clear();
                         for (size_t i = 0; i <= kMaxNodeNames; ++i)
                           g.spec.node_names.push_back("n" + std::to_string(i));
                       },
                       "spec.nodeNames"},
        ValidationCase{"NegativeJoins", [](JoinGrant& g) { g.status.joins = -1; }, "status.joins"},
        ValidationCase{"PatternDoesNotCompile", [](JoinGrant& g) { g.spec.node_name_pattern = "worker-("; },
                       "not a valid RE2"},
        ValidationCase{"PatternWithBackreference", [](JoinGrant& g) { g.spec.node_name_pattern = "(a)\\1"; },
                       "not a valid RE2"},
        ValidationCase{
            "PatternTooLong",
            [](JoinGrant& g) { g.spec.node_name_pattern = std::string(kMaxPatternLength + 1, 'a'); },
            "longer than"},
        ValidationCase{"PatternProgramTooBig",
                       [](JoinGrant& g) { g.spec.node_name_pattern = "((a{100}){100}){100}"; },
                       "not a valid RE2"},
        ValidationCase{"ZeroMaxJoins", [](JoinGrant& g) { g.spec.max_joins = 0; }, "spec.maxJoins"},
        ValidationCase{"NegativeMaxJoins", [](JoinGrant& g) { g.spec.max_joins = -3; }, "spec.maxJoins"}),
    [](const auto& info) { return info.param.name; });

TEST(NameMatcherTest, ExactNamesAndFullMatchPattern) {
  ASSERT_OK_AND_ASSIGN(NameMatcher m, NameMatcher::Create(Sample().spec));
  EXPECT_TRUE(m.Covers("worker-1"));
  EXPECT_TRUE(m.Covers("worker-2"));
  EXPECT_FALSE(m.Covers("worker-3"));
  EXPECT_TRUE(m.Covers("gpu-17"));
  // The pattern must match the whole name, not a substring.
  EXPECT_FALSE(m.Covers("gpu-17.evil"));
  EXPECT_FALSE(m.Covers("xgpu-17"));
  EXPECT_FALSE(m.Covers(""));
}

TEST(NameMatcherTest, NoPatternCoversOnlyTheList) {
  JoinGrantSpec s;
  s.node_names = {"worker-1"};
  ASSERT_OK_AND_ASSIGN(NameMatcher m, NameMatcher::Create(s));
  EXPECT_TRUE(m.Covers("worker-1"));
  EXPECT_FALSE(m.Covers("worker-10"));
  EXPECT_FALSE(m.Covers("worker-"));
}

TEST(NameMatcherTest, PathologicalPatternStaysLinear) {
  // (a+)+$ is the classic catastrophic-backtracking pattern for backtracking engines; RE2
  // answers in linear time. A regression to std::regex would hang here, not fail quickly.
  JoinGrantSpec s;
  s.node_name_pattern = "(a+)+b";
  ASSERT_OK_AND_ASSIGN(NameMatcher m, NameMatcher::Create(s));
  EXPECT_FALSE(m.Covers(std::string(5000, 'a') + "c"));
}

TEST(ExpiryTest, ExpiresAtTheInstant) {
  JoinGrant g = Sample();
  EXPECT_FALSE(IsExpired(g, *g.spec.expires - std::chrono::seconds(1)));
  EXPECT_TRUE(IsExpired(g, *g.spec.expires));
  g.spec.expires.reset();
  EXPECT_FALSE(IsExpired(g, kube::Time::max()));
}

TEST(Dns1123Test, Names) {
  EXPECT_TRUE(IsDns1123Subdomain("a"));
  EXPECT_TRUE(IsDns1123Subdomain("ip-10-0-0-1.ec2.internal"));
  EXPECT_TRUE(IsDns1123Subdomain(std::string(253, 'a')));
  EXPECT_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
  EXPECT_FALSE(IsDns1123Subdomain("-a"));
  EXPECT_FALSE(IsDns1123Subdomain("a-"));
  EXPECT_FALSE(IsDns1123Subdomain("a..b"));
  EXPECT_FALSE(IsDns1123Subdomain("a_b"));
  EXPECT_FALSE(IsDns1123Subdomain(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace joinguard::grants
