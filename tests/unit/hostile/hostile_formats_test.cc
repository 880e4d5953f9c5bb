// The hostile-input corpus, formats part: what a joining node, a cluster-info ConfigMap, a
// kubeconfig, a kubeadm config, a policy file or an API response could contain. Every case
// must end in an error (kInvalidArgument naming the problem) or a refusal: no crash, no hang,
// no acceptance.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "common/crypto/jws.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/objects.h"
#include "controller/policy/policy.h"
#include "node-helper/config/join_configuration.h"
#include "node-helper/discovery/discovery.h"
#include "node-helper/discovery/token/token.h"
#include "tests/testing/status_matchers.h"

namespace joinguard {
namespace {

using ::joinguard::testing::StatusIs;

std::string B64(std::string_view s) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    for (int k2 = 18; k2 >= 0; k2 -= 6) out += k[(n >> k2) & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t n = uint8_t(s[i]) << 16;
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
  } else if (i + 2 == s.size()) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += k[(n >> 6) & 63];
  }
  return out;
}

// ---- Detached JWS of cluster-info ------------------------------------------------------------
constexpr std::string_view kContent = "apiVersion: v1\nkind: Config\n";
constexpr std::string_view kId = "abcdef";
constexpr std::string_view kSecret = "0123456789abcdef";

std::string Sig() {
  std::string good = crypto::ComputeDetachedJws(kContent, kId, kSecret);
  return good.substr(good.rfind('.') + 1);
}

struct JwsCase {
  std::string name;
  std::function<std::string()> jws;
};
std::ostream& operator<<(std::ostream& os, const JwsCase& c) { return os << c.name; }

class HostileJwsTest : public ::testing::TestWithParam<JwsCase> {};

