// Process-wide settings of the HTTP client: the thread pool is sized once, before it is first
// used; the system CA file can be skipped when every connection trusts an explicit CA.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <optional>
#include <string>

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

// The variable set is the one OpenSSL reads for its default CA file, and it names no file.
TEST(SystemCaFile, SkipPointsOpenSslsDefaultFileAtNothing) {
  const char* name = X509_get_default_cert_file_env();
  const char* before = std::getenv(name);
  std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
  SkipSystemCaFileLoad();
  const char* now = std::getenv(name);
  ASSERT_NE(now, nullptr) << name << " is not set";
  EXPECT_STREQ(now, "/dev/null");
  if (saved) {
    setenv(name, saved->c_str(), 1);
  } else {
    unsetenv(name);
  }
}

}  // namespace
}  // namespace joinguard::kube
