// gtest matchers that name the expected status code (after abseil's status_matchers).
//   EXPECT_THAT(DoIt(), IsOk());
//   EXPECT_THAT(Parse(junk), StatusIs(StatusCode::kInvalidArgument));
//   EXPECT_THAT(Parse(junk), StatusIs(StatusCode::kInvalidArgument, HasSubstr("PEM")));
//   ASSERT_OK_AND_ASSIGN(auto key, GenerateKey(...));
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/status.h"

namespace joinguard::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
Status GetStatus(const StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  Status s = ::joinguard::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + std::string(::joinguard::StatusCodeName(code))) {
  Status s = ::joinguard::testing::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + std::string(::joinguard::StatusCodeName(code))) {
  Status s = ::joinguard::testing::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code && ::testing::ExplainMatchResult(message_matcher, s.message(), result_listener);
}

}  // namespace joinguard::testing

#define JG_TESTING_CONCAT_INNER_(a, b) a##b
#define JG_TESTING_CONCAT_(a, b) JG_TESTING_CONCAT_INNER_(a, b)
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::joinguard::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::joinguard::testing::IsOk())
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(JG_TESTING_CONCAT_(jg_test_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                  \
  auto tmp = (expr);                                                \
  ASSERT_TRUE(tmp.ok()) << "status is " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
