// The HTTP client's thread pool is sized once per process, before it is first used.
#include <gtest/gtest.h>

#include "common/kube/http_transport.h"

namespace joinguard::kube {
namespace {

TEST(HttpClientThreads, OutOfRangeIsRefusedWithTheRange) {
  for (int bad : {0, -1, kMaxHttpClientThreads + 1}) {
    Status s = SetHttpClientThreads(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("between 1 and"), std::string::npos) << s.message();
  }
}

TEST(HttpClientThreads, TheSecondSizingIsRefused) {
  // The first call sizes the pool unless an earlier test already started it; either way the
  // pool exists afterwards and cannot be sized again.
  Status first = SetHttpClientThreads(4);
  EXPECT_TRUE(first.ok() || first.code() == StatusCode::kFailedPrecondition) << first.ToString();
  Status second = SetHttpClientThreads(4);
  EXPECT_EQ(second.code(), StatusCode::kFailedPrecondition) << second.ToString();
  EXPECT_NE(second.message().find("already running"), std::string::npos) << second.message();
}

}  // namespace
}  // namespace joinguard::kube
