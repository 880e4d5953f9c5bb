#include "common/crypto/pem.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace joinguard::crypto {
namespace {

TEST(PemTest, EncodeWraps64Columns) {
  std::string der(100, 'x');
  std::string pem = PemEncode("CERTIFICATE", der);
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_THAT(pem, ::testing::EndsWith("-----END CERTIFICATE-----\n"));
  // 100 bytes -> 136 base64 chars -> lines of 64, 64, 8.
  size_t first_nl = pem.find('\n');
  size_t second_nl = pem.find('\n', first_nl + 1);
  EXPECT_EQ(second_nl - first_nl - 1, 64u);
  auto block = PemDecode(pem);
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->type, "CERTIFICATE");
  EXPECT_EQ(block->bytes, der);
  EXPECT_TRUE(block->headers.empty());
}

TEST(PemTest, SkipsLeadingTextAndReturnsRest) {
  std::string text = "junk before\n" + PemEncode("A", "one") + "middle\n" + PemEncode("B", "two") + "tail";
  std::string_view rest;
  auto a = PemDecode(text, &rest);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->type, "A");
  EXPECT_EQ(a->bytes, "one");
  auto b = PemDecode(rest, &rest);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->type, "B");
  EXPECT_EQ(rest, "tail");
  EXPECT_FALSE(PemDecode(rest, &rest).has_value());
}

TEST(PemTest, HeadersAreReported) {
  std::string text =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
      "b25l\n-----END RSA PRIVATE KEY-----\n";
  auto block = PemDecode(text);
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->headers.size(), 2u);
  EXPECT_EQ(block->headers["Proc-Type"], "4,ENCRYPTED");
  EXPECT_EQ(block->bytes, "one");
}

TEST(PemTest, MalformedBlocksAreSkippedAsGoDoes) {
  // Mismatched END type, bad base64 and a missing END are skipped; the good block is found.
  std::string text =
      "-----BEGIN A-----\nb25l\n-----END B-----\n"
      "-----BEGIN C-----\n!!!!\n-----END C-----\n" +
      PemEncode("GOOD", "two") + "-----BEGIN D-----\nb25l\n";
  auto blocks = PemDecodeAll(text);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].type, "GOOD");
  EXPECT_EQ(blocks[0].bytes, "two");
}

TEST(PemTest, NoBlocks) {
  EXPECT_FALSE(PemDecode("").has_value());
  EXPECT_FALSE(PemDecode(std::string(1 << 20, 'A')).has_value());
  EXPECT_FALSE(PemDecode("-----BEGIN X-----").has_value());
  EXPECT_TRUE(PemDecodeAll("-----BEGIN X-----\n").empty());
}

TEST(PemTest, CrLfAndEmptyBlock) {
  auto block = PemDecode("-----BEGIN A-----\r\nb25l\r\n-----END A-----\r\n");
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->bytes, "one");
  auto empty = PemDecode("-----BEGIN E-----\n-----END E-----\n");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->bytes, "");
  EXPECT_TRUE(IsPemWhitespace(" \r\n\t"));
  EXPECT_FALSE(IsPemWhitespace(" x "));
}

}  // namespace
}  // namespace joinguard::crypto
