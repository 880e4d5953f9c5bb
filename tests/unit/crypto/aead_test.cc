#include "common/crypto/aead.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::crypto {
namespace {

using ::joinguard::testing::StatusIs;

std::string Hex(std::string_view h) { return HexDecode(h).value(); }

const std::string kKey = Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

// V9: kubeadm-certs layout nonce(12) || ciphertext || tag(16).
TEST(AesGcmTest, V9Layout) {
  ASSERT_OK_AND_ASSIGN(std::string sealed,
                       AesGcmSealWithNonceForTest(kKey, Hex("6465666768696a6b6c6d6e6f"), "cert-data"));
  EXPECT_EQ(HexEncode(sealed), "6465666768696a6b6c6d6e6f2b7eac12548d37ea5fd8c3c185abb180bd291c56cee9174a0c");
  EXPECT_EQ(sealed.size(), 37u);
  ASSERT_OK_AND_ASSIGN(std::string plain, AesGcmOpen(kKey, sealed));
  EXPECT_EQ(plain, "cert-data");
}

TEST(AesGcmTest, RoundTripWithRandomNonce) {
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.";
  ASSERT_OK_AND_ASSIGN(std::string a, AesGcmSeal(kKey, lorem));
  ASSERT_OK_AND_ASSIGN(std::string b, AesGcmSeal(kKey, lorem));
  EXPECT_NE(a.substr(0, 12), b.substr(0, 12));
  EXPECT_EQ(a.size(), 12 + lorem.size() + 16);
  ASSERT_OK_AND_ASSIGN(std::string pa, AesGcmOpen(kKey, a));
  EXPECT_EQ(pa, lorem);
  ASSERT_OK_AND_ASSIGN(std::string empty, AesGcmSeal(kKey, ""));
  ASSERT_OK_AND_ASSIGN(std::string pe, AesGcmOpen(kKey, empty));
  EXPECT_EQ(pe, "");
}

TEST(AesGcmTest, WrongOrEmptyKeyFails) {
  ASSERT_OK_AND_ASSIGN(std::string sealed, AesGcmSeal(kKey, "secret file"));
  ASSERT_OK_AND_ASSIGN(std::string other, RandomBytes(32));
  EXPECT_THAT(AesGcmOpen(other, sealed), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen("", sealed), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(AesGcmOpen(kKey.substr(0, 31), sealed), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(AesGcmSeal("", "x"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(AesGcmTest, TamperingAndShortInputFail) {
  ASSERT_OK_AND_ASSIGN(std::string sealed, AesGcmSeal(kKey, "secret file"));
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] ^= 0x01;
    EXPECT_THAT(AesGcmOpen(kKey, t), StatusIs(StatusCode::kDataLoss)) << "byte " << i;
  }
  EXPECT_THAT(AesGcmOpen(kKey, sealed.substr(0, sealed.size() - 1)), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen(kKey, sealed.substr(0, 20)), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen(kKey, "short"),
              StatusIs(StatusCode::kInvalidArgument, "size of data is less than the nonce"));
  EXPECT_THAT(AesGcmOpen(kKey, ""), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace joinguard::crypto
