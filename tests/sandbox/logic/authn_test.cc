#include "tests/sandbox/logic/authn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/bootstrap_signer.h"
#include "tests/sandbox/logic/test_support.h"
#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

json TokenSecret(const std::map<std::string, std::string>& data, const std::string& id = "abcdef") {
  json d = json::object();
  for (const auto& [k, v] : data) d[k] = crypto::Base64Encode(v);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "bootstrap-token-" + id}, {"namespace", "kube-system"}}},
          {"type", "bootstrap.kubernetes.io/token"},
          {"data", d}};
}

std::map<std::string, std::string> GoodData() {
  return {{"token-id", "abcdef"},
          {"token-secret", "0123456789abcdef"},
          {"usage-bootstrap-authentication", "true"},
          {"usage-bootstrap-signing", "true"},
          {"auth-extra-groups", "system:bootstrappers:kubeadm:default-node-token"},
          {"expiration", "2026-11-30T03:00:00Z"}};
}

class BootstrapTokenAuthTest : public ::testing::Test {
 protected:
  std::optional<UserInfo> Auth(const std::string& token, const json& secret) {
    requested_.clear();
    return AuthenticateBootstrapToken(
        token,
        [&](const std::string& name) -> std::optional<json> {
          requested_.push_back(name);
          if (secret.is_null()) return std::nullopt;
          return secret;
        },
        testing::FixedNow());
  }
  std::vector<std::string> requested_;
};

TEST_F(BootstrapTokenAuthTest, ValidTokenMapsToBootstrapUser) {
  auto user = Auth("abcdef.0123456789abcdef", TokenSecret(GoodData()));
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->name, "system:bootstrap:abcdef");
  EXPECT_THAT(user->groups,
              ElementsAre("system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                          "system:authenticated"));
  EXPECT_THAT(requested_, ElementsAre("bootstrap-token-abcdef"));
}

TEST_F(BootstrapTokenAuthTest, MalformedTokensAreIgnoredWithoutLookup) {
  for (const char* t : {"ABCDEF.0123456789abcdef", "abcdef.0123456789abcde", "abcdef0123456789abcdef",
                        "abcdef.0123456789abcdef ", "abcde.0123456789abcdeff", ""}) {
    EXPECT_FALSE(Auth(t, TokenSecret(GoodData())).has_value()) << t;
    EXPECT_TRUE(requested_.empty()) << t;
  }
}

TEST_F(BootstrapTokenAuthTest, RejectsMissingSecretWrongSecretAndWrongType) {
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", json()).has_value());
  EXPECT_FALSE(Auth("abcdef.0123456789abcdee", TokenSecret(GoodData())).has_value());
  json wrong_type = TokenSecret(GoodData());
  wrong_type["type"] = "Opaque";
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", wrong_type).has_value());
  json no_data = TokenSecret(GoodData());
  no_data.erase("data");
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", no_data).has_value());
  json terminating = TokenSecret(GoodData());
  terminating["metadata"]["deletionTimestamp"] = "2026-11-29T02:00:00Z";
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", terminating).has_value());
}

TEST_F(BootstrapTokenAuthTest, TokenIdDataMustMatch) {
  auto data = GoodData();
  data["token-id"] = "abcdeg";
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
  data.erase("token-id");
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
}

TEST_F(BootstrapTokenAuthTest, ExpiryRules) {
  auto data = GoodData();
  data["expiration"] = "2026-11-29T03:00:00Z";  // == now: remaining 0 → expired
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
  data["expiration"] = "2026-11-29T03:00:01Z";
  EXPECT_TRUE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
  data["expiration"] = "2026-11-29T04:00:00+02:00";  // 02:00Z: past
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
  data["expiration"] = "tomorrow";  // unparseable = expired
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
  data.erase("expiration");  // no key = never expires
  EXPECT_TRUE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
}

TEST_F(BootstrapTokenAuthTest, UsageMustBeExactlyTrue) {
  auto data = GoodData();
  for (const char* v : {"True", "yes", "1", "true ", ""}) {
    data["usage-bootstrap-authentication"] = v;
    EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value()) << v;
  }
  data.erase("usage-bootstrap-authentication");
  EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value());
}

