#include "common/status/status.h"

#include <memory>
#include <string_view>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace joinguard {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

StatusOr<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("value must be positive");
  return v;
}

StatusOr<int> Doubled(int v) {
  JG_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status CheckBoth(int a, int b) {
  JG_RETURN_IF_ERROR(ParsePositive(a).status());
  JG_RETURN_IF_ERROR_CTX(ParsePositive(b).status(), "second value");
  return OkStatus();
}

TEST(StatusTest, OkHasNoMessage) {
  Status s(StatusCode::kOk, "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeMessageAndReason) {
  Status s = NotFoundError("csr \"x\" not found").WithReason("NotFound", 404);
  EXPECT_THAT(s, StatusIs(StatusCode::kNotFound, HasSubstr("not found")));
  EXPECT_EQ(s.reason(), "NotFound");
  EXPECT_EQ(s.http_status(), 404);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: csr \"x\" not found");
  Status a = s.Annotate("getting CSR");
  EXPECT_EQ(a.message(), "getting CSR: csr \"x\" not found");
  EXPECT_EQ(a.reason(), "NotFound");
}

TEST(StatusTest, MacrosPropagate) {
  EXPECT_THAT(Doubled(3), IsOk());
  EXPECT_EQ(*Doubled(3), 6);
  EXPECT_THAT(Doubled(-1), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckBoth(1, 1), IsOk());
  EXPECT_THAT(CheckBoth(-1, 1), StatusIs(StatusCode::kInvalidArgument, "value must be positive"));
  EXPECT_THAT(CheckBoth(1, -1),
              StatusIs(StatusCode::kInvalidArgument, "second value: value must be positive"));
}

TEST(StatusOrTest, HoldsMoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> p = std::make_unique<int>(7);
  ASSERT_THAT(p, IsOk());
  std::unique_ptr<int> v = std::move(p).value();
  EXPECT_EQ(*v, 7);
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternal) {
  StatusOr<int> s = OkStatus();
  EXPECT_THAT(s, StatusIs(StatusCode::kInternal));
}

TEST(StatusOrDeathTest, ValueOnErrorAborts) {
  StatusOr<int> s = UnavailableError("down");
  EXPECT_DEATH((void)s.value(), "down");
}

// Every code has its absl/gRPC name (common/text/enum_names.h reads them from one table in the
// enum's order); a value outside the enum has none.
TEST(StatusCodeNameTest, EveryCodeInOrder) {
  const std::vector<std::string_view> names = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  for (size_t code = 0; code < names.size(); ++code) {
    EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(code)), names[code]) << code;
  }
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(names.size())), "UNKNOWN_CODE");
  EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(-1)), "UNKNOWN_CODE");
}

}  // namespace
}  // namespace joinguard
