#include "common/crypto/jws.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "common/crypto/cert.h"
#include "common/crypto/encoding.h"
#include "common/crypto/pin.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/vectors.h"

namespace joinguard::crypto {
namespace {

namespace vectors = ::joinguard::testing::vectors;
using vectors::kV3CaPem;
using vectors::kV3Kubeconfig;
using vectors::kV4CaPem;
using vectors::kV4Kubeconfig;

constexpr char kV1Content[] = "Hello from the other side. I must have called a thousand times.";

struct JwsCase {
  std::string name;
  std::string content;
  std::string id;
  std::string secret;
  std::string expected;
  friend void PrintTo(const JwsCase& c, std::ostream* os) { *os << c.name; }
};

class JwsVectorTest : public ::testing::TestWithParam<JwsCase> {};

INSTANTIATE_TEST_SUITE_P(
    Vectors, JwsVectorTest,
    ::testing::Values(
        // V1 (cluster-bootstrap jws_test.go)
        JwsCase{"V1a", kV1Content, "joshua", "my voice is my passcode",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8"},
        JwsCase{"V1b", "", "joshua", "my voice is my passcode",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk"},
        JwsCase{"V1c", kV1Content, "joshua", "",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8"},
        // V1c with a zero-padded 32-byte key gives the same MAC (HMAC pads keys anyway).
        JwsCase{"V1cZeroPadded", kV1Content, "joshua", std::string(32, '\0'),
                "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8"},
        // V2 (bootstrapsigner_test.go)
        JwsCase{"V2", "payload", "abc123", "tokenSecret",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiYzEyMyJ9..QSxpUG7Q542CirTI2ECPSZjvBOJURUW5a7XqFpNI958"},
        // V3 (kubeadm dry-run cluster-info)
        JwsCase{"V3", kV3Kubeconfig, "abcdef", "abcdef0123456789",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..rh3cVKiU2mdt3CqHzC81sNE-4WQLRHMtXduHWfSbrIM"},
        // V4 (token discovery testdata, derived)
        JwsCase{"V4", kV4Kubeconfig, "123456", "abcdef1234567890",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEyMzQ1NiJ9..ULkT4gQHyrWDuzDzcZQH9Ep0vBc8i1iRZXHQUF6otRo"}),
    [](const ::testing::TestParamInfo<JwsCase>& info) { return info.param.name; });

TEST_P(JwsVectorTest, ComputesAndValidates) {
  const JwsCase& c = GetParam();
  EXPECT_EQ(ComputeDetachedJws(c.content, c.id, c.secret), c.expected);
  EXPECT_TRUE(DetachedJwsIsValid(c.expected, c.content, c.id, c.secret));
  EXPECT_FALSE(DetachedJwsIsValid(c.expected + "foo", c.content, c.id, c.secret));
  EXPECT_FALSE(DetachedJwsIsValid(c.expected, c.content + "\n", c.id, c.secret));
  EXPECT_FALSE(DetachedJwsIsValid(c.expected, c.content, c.id, c.secret + "x"));
  EXPECT_FALSE(DetachedJwsIsValid(c.expected, c.content, "zzzzzz", c.secret));
  EXPECT_FALSE(DetachedJwsIsValid("", c.content, c.id, c.secret));
}

TEST(JwsTest, HeaderShape) {
  const std::string jws = ComputeDetachedJws("x", "abcdef", "0123456789abcdef");
  const size_t dots = jws.find("..");
  ASSERT_NE(dots, std::string::npos);
  EXPECT_EQ(dots, 40u);  // a 6-character kid always gives a 40-character header
  EXPECT_EQ(jws.size() - dots - 2, 43u);
  ASSERT_OK_AND_ASSIGN(std::string header, Base64UrlDecode(jws.substr(0, dots)));
  EXPECT_EQ(header, R"({"alg":"HS256","kid":"abcdef"})");
}

std::string ExtractCaData(const std::string& kubeconfig) {
  std::smatch m;
  static const std::regex re("certificate-authority-data: ([A-Za-z0-9+/=]+)\n");
  if (!std::regex_search(kubeconfig, m, re)) return {};
  return m[1];
}

TEST(DiscoveryVectorTest, V3ClusterInfo) {
  ASSERT_EQ(kV3Kubeconfig.size(), 1655u);
  ASSERT_OK_AND_ASSIGN(std::string ca_pem, Base64Decode(ExtractCaData(kV3Kubeconfig)));
  EXPECT_EQ(ca_pem, kV3CaPem);
  ASSERT_OK_AND_ASSIGN(Certificate ca, Certificate::FromPem(ca_pem));
  EXPECT_EQ(SpkiPin(ca), "sha256:3b793efefe27a19f93b0fbe6e637e9c41d0dde8a377d6ab1c0f656bf1136dd8a");
  PinSet pins;
  ASSERT_OK(pins.Allow("sha256:3b793efefe27a19f93b0fbe6e637e9c41d0dde8a377d6ab1c0f656bf1136dd8a"));
  ASSERT_OK_AND_ASSIGN(auto bundle, ParseCertificatesPem(ca_pem));
  EXPECT_OK(pins.CheckAny(bundle));
}

TEST(DiscoveryVectorTest, V4TokenDiscovery) {
  ASSERT_EQ(kV4CaPem.size(), 1024u);
  ASSERT_EQ(kV4Kubeconfig.size(), 1686u);
  EXPECT_EQ(HexEncode(Sha256(kV4Kubeconfig)),
            "b6ee3bbf76bd8cb4b11dede829817a8bf303c08d0e3fbac0bc04baeb4e7381fb");
  ASSERT_OK_AND_ASSIGN(std::string ca_pem, Base64Decode(ExtractCaData(kV4Kubeconfig)));
  EXPECT_EQ(ca_pem, kV4CaPem);  // no trailing LF inside the embedded PEM
  ASSERT_OK_AND_ASSIGN(Certificate ca, Certificate::FromPem(ca_pem));
  EXPECT_EQ(SpkiPin(ca), "sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658");
  // The "wrong JWS" row of TestRetrieveValidatedConfigInfo.
  EXPECT_FALSE(DetachedJwsIsValid("bar", "foo", "123456", "abcdef1234567890"));
}

}  // namespace
}  // namespace joinguard::crypto
