// Hostile API JSON (issue 10): every integer is range-checked in its own Go type, wrongly typed,
// truncated, deeply nested or oversized JSON gives a clean Status naming the problem, never an
// exception, a crash or a truncated value.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/objects.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::kube {
namespace {

using ::testing::HasSubstr;

struct DecodeCase {
  std::string name;
  std::string json;          // a CertificateSigningRequest / Lease / Event / Status document
  std::string kind;          // which decoder
  bool ok;                   // decodes cleanly
  std::string error_substr;  // when !ok: part of the message
};

Status DecodeAs(const std::string& kind, const Json& j) {
  if (kind == "csr") return Decode<CertificateSigningRequest>(j).status();
  if (kind == "lease") return Decode<Lease>(j).status();
  if (kind == "event") return Decode<Event>(j).status();
  if (kind == "status") return Decode<ApiStatus>(j).status();
  if (kind == "node") return Decode<Node>(j).status();
  return InternalError("unknown kind " + kind);
}

class HostileDecode : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(HostileDecode, CleanStatusNeverAThrow) {
  const DecodeCase& c = GetParam();
  StatusOr<Json> j = ParseJson(c.json);
  Status s = j.ok() ? DecodeAs(c.kind, *j) : j.status();
  if (c.ok) {
    EXPECT_OK(s);
  } else {
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(s.message(), HasSubstr(c.error_substr)) << s;
  }
}

const char kCsrHead[] = R"({"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest",)"
                        R"("metadata":{"name":"x"},"spec":{"signerName":"s",)";

INSTANTIATE_TEST_SUITE_P(
    Table, HostileDecode,
    ::testing::Values(
        // int32 fields: spec.expirationSeconds (kubernetes/api certificates/v1 types.go).
        DecodeCase{"ExpirationMaxInt32", std::string(kCsrHead) + R"("expirationSeconds":2147483647}})", "csr",
                   true, ""},
        DecodeCase{"ExpirationOverInt32", std::string(kCsrHead) + R"("expirationSeconds":2147483648}})",
                   "csr", false, "spec.expirationSeconds: 2147483648 is out of range for an int32"},
        DecodeCase{"Expiration2Pow32", std::string(kCsrHead) + R"("expirationSeconds":4294967296}})", "csr",
                   false, "out of range for an int32"},
        DecodeCase{"ExpirationUint64Max",
                   std::string(kCsrHead) + R"("expirationSeconds":18446744073709551615}})", "csr", false,
                   "out of range"},
        DecodeCase{"ExpirationBelowInt32", std::string(kCsrHead) + R"("expirationSeconds":-2147483649}})",
                   "csr", false, "out of range"},
        DecodeCase{"ExpirationFraction", std::string(kCsrHead) + R"("expirationSeconds":600.5}})", "csr",
                   false, "spec.expirationSeconds: expected an integer"},
        DecodeCase{"ExpirationExponent", std::string(kCsrHead) + R"("expirationSeconds":1e3}})", "csr", false,
                   "expected an integer"},
        DecodeCase{"ExpirationString", std::string(kCsrHead) + R"("expirationSeconds":"600"}})", "csr", false,
                   "expected an integer"},
        DecodeCase{"ExpirationNullIsUnset", std::string(kCsrHead) + R"("expirationSeconds":null}})", "csr",
                   true, ""},
        // Lease int32 fields.
        DecodeCase{"LeaseDurationOverflow",
                   R"({"metadata":{"name":"l"},"spec":{"leaseDurationSeconds":99999999999}})", "lease", false,
                   "spec.leaseDurationSeconds: 99999999999 is out of range for an int32"},
        DecodeCase{"LeaseTransitionsNegativeOverflow",
                   R"({"metadata":{"name":"l"},"spec":{"leaseTransitions":-99999999999}})", "lease", false,
                   "out of range"},
        DecodeCase{"LeaseHolderNumber", R"({"metadata":{"name":"l"},"spec":{"holderIdentity":7}})", "lease",
                   false, "spec.holderIdentity: expected a string"},
        // Event.count and Status.code are int32 too.
        DecodeCase{"EventCountOverflow", R"({"metadata":{"name":"e"},"count":4294967297})", "event", false,
                   "count: 4294967297 is out of range"},
        DecodeCase{"StatusCodeOverflow", R"({"kind":"Status","code":4294967296})", "status", false,
                   "code: 4294967296 is out of range"},
        DecodeCase{"StatusRetryAfterBool", R"({"kind":"Status","details":{"retryAfterSeconds":true}})",
                   "status", false, "details.retryAfterSeconds: expected an integer"},
        // Wrong types at every level.
        DecodeCase{"TopLevelArray", R"([1,2,3])", "csr", false, "expected a JSON object"},
        DecodeCase{"MetadataString", R"({"metadata":"x"})", "csr", false, "metadata: expected a JSON object"},
        DecodeCase{"NameNumber", R"({"metadata":{"name":5}})", "csr", false,
                   "metadata.name: expected a string"},
        DecodeCase{"LabelsArray", R"({"metadata":{"labels":["a"]}})", "csr", false, "metadata.labels"},
        DecodeCase{"LabelValueObject", R"({"metadata":{"labels":{"a":{}}}})", "csr", false,
                   "metadata.labels.a"},
        DecodeCase{"UsagesString", std::string(kCsrHead) + R"("usages":"client auth"}})", "csr", false,
                   "spec.usages: expected an array of strings"},
        DecodeCase{"GroupsMixed", std::string(kCsrHead) + R"("groups":["a",1]}})", "csr", false,
                   "spec.groups"},
        DecodeCase{"ExtraNotList", std::string(kCsrHead) + R"("extra":{"k":"v"}}})", "csr", false,
                   "spec.extra.k"},
        DecodeCase{"RequestNotBase64", std::string(kCsrHead) + R"("request":"%%%"}})", "csr", false,
                   "spec.request: invalid base64"},
        DecodeCase{"ConditionsObject", R"({"status":{"conditions":{}}})", "csr", false,
                   "status.conditions: expected an array"},
        DecodeCase{"ConditionNotObject", R"({"status":{"conditions":[7]}})", "csr", false,
                   "status.conditions[0]: expected a JSON object"},
        DecodeCase{"ConditionTimeGarbage",
                   R"({"status":{"conditions":[{"type":"Approved","lastUpdateTime":"yesterday"}]}})", "csr",
                   false, "status.conditions[0].lastUpdateTime"},
        DecodeCase{"CreationTimestampNumber", R"({"metadata":{"creationTimestamp":12}})", "csr", false,
                   "metadata.creationTimestamp"},
        DecodeCase{"NodeAddressNotObject", R"({"status":{"addresses":["10.0.0.1"]}})", "node", false,
                   "status.addresses[0]: expected a JSON object"},
        DecodeCase{"StatusCauseNotObject", R"({"kind":"Status","details":{"causes":["x"]}})", "status", false,
                   "details.causes[0]: expected a JSON object"},
        // Truncated and malformed text.
        DecodeCase{"Truncated", std::string(kCsrHead) + R"("usages":["client a)", "csr", false,
                   "invalid JSON"},
        DecodeCase{"Empty", "", "csr", false, "invalid JSON"},
        DecodeCase{"TrailingGarbage", R"({"metadata":{}} x)", "csr", false, "invalid JSON"},
        DecodeCase{"NulByte", std::string("{\"metadata\":{\"name\":\"a\0b\"}}", 27), "csr", false,
                   "invalid JSON"},
        DecodeCase{"LoneSurrogate", R"({"metadata":{"name":"\ud800"}})", "csr", false, "invalid JSON"},
        DecodeCase{"BracketsInStringsDoNotCount", R"({"metadata":{"name":"[[[[[[[[[[[[{{{{{{{{{{{{\"]]]]"}})",
                   "csr", true, ""}),
    [](const ::testing::TestParamInfo<DecodeCase>& i) { return i.param.name; });

TEST(HostileJson, FiftyMegabytesIsRefusedCleanly) {
  std::string big = R"({"metadata":{"name":"x","annotations":{"a":")";
  big.append(50u << 20, 'a');
  big += R"("}}})";
  StatusOr<Json> j = ParseJson(big);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(j.status().message(), HasSubstr("over the"));
  EXPECT_THAT(j.status().message(), HasSubstr("byte limit"));
}

TEST(HostileJson, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  StatusOr<Json> j = ParseJson(deep);
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("nested deeper than"));
  // Just inside the limit parses.
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_OK(ParseJson(ok).status());
}

TEST(HostileJson, ListItemsOfTheWrongTypeAreErrorsNotCrashes) {
  StatusOr<Json> j = ParseJson(R"({"metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":3}}]})");
  ASSERT_OK(j.status());
  auto list = DecodeList<CertificateSigningRequest>(*j);
  EXPECT_FALSE(list.ok());
}

}  // namespace
}  // namespace joinguard::kube
