// joinguard-controller as a process: a policy that would approve insecurely stops the start
// with exit code 2 and a reason, unless --allow-insecure-policy is given.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::controller {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class StartupRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = joinguard::testing::MakeTempDir("jg-startup-");
    // Nothing listens on port 1: the policy check comes before any API call.
    Write("kubeconfig", R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: not-a-secret}
contexts:
- name: x
  context: {cluster: c, user: u, namespace: joinguard-system}
current-context: x
)");
  }
  void TearDown() override { joinguard::testing::RemoveTree(dir_); }

  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }

  std::vector<std::string> Argv(const std::string& policy, bool allow) {
    Write("policy.yaml", policy);
    std::vector<std::string> argv = {JOINGUARD_CONTROLLER_BINARY,
                                     "--kubeconfig",
                                     dir_ + "/kubeconfig",
                                     "--policy-file",
                                     dir_ + "/policy.yaml",
                                     "--metrics-address",
                                     "127.0.0.1:0",
                                     "--health-address",
                                     "127.0.0.1:0"};
    if (allow) argv.push_back("--allow-insecure-policy");
    return argv;
  }

  std::string dir_;
};

constexpr char kInsecure[] = "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\ndenyExistingNode: false\n";

TEST_F(StartupRefusalTest, InsecurePolicyExitsTwoAndSaysWhy) {
  ASSERT_OK_AND_ASSIGN(auto r, joinguard::testing::RunCommand(Argv(kInsecure, false), 60s));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("matches any name while denyExistingNode is false"));
  EXPECT_THAT(r.out + r.err, HasSubstr("--allow-insecure-policy"));
}

TEST_F(StartupRefusalTest, OverrideFlagStartsWithAWarning) {
  ASSERT_OK_AND_ASSIGN(auto p, joinguard::testing::Subprocess::Start(Argv(kInsecure, true), dir_ + "/logs"));
  ASSERT_OK(p->WaitForOutput("running with an insecure policy", 60s).status());
  p->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(60s));
  EXPECT_EQ(code, 0) << p->Stdout() << p->Stderr();
}

TEST_F(StartupRefusalTest, SecurePolicyNeedsNoFlag) {
  ASSERT_OK_AND_ASSIGN(
      auto p, joinguard::testing::Subprocess::Start(
                  Argv("apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n", false), dir_ + "/logs"));
  ASSERT_OK(p->WaitForOutput("policy loaded", 60s).status());
  EXPECT_THAT(p->Stdout() + p->Stderr(), ::testing::Not(HasSubstr("insecure")));
  p->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(60s));
  EXPECT_EQ(code, 0);
}

TEST_F(StartupRefusalTest, DuplicateKeyInPolicyExitsTwo) {
  ASSERT_OK_AND_ASSIGN(
      auto r,
      joinguard::testing::RunCommand(
          Argv("apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\nmode: dry-run\nmode: enforce\n", false),
          60s));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out + r.err, HasSubstr("duplicate key"));
}

}  // namespace
}  // namespace joinguard::controller
