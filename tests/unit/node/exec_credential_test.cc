// The client-go credential plugin runner on its own: what reaches the plugin (args, env,
// KUBERNETES_EXEC_INFO) and the limits on a hostile or stuck plugin.
#include "node-helper/discovery/file/exec_credential.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/crypto/encoding.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::node::discovery::file {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

class ExecPluginTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = joinguard::testing::MakeTempDir("exec-plugin-"); }
  void TearDown() override { joinguard::testing::RemoveTree(dir_); }
  kube::KubeconfigUser::Exec Plugin(const std::string& body) {
    const std::string path = dir_ + "/plugin.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    EXPECT_EQ(chmod(path.c_str(), 0700), 0);
    kube::KubeconfigUser::Exec e;
    e.command = path;
    e.api_version = std::string(kExecApiV1);
    e.interactive_mode = "Never";
    return e;
  }
  std::string dir_;
  kube::KubeconfigCluster cluster_{"https://10.0.0.1:6443", "", "ca-bytes", false, "", ""};
};

TEST_F(ExecPluginTest, ArgsEnvAndClusterInfoReachThePlugin) {
  auto e = Plugin(
      "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"%s-%s\"}}' \"$1\" "
      "\"$FOO\"\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > " +
      dir_ + "/info");
  e.args = {"first"};
  e.env = {{"FOO", "bar"}};
  e.provide_cluster_info = true;
  auto cred = RunExecPlugin(e, cluster_, std::chrono::seconds(10));
  ASSERT_OK(cred);
  EXPECT_EQ(cred->token, "first-bar");
  std::ifstream in(dir_ + "/info");
  std::string info((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(info,
            "{\"apiVersion\":\"client.authentication.k8s.io/"
            "v1\",\"kind\":\"ExecCredential\",\"spec\":{\"cluster\":{"
            "\"certificate-authority-data\":\"" +
                crypto::Base64Encode("ca-bytes") +
                "\",\"server\":\"https://10.0.0.1:6443\"},\"interactive\":false}}");
}

TEST_F(ExecPluginTest, CertificateAndKeyAreACredential) {
  auto cred = RunExecPlugin(Plugin("printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{"
                                   "\"clientCertificateData\":\"C\",\"clientKeyData\":\"K\"}}'"),
                            cluster_, std::chrono::seconds(10));
  ASSERT_OK(cred);
  EXPECT_EQ(cred->client_certificate_pem, "C");
  EXPECT_EQ(cred->client_key_pem, "K");
}

TEST_F(ExecPluginTest, AStuckPluginIsKilledAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(RunExecPlugin(Plugin("exec sleep 30"), cluster_, std::chrono::milliseconds(200)),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("did not finish within 200ms")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20)) << "killed, not waited for";
}

TEST_F(ExecPluginTest, EndlessOutputIsCutOff) {
  EXPECT_THAT(RunExecPlugin(Plugin("exec yes"), cluster_, std::chrono::seconds(30)),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("wrote more than 1 MiB")));
}

TEST_F(ExecPluginTest, ExitCodeIsReported) {
  EXPECT_THAT(RunExecPlugin(Plugin("exit 7"), cluster_, std::chrono::seconds(10)),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("failed with exit code 7")));
}

}  // namespace
}  // namespace joinguard::node::discovery::file
