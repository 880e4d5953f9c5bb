#include "common/crypto/encoding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/testing/status_matchers.h"

namespace joinguard::crypto {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

struct B64Case {
  std::string plain;
  std::string std_b64;
  std::string url_b64;
  friend void PrintTo(const B64Case& c, std::ostream* os) { *os << c.std_b64; }
};

class Base64VectorTest : public ::testing::TestWithParam<B64Case> {};

// RFC 4648 section 10, plus bytes that differ between the two alphabets.
INSTANTIATE_TEST_SUITE_P(
    Rfc4648, Base64VectorTest,
    ::testing::Values(B64Case{"", "", ""}, B64Case{"f", "Zg==", "Zg"}, B64Case{"fo", "Zm8=", "Zm8"},
                      B64Case{"foo", "Zm9v", "Zm9v"}, B64Case{"foob", "Zm9vYg==", "Zm9vYg"},
                      B64Case{"fooba", "Zm9vYmE=", "Zm9vYmE"}, B64Case{"foobar", "Zm9vYmFy", "Zm9vYmFy"},
                      B64Case{std::string("\xfb\xff\xbf", 3), "+/+/", "-_-_"}),
    [](const ::testing::TestParamInfo<B64Case>& info) {
      return "len" + std::to_string(info.param.plain.size()) + "_" + std::to_string(info.index);
    });

TEST_P(Base64VectorTest, EncodesAndDecodes) {
  const B64Case& c = GetParam();
  EXPECT_EQ(Base64Encode(c.plain), c.std_b64);
  EXPECT_EQ(Base64UrlEncode(c.plain), c.url_b64);
  ASSERT_OK_AND_ASSIGN(std::string std_plain, Base64Decode(c.std_b64));
  EXPECT_EQ(std_plain, c.plain);
  ASSERT_OK_AND_ASSIGN(std::string url_plain, Base64UrlDecode(c.url_b64));
  EXPECT_EQ(url_plain, c.plain);
  // Base64UrlDecode also accepts the padded form.
  std::string padded = c.url_b64;
  while (padded.size() % 4 != 0) padded += '=';
  ASSERT_OK_AND_ASSIGN(std::string url_padded_plain, Base64UrlDecode(padded));
  EXPECT_EQ(url_padded_plain, c.plain);
}

TEST(Base64Test, StrictDecodingRejectsJunkAndBadPadding) {
  for (const char* bad :
       {"Zg", "Zg=", "Z", "Zm9v!", "Zg==Zg==", "Zg===", "Zm9v=", "-_-_", "Zm 9v", "====", "Z==="}) {
    EXPECT_THAT(Base64Decode(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  for (const char* bad : {"+/+/", "Z", "Zg===", "Zm9v!", "Zm9v="}) {
    EXPECT_THAT(Base64UrlDecode(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(Base64Test, IgnoresLineBreaksLikeGo) {
  ASSERT_OK_AND_ASSIGN(std::string plain, Base64Decode("Zm9v\r\nYmFy\n"));
  EXPECT_EQ(plain, "foobar");
}

TEST(Base64Test, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t len = 0; len <= all.size(); len += 17) {
    std::string in = all.substr(0, len);
    ASSERT_OK_AND_ASSIGN(std::string a, Base64Decode(Base64Encode(in)));
    EXPECT_EQ(a, in);
    ASSERT_OK_AND_ASSIGN(std::string b, Base64UrlDecode(Base64UrlEncode(in)));
    EXPECT_EQ(b, in);
  }
}

TEST(HexTest, EncodeDecode) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  ASSERT_OK_AND_ASSIGN(std::string lower, HexDecode("0001abff"));
  EXPECT_EQ(lower, std::string("\x00\x01\xab\xff", 4));
  ASSERT_OK_AND_ASSIGN(std::string upper, HexDecode("0001ABFF"));
  EXPECT_EQ(upper, lower);
  EXPECT_THAT(HexDecode("abc"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("odd length")));
  EXPECT_THAT(HexDecode("zz"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid byte")));
  // Like Go, an invalid byte is reported before an odd length.
  EXPECT_THAT(HexDecode("abz"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid byte")));
}

TEST(DigestTest, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-4 SHA-512/256 (not a truncated SHA-512).
  EXPECT_EQ(HexEncode(Sha512_256("abc")), "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Empty key and empty data are legal.
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqualsTest, ComparesBytes) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomBytesTest, LengthAndVariety) {
  ASSERT_OK_AND_ASSIGN(std::string empty, RandomBytes(0));
  EXPECT_TRUE(empty.empty());
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string r, RandomBytes(16));
    EXPECT_EQ(r.size(), 16u);
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(GoQuoteTest, MatchesStrconvQuote) {
  EXPECT_EQ(GoQuote("abc"), "\"abc\"");
  EXPECT_EQ(GoQuote(""), "\"\"");
  EXPECT_EQ(GoQuote(R"(\A([a-z0-9]{6})\z)"), R"("\\A([a-z0-9]{6})\\z")");
  EXPECT_EQ(GoQuote("a\"b"), R"("a\"b")");
  EXPECT_EQ(GoQuote("a\nb\t\x01"), R"("a\nb\t\x01")");
  EXPECT_EQ(GoQuote("\xff"), R"("\xff")");
  EXPECT_EQ(GoQuote("h\xc3\xa9llo"), "\"h\xc3\xa9llo\"");  // printable UTF-8 is kept
  EXPECT_EQ(GoQuote("\x7f"), R"("\x7f")");
  EXPECT_EQ(GoQuote("a\xc2\xa0"
                    "b"),
            R"("a\u00a0b")");                                      // NBSP is not IsPrint
  EXPECT_EQ(GoQuote("\xe2\x80\x8b"), R"("\u200b")");               // zero-width space
  EXPECT_EQ(GoQuote("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");  // emoji is printable
}

}  // namespace
}  // namespace joinguard::crypto
