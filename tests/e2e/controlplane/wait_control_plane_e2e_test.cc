// wait-control-plane end to end: joinguard-node runs `join phase wait-control-plane` as a
// separate process against HTTPS health endpoints this test starts on port 0 in place of
// kube-apiserver, kube-controller-manager and kube-scheduler. As kubeadm 1.33+ does, the phase
// finds the endpoints in the static Pod manifests (--advertise-address / --bind-address and
// --secure-port), so the test writes manifests naming its ports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "common/files/atomic_file.h"
#include "tests/e2e/node/health_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard::node {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;
using Server = ::joinguard::node::testing::HealthServer;

constexpr char kNodeBinary[] = JOINGUARD_NODE_BINARY;
constexpr auto kRunTimeout = std::chrono::seconds(120);

std::string Manifest(const std::string& component, const std::vector<std::string>& flags) {
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + component +
                     "\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n    - " + component +
                     "\n";
  for (const auto& f : flags) yaml += "    - " + f + "\n";
  return yaml + "    image: registry.k8s.io/" + component + ":v1.33.0\n    name: " + component + "\n";
}

class WaitControlPlaneE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = joinguard::testing::MakeTempDir("wait-cp-e2e-");
    root_ = work_ + "/root";
    apiserver_ = std::make_unique<Server>(Server::Scheme::kHttps);
    kcm_ = std::make_unique<Server>(Server::Scheme::kHttps);
    scheduler_ = std::make_unique<Server>(Server::Scheme::kHttps);
  }
  void TearDown() override { joinguard::testing::RemoveTree(work_); }

  void WriteManifests() {
    const std::string dir = root_ + "/etc/kubernetes/manifests/";
    ASSERT_OK(files::WriteFileAtomic(
        dir + "kube-apiserver.yaml",
        Manifest("kube-apiserver", {"--advertise-address=127.0.0.1", "--allow-privileged=true",
                                    "--secure-port=" + std::to_string(apiserver_->port())}),
        0600));
    ASSERT_OK(files::WriteFileAtomic(
        dir + "kube-controller-manager.yaml",
        Manifest("kube-controller-manager",
                 {"--bind-address=127.0.0.1", "--secure-port=" + std::to_string(kcm_->port())}),
        0600));
    ASSERT_OK(files::WriteFileAtomic(
        dir + "kube-scheduler.yaml",
        Manifest("kube-scheduler",
                 {"--leader-elect=true", "--secure-port=" + std::to_string(scheduler_->port())}),
        0600));
  }
  CommandResult RunPhase(const std::string& timeout) {
    const std::string config = work_ + "/join.yaml";
    std::ofstream(config)
        << "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n"
        << "  bootstrapToken:\n    apiServerEndpoint: 127.0.0.1:6443\n"
        << "    token: abcdef.0123456789abcdef\n    unsafeSkipCAVerification: true\n"
        << "nodeRegistration:\n  name: cp-wait\n  criSocket: unix:///run/containerd/containerd.sock\n"
        << "controlPlane:\n  localAPIEndpoint:\n    advertiseAddress: 127.0.0.1\n"
        << "    bindPort: 6443\n"
        << "timeouts:\n  controlPlaneComponentHealthCheck: " << timeout << "\n";
    auto r = RunCommand(
        {kNodeBinary, "join", "phase", "wait-control-plane", "--config", config, "--root-dir", root_},
        kRunTimeout);
    EXPECT_OK(r);
    if (!r.ok()) return {};
    std::cerr << "--- joinguard-node stdout ---\n" << r->out << "--- stderr ---\n" << r->err;
    return *r;
  }
  std::string Url(const Server& s, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(s.port()) + path;
  }

  std::string work_, root_;
  std::unique_ptr<Server> apiserver_, kcm_, scheduler_;
};

TEST_F(WaitControlPlaneE2eTest, AllComponentsHealthy) {
  WriteManifests();
  auto r = RunPhase("30s");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(
      r.out,
      HasSubstr(
          "[control-plane-check] Waiting for healthy control plane components. This can take up to 30s"));
  // The ports come from the manifests, not from bindPort or kubeadm's defaults.
  EXPECT_THAT(r.out,
              HasSubstr("[control-plane-check] Checking kube-apiserver at " + Url(*apiserver_, "/livez")));
  EXPECT_THAT(r.out, HasSubstr("[control-plane-check] Checking kube-controller-manager at " +
                               Url(*kcm_, "/healthz")));
  EXPECT_THAT(r.out,
              HasSubstr("[control-plane-check] Checking kube-scheduler at " + Url(*scheduler_, "/livez")));
  for (const char* c : {"kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("[control-plane-check] ") + c + " is healthy after "));
  }
  EXPECT_GE(apiserver_->requests(), 1);
  EXPECT_GE(kcm_->requests(), 1);
  EXPECT_GE(scheduler_->requests(), 1);
}

TEST_F(WaitControlPlaneE2eTest, UnhealthyComponentFailsWithinTheTimeoutWithKubeadmsMessage) {
  WriteManifests();
  scheduler_->set_status(503);
  const auto start = std::chrono::steady_clock::now();
  auto r = RunPhase("3s");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err, HasSubstr("error execution phase wait-control-plane: failed while waiting for the control plane "
                       "to start: kube-scheduler check failed at " +
                       Url(*scheduler_, "/livez") + " with status: 503"));
  EXPECT_THAT(r.err,
              HasSubstr("'crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps -a | grep kube "
                        "| grep -v pause'"));
  EXPECT_THAT(r.err, HasSubstr("hint: the static Pod manifests are in /etc/kubernetes/manifests"));
  EXPECT_THAT(r.out, HasSubstr("[control-plane-check] kube-scheduler is not healthy after "));
  EXPECT_THAT(r.out, HasSubstr("[control-plane-check] kube-apiserver is healthy after "));
  EXPECT_GE(scheduler_->requests(), 2);  // polled, not tried once
  // Bounded: one 3s deadline for all three components (plus process start-up), far below the
  // run timeout even on a loaded machine.
  EXPECT_LT(took, std::chrono::seconds(60));
}

TEST_F(WaitControlPlaneE2eTest, ComponentNotListeningIsReportedWithTheCause) {
  WriteManifests();
  const std::string url = Url(*kcm_, "/healthz");
  kcm_.reset();  // nothing listens on its port any more
  auto r = RunPhase("2s");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("kube-controller-manager check failed at " + url + ": "));
  EXPECT_THAT(r.err, Not(HasSubstr("kube-apiserver check failed")));
}

TEST_F(WaitControlPlaneE2eTest, MissingManifestIsKubeadmsError) {
  WriteManifests();
  ASSERT_EQ(std::remove((root_ + "/etc/kubernetes/manifests/kube-scheduler.yaml").c_str()), 0);
  auto r = RunPhase("2s");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error execution phase wait-control-plane: failed to read manifest for "
                               "\"kube-scheduler\""));
  EXPECT_EQ(apiserver_->requests(), 0);  // nothing probed before the manifests are read
}

}  // namespace
}  // namespace joinguard::node