TEST_P(HostileJwsTest, DoesNotVerify) {
  const std::string jws = GetParam().jws();
  EXPECT_FALSE(crypto::DetachedJwsIsValid(jws, kContent, kId, kSecret)) << jws;
  // And through token discovery's check of a cluster-info ConfigMap.
  kube::StringMap data{{"kubeconfig", std::string(kContent)}, {"jws-kubeconfig-abcdef", jws}};
  EXPECT_FALSE(node::discovery::token::ValidateClusterInfoToken(data, kId, kSecret).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, HostileJwsTest,
    ::testing::Values(
        JwsCase{"AlgNone", [] { return B64(R"({"alg":"none","kid":"abcdef"})") + ".."; }},
        JwsCase{"AlgNoneWithSignature",
                [] { return B64(R"({"alg":"none","kid":"abcdef"})") + ".." + Sig(); }},
        JwsCase{"ExtraHeaderField",
                [] { return B64(R"({"alg":"HS256","kid":"abcdef","jku":"https://x"})") + ".." + Sig(); }},
        JwsCase{"WrongKid", [] { return B64(R"({"alg":"HS256","kid":"zzzzzz"})") + ".." + Sig(); }},
        JwsCase{"HeaderWithPadding", [] { return B64(R"({"alg":"HS256","kid":"abcdef"})") + "=.." + Sig(); }},
        JwsCase{"SignatureWithPadding",
                [] { return crypto::ComputeDetachedJws(kContent, kId, kSecret) + "="; }},
        JwsCase{"StandardBase64Alphabet",
                [] {
                  std::string s = crypto::ComputeDetachedJws(kContent, kId, kSecret);
                  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
                  return s + (s == crypto::ComputeDetachedJws(kContent, kId, kSecret) ? "+" : "");
                }},
        JwsCase{"AttachedPayload",
                [] {
                  std::string s = crypto::ComputeDetachedJws(kContent, kId, kSecret);
                  return s.substr(0, s.find('.')) + "." + B64(kContent) + "." + Sig();
                }},
        JwsCase{"Truncated",
                [] {
                  std::string s = crypto::ComputeDetachedJws(kContent, kId, kSecret);
                  return s.substr(0, s.size() - 1);
                }},
        JwsCase{"Empty", [] { return std::string(); }},
        JwsCase{"Huge", [] { return std::string(1 << 20, 'A') + ".." + Sig(); }}),
    [](const auto& info) { return info.param.name; });

// ---- YAML documents: kubeconfig, JoinConfiguration, policy -----------------------------------
std::string AliasBomb() {
  std::string s = "x0: &a0 [l, l, l, l, l, l, l, l, l, l]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    s += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) s += (j ? ", " : "") + prev;
    s += "]\n";
  }
  return s;
}
std::string DeepNesting() { return "a: " + std::string(100000, '[') + std::string(100000, ']') + "\n"; }

struct YamlCase {
  std::string name;
  std::string text;
};
std::ostream& operator<<(std::ostream& os, const YamlCase& c) { return os << c.name; }

std::vector<YamlCase> YamlCases(const std::string& valid_head, const std::string& dup_key_doc) {
  return {
      {"Malformed", valid_head + "clusters: [unclosed\n"},
      {"NotAMapping", "- just\n- a list\n"},
      {"Binary", std::string("\x00\xff\xfe\x01", 4)},
      {"Huge", valid_head + "# " + std::string(8u << 20, 'x') + "\n"},
      {"DeeplyNested", valid_head + DeepNesting()},
      {"AliasBomb", valid_head + AliasBomb()},
      {"DuplicateKey", dup_key_doc},
  };
}

constexpr char kKubeconfigHead[] = "apiVersion: v1\nkind: Config\n";
constexpr char kKubeconfigDup[] = R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443
    server: https://attacker.example:6443
)";
constexpr char kJoinHead[] = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n";
constexpr char kJoinDup[] = R"(apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.0.0.1:6443
    token: abcdef.0123456789abcdef
    caCertHashes: [sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658]
    unsafeSkipCAVerification: false
    unsafeSkipCAVerification: true
)";
constexpr char kPolicyHead[] = "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n";
constexpr char kPolicyDup[] =
    "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\ndenyExistingNode: true\ndenyExistingNode: false\n";

class HostileKubeconfigTest : public ::testing::TestWithParam<YamlCase> {};
TEST_P(HostileKubeconfigTest, Refused) {
  EXPECT_THAT(kube::ParseKubeconfig(GetParam().text), StatusIs(StatusCode::kInvalidArgument));
}
INSTANTIATE_TEST_SUITE_P(Corpus, HostileKubeconfigTest,
                         ::testing::ValuesIn(YamlCases(kKubeconfigHead, kKubeconfigDup)),
                         [](const auto& info) { return info.param.name; });

class HostileJoinConfigurationTest : public ::testing::TestWithParam<YamlCase> {};
TEST_P(HostileJoinConfigurationTest, Refused) {
  std::vector<std::string> warnings;
  EXPECT_THAT(node::config::ParseJoinConfiguration(GetParam().text, &warnings),
              StatusIs(StatusCode::kInvalidArgument));
}
INSTANTIATE_TEST_SUITE_P(Corpus, HostileJoinConfigurationTest,
                         ::testing::ValuesIn(YamlCases(kJoinHead, kJoinDup)),
                         [](const auto& info) { return info.param.name; });

class HostilePolicyFileTest : public ::testing::TestWithParam<YamlCase> {};
TEST_P(HostilePolicyFileTest, Refused) {
  EXPECT_THAT(controller::policy::ParsePolicyYaml(GetParam().text), StatusIs(StatusCode::kInvalidArgument));
}
INSTANTIATE_TEST_SUITE_P(Corpus, HostilePolicyFileTest,
                         ::testing::ValuesIn(YamlCases(kPolicyHead, kPolicyDup)),
                         [](const auto& info) { return info.param.name; });

// ---- cluster-info contents -------------------------------------------------------------------
constexpr char kNotACert[] =
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";

TEST(HostileClusterInfoTest, EmptyCaIsRefused) {
  EXPECT_THAT(node::discovery::CheckCaData(""), StatusIs(StatusCode::kInvalidArgument));
}

TEST(HostileClusterInfoTest, NonPemCaIsRefused) {
  EXPECT_THAT(node::discovery::CheckCaData("just some text"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(node::discovery::CheckCaData(kNotACert), StatusIs(StatusCode::kInvalidArgument));
}

TEST(HostileClusterInfoTest, UnpinnedCaIsRefused) {
  EXPECT_FALSE(node::discovery::token::ValidateClusterCa(
                   kNotACert, {"sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658"})
                   .ok());
}

TEST(HostileClusterInfoTest, SeveralClustersWithTheSameNameAreRefused) {
  // client-go refuses duplicate names in a kubeconfig's lists ("duplicate name"); a
  // cluster-info with two clusters named "" must not let the parser pick one silently.
  constexpr char kTwo[] = R"(apiVersion: v1
kind: Config
clusters:
- name: ""
  cluster: {server: "https://10.0.0.1:6443"}
- name: ""
  cluster: {server: "https://attacker.example:6443"}
)";
  EXPECT_THAT(kube::ParseKubeconfig(kTwo), StatusIs(StatusCode::kInvalidArgument));
}

// ---- API JSON --------------------------------------------------------------------------------
constexpr char kCsrJson[] = R"({"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest",
 "metadata":{"name":"csr-1","uid":"u","resourceVersion":"1","creationTimestamp":"2024-01-01T00:00:00Z"},
 "spec":{"request":"LS0t","signerName":"kubernetes.io/kube-apiserver-client-kubelet",
 "usages":["digital signature","client auth"],"username":"system:bootstrap:abcdef","groups":["system:bootstrappers"],
 "expirationSeconds":3600},"status":{}})";