TEST_F(BootstrapTokenAuthTest, ExtraGroupsValidatedSortedAndDeduplicated) {
  auto data = GoodData();
  data["auth-extra-groups"] = "system:bootstrappers:zz,system:bootstrappers:aa,system:bootstrappers:zz";
  auto user = Auth("abcdef.0123456789abcdef", TokenSecret(data));
  ASSERT_TRUE(user.has_value());
  EXPECT_THAT(user->groups, ElementsAre("system:bootstrappers", "system:bootstrappers:aa",
                                        "system:bootstrappers:zz", "system:authenticated"));
  for (const char* bad :
       {"system:masters", "system:bootstrappers:", "system:bootstrappers:a-", "system:bootstrappers:UP",
        "system:bootstrappers:ok,", "x,system:bootstrappers:ok"}) {
    data["auth-extra-groups"] = bad;
    EXPECT_FALSE(Auth("abcdef.0123456789abcdef", TokenSecret(data)).has_value()) << bad;
  }
  data.erase("auth-extra-groups");
  user = Auth("abcdef.0123456789abcdef", TokenSecret(data));
  ASSERT_TRUE(user.has_value());
  EXPECT_THAT(user->groups, ElementsAre("system:bootstrappers", "system:authenticated"));
}

TEST(UserTest, ClientCertServiceAccountAndAnonymous) {
  UserInfo admin = UserFromClientCert("kubernetes-admin", {"system:masters"});
  EXPECT_EQ(admin.name, "kubernetes-admin");
  EXPECT_THAT(admin.groups, ElementsAre("system:masters", "system:authenticated"));
  UserInfo sa = ServiceAccountUser("kube-system", "joinguard");
  EXPECT_EQ(sa.name, "system:serviceaccount:kube-system:joinguard");
  EXPECT_THAT(sa.groups, ElementsAre("system:serviceaccounts", "system:serviceaccounts:kube-system",
                                     "system:authenticated"));
  UserInfo anon = AnonymousUser();
  EXPECT_EQ(anon.name, "system:anonymous");
  EXPECT_THAT(anon.groups, ElementsAre("system:unauthenticated"));
  AddAuthenticatedGroup(anon);
  EXPECT_THAT(anon.groups, ElementsAre("system:unauthenticated"));
  UserInfo already = UserFromClientCert("x", {"system:authenticated"});
  EXPECT_THAT(already.groups, ElementsAre("system:authenticated"));
}

TEST(TokenCleanerTest, ExpiredPredicate) {
  auto now = testing::FixedNow();
  auto data = GoodData();
  EXPECT_FALSE(IsExpiredBootstrapTokenSecret(TokenSecret(data), now));
  data["expiration"] = "2026-11-29T02:59:59Z";
  EXPECT_TRUE(IsExpiredBootstrapTokenSecret(TokenSecret(data), now));
  data["expiration"] = "garbage";
  EXPECT_TRUE(IsExpiredBootstrapTokenSecret(TokenSecret(data), now));
  json opaque = TokenSecret(data);
  opaque["type"] = "Opaque";  // the cleaner only touches bootstrap token Secrets
  EXPECT_FALSE(IsExpiredBootstrapTokenSecret(opaque, now));
  data.erase("expiration");
  EXPECT_FALSE(IsExpiredBootstrapTokenSecret(TokenSecret(data), now));
}

TEST(TimeTest, Rfc3339RoundTripAndParsing) {
  auto now = testing::FixedNow();
  EXPECT_EQ(FormatRfc3339(now), "2026-11-29T03:00:00Z");
  EXPECT_EQ(ParseRfc3339("2026-11-29T03:00:00Z"), now);
  EXPECT_EQ(ParseRfc3339("2026-11-29T05:30:00+02:30"), now);
  EXPECT_EQ(ParseRfc3339("2026-11-29T03:00:00.5Z"), now + std::chrono::milliseconds(500));
  for (const char* bad : {"2026-11-29", "2026-11-29T03:00:00", "2026-02-30T00:00:00Z",
                          "2026-11-29T03:00:00Zjunk", "2026-11-29 03:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace joinguard::sandbox::logic
