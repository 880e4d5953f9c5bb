#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files/atomic_file.h"
#include "common/kube/rest_config.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/kube/test_util.h"

namespace joinguard::kube {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

TEST(InCluster, ReadsServiceAccountFiles) {
  const std::string dir = testutil::MakeTempDir();
  ASSERT_OK(files::WriteFileAtomic(dir + "/token", "sa-token", 0600));
  ASSERT_OK(files::WriteFileAtomic(dir + "/ca.crt", "CA", 0644));
  ASSERT_OK(files::WriteFileAtomic(dir + "/namespace", "joinguard-system\n", 0644));
  InClusterOptions o;
  o.sa_dir = dir;
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  o.getenv = [&env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  ASSERT_OK_AND_ASSIGN(RestConfig rc, InClusterRestConfig(o));
  EXPECT_EQ(rc.server, "https://[fd00::1]:443");
  EXPECT_EQ(rc.ca_pem, "CA");
  EXPECT_EQ(rc.bearer_token_file, dir + "/token");
  EXPECT_EQ(rc.namespace_, "joinguard-system");
  EXPECT_FALSE(rc.insecure_skip_tls_verify);

  env["POD_NAMESPACE"] = "from-env";
  ASSERT_OK_AND_ASSIGN(rc, InClusterRestConfig(o));
  EXPECT_EQ(rc.namespace_, "from-env");

  env.erase("KUBERNETES_SERVICE_HOST");
  EXPECT_THAT(InClusterRestConfig(o),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("not running in a cluster")));
}

TEST(RestConfig, AnonymousInsecureAndUserAgent) {
  RestConfig rc = AnonymousInsecure("https://10.0.0.1:6443/");
  EXPECT_EQ(rc.server, "https://10.0.0.1:6443");
  EXPECT_TRUE(rc.insecure_skip_tls_verify);
  EXPECT_TRUE(rc.bearer_token.empty());
  EXPECT_TRUE(rc.client_cert_pem.empty());
  EXPECT_FALSE(RestConfig{}.insecure_skip_tls_verify);  // verification on by default
  EXPECT_EQ(UserAgentFor("controller"), "joinguard-controller/" JOINGUARD_VERSION);
}

}  // namespace
}  // namespace joinguard::kube
