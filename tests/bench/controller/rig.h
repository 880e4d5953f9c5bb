// The benchmark rig: a sandbox API server in-process (kubeadm RBAC, no auto-approve binding,
// so joinguard is the only approver) and the built joinguard-controller as its own process,
// as deployed (admin kubeconfig, OS-assigned metrics/health ports, default flags unless given).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "tests/bench/controller/bench_util.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/subprocess.h"

namespace joinguard::bench {

inline constexpr char kTokenId[] = "abcdef";
inline constexpr char kTokenSecret[] = "0123456789abcdef";
inline constexpr char kKubeletClientSigner[] = "kubernetes.io/kube-apiserver-client-kubelet";

// Bootstrap CSR PEMs for node names "<prefix><index>", built once (kubelet-side crypto is not
// under test) and shared by every scenario.
class CsrPool {
 public:
  // Builds `count` CSRs on `threads` threads.
  static StatusOr<CsrPool> Build(size_t count, int threads);
  size_t size() const { return pems_.size(); }
  static std::string NodeName(size_t i);
  const std::string& Pem(size_t i) const { return pems_[i]; }

 private:
  std::vector<std::string> pems_;
};

struct RigOptions {
  std::string controller_binary;
  std::vector<std::string> controller_flags;
  bool run_sandbox_controllers = false;  // signer + bootstrap signer (needed for joins)
  std::string dir;                       // scratch dir (controller logs)
};

class Rig {
 public:
  static StatusOr<std::unique_ptr<Rig>> Start(const RigOptions& options);
  ~Rig();

  sandbox::Sandbox& sandbox() { return *sandbox_; }
  kube::Client& admin() { return *admin_; }
  // A client authenticated with the bootstrap token (what a joining kubelet uses).
  StatusOr<std::unique_ptr<kube::Client>> TokenClient();
  StatusOr<std::unique_ptr<kube::Client>> AdminClient();
  std::string BootstrapToken() const { return std::string(kTokenId) + "." + kTokenSecret; }

  // A bootstrap CSR exactly as the API stores one POSTed with the bootstrap token, written
  // straight into the sandbox (fast setup; the requester fields are copied from a real one).
  Status PlantCsr(const std::string& name, const std::string& pem);
  Status PlantNode(const std::string& name);
  kube::CertificateSigningRequest NewCsr(const std::string& name, const std::string& pem) const;

  // Starts the controller; `started` is when the process was spawned.
  Status StartController();
  Status StopController();
  pid_t controller_pid() const;
  Clock::time_point controller_started() const { return controller_started_; }
  int metrics_port() const { return metrics_port_; }
  std::string ControllerLogTail(size_t bytes) const;

 private:
  explicit Rig(RigOptions o) : o_(std::move(o)) {}
  StatusOr<std::unique_ptr<kube::Client>> NewClient(kube::RestConfig rc);
  Status LearnRequesterFields();

  RigOptions o_;
  runtime::RealClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kError};
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::string kubeconfig_;
  std::unique_ptr<kube::Client> admin_;
  kube::Json requester_;  // spec.username/uid/groups/extra of a token-created CSR
  std::unique_ptr<testing::Subprocess> controller_;
  Clock::time_point controller_started_{};
  int metrics_port_ = 0;
};

}  // namespace joinguard::bench
