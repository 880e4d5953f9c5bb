// Shared fixture for tests that run the real /usr/bin/kubectl (the dispatcher, which picks
// kubectl 1.<minor> from the sandbox's /version) against an in-process Sandbox. Every test uses a
// fresh HOME and --cache-dir: discovery is cached on disk for hours
// (cli-runtime pkg/genericclioptions/config_flags.go, default discovery cache TTL).
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/crypto/encoding.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::sandbox::testing {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::RunCommand;

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// One kubectl invocation may take this long on a loaded machine before the test fails it.
inline constexpr std::chrono::seconds kKubectlTimeout{90};
inline constexpr char kKubectl[] = "/usr/bin/kubectl";
inline constexpr char kCsrPath[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
inline constexpr char kClientKubelet[] = "kubernetes.io/kube-apiserver-client-kubelet";
inline constexpr char kTokenId[] = "abcdef";
inline constexpr char kTokenSecret[] = "0123456789abcdef";

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::joinguard::testing::MakeTempDir("jg-kubectl-compat-");
    ASSERT_FALSE(dir_.empty());
    ASSERT_EQ(mkdir((dir_ + "/home").c_str(), 0700), 0);
  }
  void TearDown() override {
    sandbox_.reset();
    if (!HasFailure()) ::joinguard::testing::RemoveTree(dir_);
  }

  void Start(const std::string& minor = "31", bool autoapprove = false) {
    SandboxOptions o;
    o.version_minor = minor;
    o.autoapprove_binding = autoapprove;
    Start(o);
  }
  void Start(SandboxOptions o) {
    auto sb = Sandbox::Start(o);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sandbox_ = std::move(sb).value();
    kubeconfig_ = dir_ + "/admin.conf";
    WriteFile(kubeconfig_, sandbox_->admin_kubeconfig_yaml());
    WriteFile(dir_ + "/ca.crt", sandbox_->ca_pem());
  }

  // Runs kubectl with the given kubeconfig (default: admin) and a per-test HOME/cache.
  CommandResult Kubectl(const std::vector<std::string>& args, const std::string& kubeconfig = "") {
    std::vector<std::string> argv = {kKubectl, "--kubeconfig", kubeconfig.empty() ? kubeconfig_ : kubeconfig,
                                     "--cache-dir", dir_ + "/cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCommand(argv, kKubectlTimeout,
                        {{"HOME", dir_ + "/home"}, {"KUBECONFIG", ""}, {"KUBECACHEDIR", ""}});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    return *r;
  }

  // A kubeconfig authenticating with a bearer token (bootstrap token).
  std::string TokenKubeconfig(const std::string& token) {
    const std::string path = dir_ + "/token-" + token.substr(0, 6) + ".conf";
    WriteFile(path,
              "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n"
              "    server: " +
                  sandbox_->url() +
                  "\n    certificate-authority-data: " + crypto::Base64Encode(sandbox_->ca_pem()) +
                  "\ncontexts:\n- name: token\n  context:\n    cluster: sandbox\n    user: token\n"
                  "current-context: token\nusers:\n- name: token\n  user:\n    token: " +
                  token + "\n");
    return path;
  }

  std::string dir_, kubeconfig_;
  std::unique_ptr<Sandbox> sandbox_;
};

}  // namespace joinguard::sandbox::testing
