// joinguard-node's command line (CLI11), shaped like kubeadm's:
//   joinguard-node join [api-server-endpoint] [flags]
//   joinguard-node join phase <preflight|discovery|kubelet-start|tls-bootstrap> [flags]
//   joinguard-node config print join-defaults
//   joinguard-node version
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node-helper/config/join_flags.h"

namespace joinguard::node::cli {

// The spelling main() also looks for before parsing, so that a usage error already follows
// kubeadm's exit contract.
inline constexpr std::string_view kKubeadmExitCodesFlag = "--kubeadm-exit-codes";

// joinguard-node's run options that are not part of kubeadm's JoinConfiguration.
struct RunOptions {
  bool skip_kubelet_health_check = false;  // --skip-kubelet-health-check
  bool kubeadm_exit_codes = false;         // --kubeadm-exit-codes
};

enum class CommandKind { kJoin, kJoinPhase, kPrintJoinDefaults, kVersion };

struct Command {
  CommandKind kind = CommandKind::kJoin;
  std::string phase;  // kJoinPhase
  config::JoinFlags flags;
  RunOptions options;
};

struct ParseResult {
  std::optional<Command> command;  // set when there is something to run
  std::string out;                 // help text (stdout)
  std::string err;                 // usage error (stderr)
  bool usage_error = false;
};

// argv[0] is the program name.
ParseResult Parse(const std::vector<std::string>& argv);

}  // namespace joinguard::node::cli
