// `joinguard-node token create|list|delete|generate`: kubeadm's `kubeadm token` commands
// (cmd/kubeadm/app/cmd/token.go), creating a JoinGrant with every token.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "node-helper/cli/cli.h"

namespace joinguard::node::token {

// kubeadm's default for --kubeconfig (cmd/kubeadm/app/constants KubernetesDir + AdminKubeConfigFileName).
inline constexpr std::string_view kDefaultKubeconfig = "/etc/kubernetes/admin.conf";

struct TokenEnv {
  std::function<StatusOr<std::unique_ptr<kube::Client>>(const kube::RestConfig&)> new_client;
  const runtime::Clock* clock = nullptr;
};

// Runs `argv` (argv[0] the program, argv[1] "token"); returns the exit code (0 ok, 1 failure,
// 3 usage error). Errors go to `err` as "error: <what and what to do>".
int RunTokenCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
                    const TokenEnv& env);

// The hook for cli::Parse: std::nullopt unless argv[1] is "token"; otherwise runs the command
// against the real API server and returns its output (usage_error set on any failure).
std::optional<cli::ParseResult> MaybeRunFromCli(const std::vector<std::string>& argv);

}  // namespace joinguard::node::token
