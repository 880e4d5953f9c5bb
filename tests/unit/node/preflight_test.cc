// Preflight checks: names, kubeadm's report format, --ignore-preflight-errors, and each check's
// failure on a real temporary root directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/files/atomic_file.h"
#include "node-helper/phases/preflight.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::node::phases {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "abcdef.0123456789abcdef";
constexpr char kPin[] = "sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658";

std::string ReadAll(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  return out;
}

class PreflightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = joinguard::testing::MakeTempDir("node-preflight-");
    out_file_ = std::tmpfile();
    printer_ = std::make_unique<Printer>(out_file_, out_file_);
  }
  void TearDown() override {
    std::fclose(out_file_);
    joinguard::testing::RemoveTree(root_);
  }
  config::JoinSettings Settings() {
    config::JoinSettings s;
    s.cfg.discovery.bootstrap_token = config::BootstrapTokenDiscovery{kToken, "10.0.0.1:6443", {kPin}, false};
    s.cfg.node_registration.name = "node-1";
    config::SetDefaults(&s.cfg);
    s.root_dir = root_;
    s.kubelet_restart_command = "true";
    return s;
  }
  Status Run(const config::JoinSettings& s) {
    JoinEnv env;
    env.out = printer_.get();
    JoinContext ctx(s, env);
    return RunPreflightPhase(ctx);
  }
  std::string root_;
  std::FILE* out_file_ = nullptr;
  std::unique_ptr<Printer> printer_;
};

TEST_F(PreflightTest, PassesOnAnEmptyRoot) {
  EXPECT_OK(Run(Settings()));
  EXPECT_EQ(ReadAll(out_file_), "[preflight] Running pre-flight checks\n");
}

TEST(PreflightNamesTest, FileAvailableNamesAreKubeadms) {
  EXPECT_EQ(FileAvailableCheckName("/etc/kubernetes/kubelet.conf"),
            "FileAvailable--etc-kubernetes-kubelet.conf");
  EXPECT_EQ(FileAvailableCheckName("/etc/kubernetes/pki/ca.crt"), "FileAvailable--etc-kubernetes-pki-ca.crt");
}

TEST_F(PreflightTest, ExistingFilesAreFatalUnlessIgnored) {
  ASSERT_OK(files::WriteFileAtomic(root_ + "/etc/kubernetes/kubelet.conf", "x", 0600));
  ASSERT_OK(files::WriteFileAtomic(root_ + "/etc/kubernetes/pki/ca.crt", "x", 0644));
  Status s = Run(Settings());
  EXPECT_THAT(s,
              StatusIs(StatusCode::kFailedPrecondition,
                       "[preflight] Some fatal errors occurred:\n"
                       "\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: " +
                           root_ +
                           "/etc/kubernetes/kubelet.conf already exists\n"
                           "\t[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: " +
                           root_ +
                           "/etc/kubernetes/pki/ca.crt already exists\n"
                           "[preflight] If you know what you are doing, you can make a check non-fatal with "
                           "`--ignore-preflight-errors=...`"));
  EXPECT_EQ(s.reason(), "PreflightError");

  auto settings = Settings();
  settings.ignore_preflight_errors = {"fileavailable--etc-kubernetes-kubelet.conf",
                                      "fileavailable--etc-kubernetes-pki-ca.crt"};
  EXPECT_OK(Run(settings));
  EXPECT_THAT(ReadAll(out_file_), HasSubstr("\t[WARNING FileAvailable--etc-kubernetes-kubelet.conf]: "));
}

TEST_F(PreflightTest, IgnoreAll) {
  auto settings = Settings();
  settings.cfg.node_registration.name = "Bad_Name";
  settings.ignore_preflight_errors = {"all"};
  EXPECT_OK(Run(settings));
  EXPECT_THAT(ReadAll(out_file_), HasSubstr("[WARNING NodeName]"));
}

TEST_F(PreflightTest, NodeNameMustBeDns1123) {
  auto settings = Settings();
  settings.cfg.node_registration.name = "Bad_Name";
  EXPECT_THAT(
      Run(settings),
      StatusIs(
          StatusCode::kFailedPrecondition,
          HasSubstr("[ERROR NodeName]: node name \"Bad_Name\" is invalid: a lowercase RFC 1123 subdomain")));
  EXPECT_EQ(ValidateDns1123Subdomain(std::string(254, 'a')), "must be no more than 253 characters");
  EXPECT_EQ(ValidateDns1123Subdomain("node-1.example.com"), "");
}

TEST_F(PreflightTest, PinSyntax) {
  auto settings = Settings();
  settings.cfg.discovery.bootstrap_token->ca_cert_hashes = {"sha256:abcd"};
  EXPECT_THAT(
      Run(settings),
      StatusIs(
          StatusCode::kFailedPrecondition,
          HasSubstr("[ERROR DiscoveryTokenCACertHash]: invalid discovery token CA certificate hash: invalid "
                    "hash \"sha256:abcd\", expected a 32 byte SHA-256 hash, found 2 bytes")));
  settings.cfg.discovery.bootstrap_token->ca_cert_hashes = {"md5:abcd"};
  EXPECT_THAT(Run(settings),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("unknown hash format \"md5\"")));
}

TEST_F(PreflightTest, EndpointAndTokenSyntaxWithoutLeakingTheSecret) {
  auto settings = Settings();
  settings.cfg.discovery.bootstrap_token->api_server_endpoint = "10.0.0.1";
  settings.cfg.discovery.tls_bootstrap_token = "abcdef.SECRETSECRETSECRE";
  Status s = Run(settings);
  EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition,
                          HasSubstr("[ERROR APIServerEndpoint]: address 10.0.0.1: missing port in address")));
  EXPECT_THAT(s.message(), HasSubstr("[ERROR BootstrapToken]"));
  EXPECT_THAT(s.message(), Not(HasSubstr("SECRET")));
}

TEST_F(PreflightTest, UnwritableRoot) {
  // A regular file where a directory must go: nothing can be created below it, even as root.
  ASSERT_OK(files::WriteFileAtomic(root_ + "/etc", "not a directory", 0644));
  EXPECT_THAT(Run(Settings()), StatusIs(StatusCode::kFailedPrecondition,
                                        HasSubstr("[ERROR WriteAccess--etc-kubernetes]: " + root_ +
                                                  "/etc is not a directory")));
}

TEST_F(PreflightTest, RestartCommandMustExist) {
  auto settings = Settings();
  settings.kubelet_restart_command = "/nonexistent/restart-kubelet --now";
  EXPECT_THAT(Run(settings),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("[ERROR KubeletRestartCommand]")));
  settings.cfg.dry_run = true;  // nothing is restarted in a dry run
  EXPECT_OK(Run(settings));
}

TEST_F(PreflightTest, ForceAcceptsAnEarlierJoinsFiles) {
  ASSERT_OK(files::WriteFileAtomic(root_ + "/etc/kubernetes/kubelet.conf", "x", 0600));
  auto settings = Settings();
  settings.force = true;
  EXPECT_OK(Run(settings));
}

}  // namespace
}  // namespace joinguard::node::phases
