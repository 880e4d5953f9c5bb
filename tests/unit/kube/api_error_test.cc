#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/api_error.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/kube/test_util.h"

namespace joinguard::kube {
namespace {

struct Case {
  int http;
  const char* reason;
  StatusCode code;
  bool (*is)(const Status&);
};

class ApiErrorMapping : public ::testing::TestWithParam<Case> {};

TEST_P(ApiErrorMapping, MapsReasonAndCode) {
  const Case& c = GetParam();
  Json body = {{"kind", "Status"},    {"apiVersion", "v1"},          {"metadata", Json::object()},
               {"status", "Failure"}, {"message", "server says no"}, {"reason", c.reason},
               {"code", c.http}};
  Status s = StatusFromResponse(c.http, body.dump(), "GET /x");
  EXPECT_EQ(s.code(), c.code) << s;
  EXPECT_EQ(s.message(), "server says no");
  EXPECT_EQ(s.reason(), c.reason);
  EXPECT_EQ(s.http_status(), c.http);
  EXPECT_TRUE(c.is(s));
}

INSTANTIATE_TEST_SUITE_P(
    All, ApiErrorMapping,
    ::testing::Values(Case{404, "NotFound", StatusCode::kNotFound, IsNotFound},
                      Case{409, "AlreadyExists", StatusCode::kAlreadyExists, IsAlreadyExists},
                      Case{409, "Conflict", StatusCode::kAborted, IsConflict},
                      Case{410, "Gone", StatusCode::kOutOfRange, IsGone},
                      Case{410, "Expired", StatusCode::kOutOfRange, IsGone},
                      Case{403, "Forbidden", StatusCode::kPermissionDenied, IsForbidden},
                      Case{401, "Unauthorized", StatusCode::kUnauthenticated, IsUnauthorized},
                      Case{422, "Invalid", StatusCode::kInvalidArgument, IsInvalid},
                      Case{400, "BadRequest", StatusCode::kInvalidArgument, IsBadRequest},
                      Case{429, "TooManyRequests", StatusCode::kResourceExhausted, IsTooManyRequests},
                      Case{504, "Timeout", StatusCode::kDeadlineExceeded, IsServerTimeout},
                      Case{500, "ServerTimeout", StatusCode::kDeadlineExceeded, IsServerTimeout},
                      Case{503, "ServiceUnavailable", StatusCode::kUnavailable, IsRetryable}));

TEST(ApiError, NonStatusBodies) {
  Status s = StatusFromResponse(503, "upstream connect error", "GET /api/v1/nodes");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("GET /api/v1/nodes"));
  EXPECT_TRUE(IsRetryable(s));
  EXPECT_EQ(StatusFromResponse(404, "", "GET /x").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromResponse(429, "", "GET /x").code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(IsRetryable(StatusFromResponse(409, "", "PUT /x")));
  EXPECT_FALSE(IsRetryable(UnavailableError("tls").WithReason(std::string(kReasonTLSVerifyFailed))));
}

// Which failed writes may still have changed the cluster (the reconciler keeps a grant's use for
// those): a 4xx answer never; a 5xx, a timeout or a connection failure perhaps.
TEST(ApiError, MayHaveBeenApplied) {
  EXPECT_FALSE(MayHaveBeenApplied(OkStatus()));
  for (int refused : {400, 403, 404, 409, 422, 429})
    EXPECT_FALSE(MayHaveBeenApplied(StatusFromResponse(refused, "", "PUT /x"))) << refused;
  for (int server : {500, 503, 504})
    EXPECT_TRUE(MayHaveBeenApplied(StatusFromResponse(server, "", "PUT /x"))) << server;
  EXPECT_TRUE(MayHaveBeenApplied(DeadlineExceededError("no response within 30s")));
  EXPECT_TRUE(MayHaveBeenApplied(
      UnavailableError("connection reset").WithReason(std::string(kReasonConnectionFailed))));
  EXPECT_FALSE(MayHaveBeenApplied(UnavailableError("tls").WithReason(std::string(kReasonTLSVerifyFailed))));
}

TEST(ApiError, ExpiredWatchEvent) {
  ASSERT_OK_AND_ASSIGN(auto st, Decode<ApiStatus>(testutil::ReadGolden("status_expired.json")));
  Status s = StatusFromApiStatus(st);
  EXPECT_TRUE(IsGone(s));
  EXPECT_EQ(s.message(), "too old resource version: 123 (456)");
}

}  // namespace
}  // namespace joinguard::kube
