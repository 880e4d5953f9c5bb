#include "common/crypto/token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/testing/status_matchers.h"

namespace joinguard::crypto {
namespace {

using ::joinguard::testing::StatusIs;

// V6: cluster-bootstrap helpers_test.go and kubeadm bootstraptoken/v1 utils_test.go.
const std::vector<std::string> kValidTokens = {"abcdef.1234567890123456", "123456.aabbccddeeffgghh",
                                               "abcdef.abcdef0123456789", "123456.1234560123456789"};
const std::vector<std::string> kInvalidTokens = {
    "", ".", "1234567890123456789012", "12345.1234567890123456", ".1234567890123456", "123456.",
    "123456:1234567890.123456", "abcdef:1234567890123456", "Abcdef.1234567890123456",
    "123456.AABBCCDDEEFFGGHH", "123456.AABBCCD-EEFFGGHH", "abc*ef.1234567890123456",
    "ABCDEF.abcdef0123456789",
    // \A...\z semantics: no trailing newline, nothing around the token.
    "abcdef.1234567890123456\n", " abcdef.1234567890123456", "abcdef.1234567890123456 ",
    "abcdef.12345678901234567", "abcdef..1234567890123456", std::string("abcdef.123456789012345\0", 23)};

TEST(BootstrapTokenTest, ValidTokensParse) {
  for (const auto& t : kValidTokens) {
    EXPECT_TRUE(IsValidBootstrapToken(t)) << t;
    ASSERT_OK_AND_ASSIGN(BootstrapToken parsed, ParseBootstrapToken(t));
    EXPECT_EQ(parsed.ToString(), t);
  }
  ASSERT_OK_AND_ASSIGN(BootstrapToken p, ParseBootstrapToken("abcdef.1234567890123456"));
  EXPECT_EQ(p.id, "abcdef");
  EXPECT_EQ(p.secret, "1234567890123456");
}

TEST(BootstrapTokenTest, InvalidTokensAreRejected) {
  for (const auto& t : kInvalidTokens) {
    EXPECT_FALSE(IsValidBootstrapToken(t)) << t;
    EXPECT_THAT(ParseBootstrapToken(t), StatusIs(StatusCode::kInvalidArgument)) << t;
  }
}

TEST(BootstrapTokenTest, ErrorTextMatchesKubeadmButRedactsTheSecret) {
  // kubeadm: fmt.Errorf("the bootstrap token %q was not of the form %q", token, pattern); we
  // redact the part after the '.', since a mistyped token is still mostly a secret.
  EXPECT_THAT(ParseBootstrapToken("abcdef.0123456789ABCDEF"),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::AllOf(::testing::HasSubstr("\"abcdef.<redacted>\""),
                                        ::testing::Not(::testing::HasSubstr("0123456789")))));
  EXPECT_THAT(ParseBootstrapToken("nodot0123456789"),
              StatusIs(StatusCode::kInvalidArgument, ::testing::Not(::testing::HasSubstr("0123456789"))));
  EXPECT_THAT(
      ParseBootstrapToken("foo.bar"),
      StatusIs(
          StatusCode::kInvalidArgument,
          R"(the bootstrap token "foo.<redacted>" was not of the form "\\A([a-z0-9]{6})\\.([a-z0-9]{16})\\z")"));
}

TEST(BootstrapTokenTest, TokenIds) {
  for (const char* id : {"abcdef", "123456"}) EXPECT_TRUE(IsValidBootstrapTokenId(id)) << id;
  for (const char* id : {"", "1234567890123456789012", "12345", "Abcdef", "ABCDEF", "abcdef.", "abcdef\n"}) {
    EXPECT_FALSE(IsValidBootstrapTokenId(id)) << id;
  }
}

TEST(BootstrapTokenTest, IdSecretPairs) {
  const std::vector<std::pair<std::string, std::string>> invalid = {{"", ""},
                                                                    {"1234567890123456789012", ""},
                                                                    {"12345", "1234567890123456"},
                                                                    {"", "1234567890123456"},
                                                                    {"123456", ""},
                                                                    {"Abcdef", "1234567890123456"},
                                                                    {"123456", "AABBCCDDEEFFGGHH"},
                                                                    {"123456", "AABBCCD-EEFFGGHH"},
                                                                    {"abc*ef", "1234567890123456"}};
  const std::vector<std::pair<std::string, std::string>> valid = {{"abcdef", "1234567890123456"},
                                                                  {"123456", "aabbccddeeffgghh"},
                                                                  {"abcdef", "abcdef0123456789"},
                                                                  {"123456", "1234560123456789"}};
  for (const auto& [id, secret] : invalid) {
    EXPECT_FALSE(IsValidBootstrapToken(id + "." + secret)) << id << "." << secret;
  }
  for (const auto& [id, secret] : valid) {
    BootstrapToken t{id, secret};
    EXPECT_TRUE(IsValidBootstrapToken(t.ToString())) << t.ToString();
  }
  EXPECT_EQ((BootstrapToken{"foo", "bar"}).ToString(), "foo.bar");
  EXPECT_EQ((BootstrapToken{"h", "b"}).ToString(), "h.b");
}

TEST(BootstrapTokenTest, ExtraGroups) {
  for (const char* g :
       {"system:bootstrappers:foo", "system:bootstrappers:foo:bar:baz", "system:bootstrappers:foo-bar-42"}) {
    EXPECT_TRUE(IsValidBootstrapGroup(g)) << g;
  }
  for (const std::string& g :
       {std::string("system:bootstrappers:Foo"), std::string("foo"), std::string("system:bootstrappers:"),
        std::string("system:bootstrappers: "), std::string("system:bootstrappers:*"),
        std::string("system:bootstrappers:foo:"), std::string("system:bootstrappers:foo-"),
        std::string(R"(system:bootstrappers:<script> alert("scary?!") </script>)"),
        "system:bootstrappers:" + std::string(300, 'x'), std::string("system:bootstrappers"),
        std::string("system:bootstrappers:foo\n")}) {
    EXPECT_FALSE(IsValidBootstrapGroup(g)) << g;
  }
  // Length bound of [a-z0-9:-]{0,255}[a-z0-9]: 256 characters after the prefix, not 257.
  EXPECT_TRUE(IsValidBootstrapGroup("system:bootstrappers:" + std::string(256, 'x')));
  EXPECT_FALSE(IsValidBootstrapGroup("system:bootstrappers:" + std::string(257, 'x')));
}

TEST(BootstrapTokenTest, GeneratedTokensAreValidUniqueAndUseTheWholeAlphabet) {
  std::set<std::string> seen;
  std::map<char, int> counts;
  for (int i = 0; i < 400; ++i) {
    ASSERT_OK_AND_ASSIGN(BootstrapToken t, GenerateBootstrapToken());
    EXPECT_TRUE(IsValidBootstrapToken(t.ToString())) << t.id;
    seen.insert(t.ToString());
    for (char c : t.id + t.secret) counts[c]++;
  }
  EXPECT_EQ(seen.size(), 400u);
  // 8800 draws over 36 symbols: every symbol appears, none wildly over-represented.
  EXPECT_EQ(counts.size(), 36u);
  for (const auto& [c, n] : counts) {
    EXPECT_GT(n, 150) << c;
    EXPECT_LT(n, 350) << c;
  }
}

TEST(BootstrapTokenTest, RedactToken) {
  EXPECT_EQ(RedactToken("abcdef.1234567890123456"), "abcdef.<redacted>");
  EXPECT_EQ(RedactToken("abcdef.ABCDEF"), "<invalid token>");
  EXPECT_EQ(RedactToken(""), "<invalid token>");
  EXPECT_EQ(RedactToken("abcdef.1234567890123456").find("1234567890123456"), std::string::npos);
}

}  // namespace
}  // namespace joinguard::crypto
