#include "common/crypto/pin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/vectors.h"

namespace joinguard::crypto {
namespace {

namespace vectors = ::joinguard::testing::vectors;
using ::joinguard::testing::StatusIs;

constexpr char kTestCertPin[] = "sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3";
constexpr char kTestCert2Pin[] = "sha256:d1ef16989563fe7775f81a7dc55ce16a467ca9baedae2d081cb0a068b6a81971";

class PinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(cert1_, Certificate::FromPem(vectors::kV5TestCertPem));
    ASSERT_OK_AND_ASSIGN(cert2_, Certificate::FromPem(vectors::kV5TestCert2Pem));
  }
  Certificate cert1_{X509Ptr()};
  Certificate cert2_{X509Ptr()};
};

TEST_F(PinTest, HashesMatchKubeadm) {
  EXPECT_EQ(SpkiPin(cert1_), kTestCertPin);
  EXPECT_EQ(SpkiPin(cert2_), kTestCert2Pin);
  EXPECT_EQ(SpkiPinFromDer(cert1_.SpkiDer()), kTestCertPin);
}

// V5 TestSet, step by step.
TEST_F(PinTest, SetBehaviourFromPubkeypinTest) {
  PinSet s;
  EXPECT_TRUE(s.Empty());
  EXPECT_THAT(s.Allow("xyz"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(s.Empty());
  EXPECT_THAT(s.Allow("0011223344"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(s.Empty());
  EXPECT_THAT(s.Allow(std::string(kTestCertPin) + kTestCertPin), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(s.Empty());
  EXPECT_THAT(s.CheckAny({cert1_}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_OK(s.Allow("SHA256:345959ACB2C3B2FEB87D281961C893F62A314207EF02599F1CC4A5FB255480B3"));
  EXPECT_FALSE(s.Empty());
  EXPECT_OK(s.CheckAny({cert1_}));
  EXPECT_OK(s.Check(cert1_));
  EXPECT_THAT(s.CheckAny({cert2_}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_OK(s.CheckAny({cert2_, cert1_}));  // any match is enough
}

TEST_F(PinTest, ErrorTextsMatchKubeadm) {
  PinSet s;
  EXPECT_THAT(s.Allow("xyz"),
              StatusIs(StatusCode::kInvalidArgument,
                       R"(invalid hash, expected "format:hex-value". Known format(s) are: sha256)"));
  EXPECT_THAT(s.Allow("md5:0011"), StatusIs(StatusCode::kInvalidArgument,
                                            R"(unknown hash format "md5". Known format(s) are: sha256)"));
  EXPECT_THAT(s.Allow("sha256:0011"),
              StatusIs(StatusCode::kInvalidArgument,
                       R"(invalid hash "sha256:0011", expected a 32 byte SHA-256 hash, found 2 bytes)"));
  const std::string bad_hex = "sha256:" + std::string(63, 'a') + "g";
  EXPECT_THAT(s.Allow(bad_hex),
              StatusIs(StatusCode::kInvalidArgument,
                       "invalid hash \"" + bad_hex +
                           "\", could not decode SHA-256 from hex: encoding/hex: invalid byte: "
                           "U+0067 'g'"));
  const std::string odd = "sha256:" + std::string(65, 'a');
  EXPECT_THAT(s.Allow(odd), StatusIs(StatusCode::kInvalidArgument,
                                     "invalid hash \"" + odd +
                                         "\", could not decode SHA-256 from hex: encoding/hex: "
                                         "odd length hex string"));
  EXPECT_TRUE(s.Empty());
  ASSERT_OK(s.Allow(kTestCert2Pin));
  EXPECT_THAT(s.CheckAny({cert1_}),
              StatusIs(StatusCode::kFailedPrecondition,
                       std::string("none of the public keys \"") + kTestCertPin + "\" are pinned"));
  PinSet empty;
  EXPECT_THAT(
      empty.CheckAny({cert1_, cert1_}),
      StatusIs(StatusCode::kFailedPrecondition, std::string("none of the public keys \"") + kTestCertPin +
                                                    ":" + kTestCertPin + "\" are pinned"));
}

TEST_F(PinTest, AllowList) {
  PinSet s;
  EXPECT_OK(s.Allow(std::vector<std::string>{kTestCertPin, kTestCert2Pin}));
  EXPECT_OK(s.Check(cert1_));
  EXPECT_OK(s.Check(cert2_));
  PinSet t;
  EXPECT_THAT(t.Allow(std::vector<std::string>{kTestCertPin, "bogus"}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(PinVectorTest, V10KeyFixture) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::FromPem(vectors::kV10EcKeyPem));
  ASSERT_OK_AND_ASSIGN(std::string spki, key.PublicKeySpkiDer());
  EXPECT_EQ(SpkiPinFromDer(spki), "sha256:27589bd9838dd2202a91b17dd2e9b026daf61bba25e1ecfc501080a449b442a2");
}

}  // namespace
}  // namespace joinguard::crypto
