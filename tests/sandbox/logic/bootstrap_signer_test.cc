#include "tests/sandbox/logic/bootstrap_signer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "common/crypto/jws.h"
#include "tests/sandbox/logic/test_support.h"

namespace joinguard::sandbox::logic {
namespace {

using nlohmann::json;
using testing::FixedNow;

const char kKubeconfig[] =
    "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: AAAA\n"
    "    server: https://10.0.0.1:6443\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\n"
    "kind: Config\npreferences: {}\nusers: null\n";

json Secret(const std::string& id, const std::string& secret, std::map<std::string, std::string> extra = {},
            const std::string& name_id = "") {
  std::map<std::string, std::string> data = {{"token-id", id},
                                             {"token-secret", secret},
                                             {"usage-bootstrap-signing", "true"},
                                             {"usage-bootstrap-authentication", "true"}};
  for (auto& [k, v] : extra) data[k] = v;
  json d = json::object();
  for (const auto& [k, v] : data) {
    if (!v.empty()) d[k] = crypto::Base64Encode(v);
  }
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"type", "bootstrap.kubernetes.io/token"},
          {"metadata",
           {{"name", "bootstrap-token-" + (name_id.empty() ? id : name_id)}, {"namespace", "kube-system"}}},
          {"data", d}};
}

json ClusterInfo() {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "cluster-info"}, {"namespace", "kube-public"}}},
          {"data", {{"kubeconfig", kKubeconfig}}}};
}

TEST(BootstrapSignerTest, SignsWithEveryValidSigningToken) {
  auto out = ResignClusterInfo(ClusterInfo(),
                               {Secret("abcdef", "0123456789abcdef"), Secret("ghijkl", "0123456789ghijkl")},
                               FixedNow());
  ASSERT_TRUE(out.has_value());
  const json& data = (*out)["data"];
  EXPECT_EQ(data["kubeconfig"], kKubeconfig);
  ASSERT_TRUE(data.contains("jws-kubeconfig-abcdef"));
  EXPECT_TRUE(crypto::DetachedJwsIsValid(data["jws-kubeconfig-abcdef"].get<std::string>(), kKubeconfig,
                                         "abcdef", "0123456789abcdef"));
  EXPECT_TRUE(crypto::DetachedJwsIsValid(data["jws-kubeconfig-ghijkl"].get<std::string>(), kKubeconfig,
                                         "ghijkl", "0123456789ghijkl"));
  EXPECT_EQ(data.size(), 3u);
  // Already in step: no update.
  EXPECT_FALSE(ResignClusterInfo(*out,
                                 {Secret("abcdef", "0123456789abcdef"), Secret("ghijkl", "0123456789ghijkl")},
                                 FixedNow())
                   .has_value());
  // One token gone: its signature is removed.
  auto fewer = ResignClusterInfo(*out, {Secret("abcdef", "0123456789abcdef")}, FixedNow());
  ASSERT_TRUE(fewer.has_value());
  EXPECT_FALSE((*fewer)["data"].contains("jws-kubeconfig-ghijkl"));
  EXPECT_TRUE((*fewer)["data"].contains("jws-kubeconfig-abcdef"));
  // A wrong signature is replaced.
  json tampered = *fewer;
  tampered["data"]["jws-kubeconfig-abcdef"] = "eyJ..bad";
  auto fixed = ResignClusterInfo(tampered, {Secret("abcdef", "0123456789abcdef")}, FixedNow());
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ((*fixed)["data"], (*fewer)["data"]);
}

TEST(BootstrapSignerTest, SkipsTokensThatMayNotSign) {
  std::vector<json> secrets = {
      Secret("aaaaaa", "0123456789abcdef", {{"usage-bootstrap-signing", "false"}}),
      Secret("bbbbbb", "0123456789abcdef", {{"usage-bootstrap-signing", ""}}),
      Secret("cccccc", "0123456789abcdef", {{"expiration", "2026-11-29T02:00:00Z"}}),
      Secret("dddddd", "0123456789abcdef", {{"expiration", "soon"}}),
      Secret("eeeeee", "0123456789abcdef", {}, "ffffff"),  // name/id mismatch
      Secret("gggggg", ""),                                // no secret
      Secret("hhhhhh", "0123456789abcdef", {}, "HHHHHH"),  // bad name
  };
  json opaque = Secret("iiiiii", "0123456789abcdef");
  opaque["type"] = "Opaque";
  secrets.push_back(opaque);
  json with_old = ClusterInfo();
  with_old["data"]["jws-kubeconfig-zzzzzz"] = "stale";
  auto out = ResignClusterInfo(with_old, secrets, FixedNow());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ((*out)["data"], ClusterInfo()["data"]);
  EXPECT_FALSE(ResignClusterInfo(ClusterInfo(), secrets, FixedNow()).has_value());
  // A future expiration is fine.
  auto future = ResignClusterInfo(
      ClusterInfo(), {Secret("abcdef", "0123456789abcdef", {{"expiration", "2026-11-30T00:00:00Z"}})},
      FixedNow());
  ASSERT_TRUE(future.has_value());
  EXPECT_TRUE((*future)["data"].contains("jws-kubeconfig-abcdef"));
}

TEST(BootstrapSignerTest, NoKubeconfigMeansNothingToDo) {
  json cm = ClusterInfo();
  cm["data"].erase("kubeconfig");
  cm["data"]["jws-kubeconfig-abcdef"] = "x";
  EXPECT_FALSE(ResignClusterInfo(cm, {Secret("abcdef", "0123456789abcdef")}, FixedNow()).has_value());
}

}  // namespace
}  // namespace joinguard::sandbox::logic
