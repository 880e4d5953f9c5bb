// A sandbox cluster with deploy/ applied by the real kubectl, and joinguard-controller run the
// way the Deployment runs it: the Deployment's own args, the ConfigMap's policy, and the
// ServiceAccount's own bearer token (never admin credentials). Shared by the deploy/ tests.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/subprocess.h"

namespace joinguard::deploy_test {

inline constexpr char kNamespace[] = "joinguard-system";
inline constexpr char kServiceAccount[] = "joinguard-controller";
inline constexpr char kServiceAccountUser[] = "system:serviceaccount:joinguard-system:joinguard-controller";
inline constexpr char kBootstrapTokenId[] = "abcdef";
inline constexpr char kCsrCollection[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
inline constexpr char kKubeletClientSigner[] = "kubernetes.io/kube-apiserver-client-kubelet";
inline constexpr auto kWait = std::chrono::seconds(60);

// Polls `fn` (an external condition: a file, an API object, a process) until true or timeout.
bool WaitUntil(const std::function<bool()>& fn, std::chrono::milliseconds timeout = kWait);
std::string ReadFile(const std::string& path);
// GET http://127.0.0.1:<port><path>; empty string on connection failure.
std::string HttpGet(int port, const std::string& path);

// A running joinguard-controller with its ports.
struct Controller {
  std::unique_ptr<testing::Subprocess> process;
  int metrics_port = 0;
  int health_port = 0;
  std::string Metrics() const { return HttpGet(metrics_port, "/metrics"); }
  std::string Log() const { return process->Stderr(); }
  std::string Audit() const { return process->Stdout(); }
  // True when one line of the log contains every needle (a log line names one failure).
  bool LogHasLineWithAll(const std::vector<std::string>& needles) const;
  Status Stop();  // SIGTERM, bounded wait for exit 0
};

class DeployedCluster {
 public:
  // Starts an in-process sandbox with kubeadm's stock RBAC (auto-approve binding included) and
  // bootstrap token abcdef in kubeadm's default group.
  static StatusOr<std::unique_ptr<DeployedCluster>> Start();
  ~DeployedCluster();

  sandbox::Sandbox& sandbox() { return *sandbox_; }
  const std::string& dir() const { return dir_; }
  const std::string& admin_kubeconfig() const { return admin_kubeconfig_; }

  // The real /usr/bin/kubectl with the admin kubeconfig (or `kubeconfig`) and a private cache.
  StatusOr<testing::CommandResult> Kubectl(const std::vector<std::string>& args,
                                           const std::string& stdin_data = "",
                                           const std::string& kubeconfig = "");
  // Like Kubectl, but a non-zero exit is an error carrying stderr.
  StatusOr<std::string> KubectlOk(const std::vector<std::string>& args, const std::string& stdin_data = "",
                                  const std::string& kubeconfig = "");
  StatusOr<nlohmann::json> KubectlJson(const std::vector<std::string>& args);
  // `kubectl apply -k <repo>/deploy/<path>`. The sandbox serves no OpenAPI, so kubectl's
  // client-side schema validation is off (--validate=false); the server still validates.
  Status ApplyDeploy(const std::string& path);

  // Registers a bearer token for the ServiceAccount and writes a kubeconfig using only it.
  StatusOr<std::string> ServiceAccountKubeconfig();
  // The migration step: kubectl delete clusterrolebinding kubeadm:node-autoapprove-bootstrap.
  Status DeleteAutoapproveBinding();

  // Starts joinguard-controller with the applied Deployment's container args (POD_NAME =
  // `identity`), the applied ConfigMap's policy, and the ServiceAccount kubeconfig. Listen
  // addresses become 127.0.0.1:0 and the Lease namespace is passed explicitly (outside a pod the
  // controller cannot read it from the service-account mount). Waits until both ports are known.
  StatusOr<Controller> StartController(const std::string& identity,
                                       const std::vector<std::string>& extra = {});

  // A kubelet client CSR for `node` from bootstrap token abcdef, created through the sandbox's
  // create strategy with the requester kept (what the token holder's POST produces).
  Status CreateBootstrapCsr(const std::string& csr_name, const std::string& node);
  // A kubelet client CSR for the given signer (for "other signers" checks).
  Status CreateCsrForSigner(const std::string& csr_name, const std::string& signer, const std::string& cn,
                            const std::vector<std::string>& orgs, const std::vector<std::string>& usages);
  // "Approved"/"Denied"/"Failed" type and reason of the first decision condition, "" if pending.
  std::string CsrDecision(const std::string& csr_name, std::string* reason = nullptr);
  Status CreateNode(const std::string& name);

 private:
  DeployedCluster() = default;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::string dir_, admin_kubeconfig_, sa_kubeconfig_;
};

}  // namespace joinguard::deploy_test
