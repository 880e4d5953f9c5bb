// client-go's credential plugin ("exec" in a kubeconfig user), as kubeadm's file discovery runs
// it through client-go for the cluster-info request (kubernetes/client-go
// plugin/pkg/client/auth/exec/exec.go; validation from tools/clientcmd/validation.go).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/kube/kubeconfig.h"
#include "common/status/status.h"

namespace joinguard::node::discovery::file {

inline constexpr std::string_view kExecApiV1 = "client.authentication.k8s.io/v1";
inline constexpr std::string_view kExecApiV1beta1 = "client.authentication.k8s.io/v1beta1";

struct ExecCredential {
  std::string token;
  std::string client_certificate_pem;
  std::string client_key_pem;
};

// clientcmd.Validate's checks of every user's exec block, "<name>" naming the user. Empty when
// valid.
std::vector<std::string> ValidateExecConfigs(const kube::Kubeconfig& config);

// Runs the plugin (PATH lookup as exec.Command, the process environment plus `env` and
// KUBERNETES_EXEC_INFO, stdin only when it is a terminal and interactiveMode allows it) and
// decodes its ExecCredential. Errors carry client-go's wording after "getting credentials: ".
// The plugin is killed after `timeout`.
StatusOr<ExecCredential> RunExecPlugin(const kube::KubeconfigUser::Exec& exec,
                                       const kube::KubeconfigCluster& cluster,
                                       std::chrono::milliseconds timeout);

}  // namespace joinguard::node::discovery::file
