// The hostile-input corpus, integers part: every integer joinguard reads from a policy file or
// from API JSON, given values outside its own type's range (or not integers at all). Each one
// must be refused with an error naming the field; none may be narrowed (4294967297 must not
// become 1 in an int32, 18446744073709551615 must not become -1 in an int64).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/grants/join_grant.h"
#include "common/kube/objects.h"
#include "controller/policy/policy.h"
#include "tests/testing/status_matchers.h"

namespace joinguard {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

struct IntCase {
  std::string name;
  std::string field;  // the error must name it
  std::function<Status()> parse;
};
std::ostream& operator<<(std::ostream& os, const IntCase& c) { return os << c.name; }

// Policy YAML scalars: beyond int32, beyond int64, negative, and not decimal integers.
const std::pair<const char*, const char*> kYamlValues[] = {
    {"TwoTo31", "2147483648"},
    {"TwoTo32PlusOne", "4294967297"},
    {"TwoTo63", "9223372036854775808"},
    {"TwoTo64Minus1", "18446744073709551615"},
    {"Negative", "-1"},
    {"Exponent", "1e3"},
    {"Hex", "0x10"},
    {"Fraction", "600.5"},
    {"PlusSign", "+600000"},
};

// {case name, field named in the error, policy body with X for the value}.
const std::tuple<const char*, const char*, const char*> kPolicyFields[] = {
    {"MaxExpiration", "maxExpirationSeconds", "maxExpirationSeconds: X"},
    {"MinBits", "allowedKeys[0].minBits", "allowedKeys: [{algorithm: RSA, minBits: X}]"},
    {"ServingMaxExpiration", "serving.maxExpirationSeconds", "serving: {maxExpirationSeconds: X}"},
    {"MaxApprovalsPerToken", "brakes.maxApprovalsPerToken", "brakes: {maxApprovalsPerToken: X}"},
    {"WindowSeconds", "brakes.windowSeconds", "brakes: {windowSeconds: X}"},
    {"MaxPendingPerRequester", "brakes.maxPendingPerRequester", "brakes: {maxPendingPerRequester: X}"},
};

// API JSON numbers: beyond int32 (as signed and as unsigned JSON numbers), beyond int64, and
// numbers that are not integers.
const std::pair<const char*, const char*> kJsonValues[] = {
    {"TwoTo31", "2147483648"},
    {"TwoTo32PlusOne", "4294967297"},
    {"TwoTo63", "9223372036854775808"},
    {"TwoTo64Minus1", "18446744073709551615"},
    {"BelowInt32", "-2147483649"},
    {"BelowInt64", "-9223372036854775809"},
    {"Exponent", "1e3"},
    {"Fraction", "1.5"},
    {"String", "\"7\""},
};

template <typename T>
std::function<Status()> DecodeWith(std::string json) {
  return [json] {
    auto j = kube::ParseJson(json);
    if (!j.ok()) return j.status();
    return kube::Decode<T>(*j).status();
  };
}

// {case name, field, decoder for a document with X for the value}.
const std::tuple<const char*, const char*, std::function<std::function<Status()>(std::string)>>
    kJsonFields[] = {
        {"CsrExpirationSeconds", "spec.expirationSeconds",
         [](std::string v) {
           return DecodeWith<kube::CertificateSigningRequest>(R"({"spec":{"expirationSeconds":)" + v + "}}");
         }},
        {"LeaseDurationSeconds", "spec.leaseDurationSeconds",
         [](std::string v) {
           return DecodeWith<kube::Lease>(R"({"spec":{"leaseDurationSeconds":)" + v + "}}");
         }},
        {"LeaseTransitions", "spec.leaseTransitions",
         [](std::string v) { return DecodeWith<kube::Lease>(R"({"spec":{"leaseTransitions":)" + v + "}}"); }},
        {"EventCount", "count",
         [](std::string v) { return DecodeWith<kube::Event>(R"({"count":)" + v + "}"); }},
        {"StatusCode", "code",
         [](std::string v) { return DecodeWith<kube::ApiStatus>(R"({"code":)" + v + "}"); }},
        {"StatusRetryAfter", "details.retryAfterSeconds",
         [](std::string v) {
           return DecodeWith<kube::ApiStatus>(R"({"details":{"retryAfterSeconds":)" + v + "}}");
         }},
        {"GrantMaxJoins", "spec.maxJoins",
         [](std::string v) { return DecodeWith<grants::JoinGrant>(R"({"spec":{"maxJoins":)" + v + "}}"); }},
        {"GrantJoins", "status.joins",
         [](std::string v) { return DecodeWith<grants::JoinGrant>(R"({"status":{"joins":)" + v + "}}"); }},
};

std::vector<IntCase> Cases() {
  std::vector<IntCase> out;
  for (const auto& [name, field, body] : kPolicyFields) {
    for (const auto& [vname, value] : kYamlValues) {
      std::string doc = std::string("apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n") + body + "\n";
      doc.replace(doc.find('X'), 1, value);
      out.push_back({std::string("Policy") + name + vname, field,
                     [doc] { return controller::policy::ParsePolicyYaml(doc).status(); }});
    }
  }
  for (const auto& [name, field, make] : kJsonFields) {
    for (const auto& [vname, value] : kJsonValues) {
      out.push_back({std::string("Json") + name + vname, field, make(value)});
    }
  }
  return out;
}

class HostileIntegerTest : public ::testing::TestWithParam<IntCase> {};

TEST_P(HostileIntegerTest, RefusedNamingTheField) {
  EXPECT_THAT(GetParam().parse(), StatusIs(StatusCode::kInvalidArgument, HasSubstr(GetParam().field)));
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileIntegerTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// The in-range neighbours are accepted, so the table above tests the range, not the syntax.
TEST(HostileIntegerTest, InRangeNeighboursAreAccepted) {
  auto p = controller::policy::ParsePolicyYaml(
      "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\nmaxExpirationSeconds: 2147483647\n"
      "serving: {maxExpirationSeconds: 2147483647}\n"
      "brakes: {maxApprovalsPerToken: 1000000, windowSeconds: 86400, maxPendingPerRequester: 0}\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->serving.max_expiration_seconds, 2147483647);
  EXPECT_EQ(p->brakes.max_approvals_per_token, 1000000);
  EXPECT_EQ(p->brakes.window_seconds, 86400);
  auto g = kube::Decode<grants::JoinGrant>(*kube::ParseJson(R"({"spec":{"maxJoins":2147483647}})"));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->spec.max_joins, 2147483647);
}

}  // namespace
}  // namespace joinguard