struct JsonCase {
  std::string name;
  std::string text;
  bool parse_fails;  // true: ParseJson refuses; false: parses, decoding refuses
};
std::ostream& operator<<(std::ostream& os, const JsonCase& c) { return os << c.name; }

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

class HostileApiJsonTest : public ::testing::TestWithParam<JsonCase> {};
TEST_P(HostileApiJsonTest, Refused) {
  const JsonCase& c = GetParam();
  auto j = kube::ParseJson(c.text);
  if (c.parse_fails) {
    EXPECT_THAT(j, StatusIs(StatusCode::kInvalidArgument));
    return;
  }
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_THAT(kube::Decode<kube::CertificateSigningRequest>(*j), StatusIs(StatusCode::kInvalidArgument));
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, HostileApiJsonTest,
    ::testing::Values(
        JsonCase{"Truncated", std::string(kCsrJson).substr(0, 120), true}, JsonCase{"Empty", "", true},
        JsonCase{"FiftyMegabytes", "{\"a\":\"" + std::string(50u << 20, 'x') + "\"}", true},
        JsonCase{"DeeplyNested", std::string(100000, '[') + std::string(100000, ']'), true},
        JsonCase{"TrailingGarbage", std::string(kCsrJson) + "}{", true},
        JsonCase{"ExpirationAsString",
                 Replace(kCsrJson, "\"expirationSeconds\":3600", "\"expirationSeconds\":\"3600\""), false},
        JsonCase{"ExpirationAboveInt32",
                 Replace(kCsrJson, "\"expirationSeconds\":3600", "\"expirationSeconds\":4294967296"), false},
        JsonCase{"ExpirationFraction",
                 Replace(kCsrJson, "\"expirationSeconds\":3600", "\"expirationSeconds\":3600.5"), false},
        JsonCase{"UsagesNotAList",
                 Replace(kCsrJson, "[\"digital signature\",\"client auth\"]", "\"client auth\""), false},
        JsonCase{"GroupsWithNumber",
                 Replace(kCsrJson, "[\"system:bootstrappers\"]", "[\"system:bootstrappers\",7]"), false},
        JsonCase{"RequestNotBase64", Replace(kCsrJson, "\"LS0t\"", "\"%%%\""), false},
        JsonCase{"SpecNotAnObject", Replace(kCsrJson, "\"spec\":{", "\"spec\":[{").substr(0), true},
        JsonCase{"MetadataNameNumber", Replace(kCsrJson, "\"name\":\"csr-1\"", "\"name\":1"), false}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace joinguard
