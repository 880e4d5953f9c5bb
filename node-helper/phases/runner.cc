#include "node-helper/phases/runner.h"

#include <algorithm>

#include "node-helper/bootstrap/kubelet_kubeconfig.h"
#include "node-helper/phases/kubelet_start.h"
#include "node-helper/phases/preflight.h"
#include "node-helper/phases/tls_bootstrap.h"

namespace joinguard::node::phases {
namespace {

Status RunDiscoveryPhase(JoinContext& ctx) {
  JG_ASSIGN_OR_RETURN(const discovery::Result* d, ctx.Discovery());
  ctx.out().Line("discovery", "Discovered the cluster at \"" + d->server + "\" using " + d->method + " discovery");
  return OkStatus();
}

Status RestartKubelet(JoinContext& ctx) {
  const std::string& command = ctx.settings().kubelet_restart_command;
  if (command.empty()) {
    ctx.out().Line("kubelet-start", "No --kubelet-restart-command given: start the kubelet yourself");
    return OkStatus();
  }
  ctx.out().Line("kubelet-start", "Restarting the kubelet: " + command);
  auto rc = ctx.env().run_command(command);
  if (!rc.ok() || *rc != 0) {
    // The node's credentials are in place; only the kubelet restart failed (kubeadm warns too).
    ctx.out().Warning("kubelet-start", "the kubelet restart command \"" + command + "\" failed (" +
                                           (rc.ok() ? "exit code " + std::to_string(*rc) : rc.status().message()) +
                                           "); restart the kubelet yourself");
  }
  return OkStatus();
}

}  // namespace

const std::vector<PhaseSpec>& JoinPhases() {
  static const auto* kPhases = new std::vector<PhaseSpec>{
      {"preflight", "Run join pre-flight checks", &RunPreflightPhase},
      {"discovery", "Discover the cluster and validate its identity (token, file or HTTPS discovery)", &RunDiscoveryPhase},
      {"kubelet-start", "Write kubelet settings, certificates and (re)start the kubelet", &RunKubeletStartPhase},
      {"tls-bootstrap", "Request the kubelet client certificate and write kubelet.conf (TLS bootstrap)", &RunTlsBootstrapPhase},
  };
  return *kPhases;
}

std::string PhasesHelp(std::string_view command_use) {
  size_t width = 0;
  for (const auto& p : JoinPhases()) width = std::max(width, p.name.size());
  std::string out = "The \"" + std::string(command_use) + "\" command executes the following phases:\n```\n";
  for (const auto& p : JoinPhases()) {
    out += std::string(p.name) + std::string(width - p.name.size() + 2, ' ') + std::string(p.description) + "\n";
  }
  return out + "```";
}

std::optional<PhaseFailure> RunJoin(JoinContext& ctx, std::string_view only) {
  const bool full = only.empty();
  if (full && !ctx.settings().force && ctx.settings().skip_phases.count("tls-bootstrap") == 0) {
    std::string cn;
    if (bootstrap::CheckKubeletKubeconfig(ctx.paths().kubelet_conf, ctx.env().clock->Now(), &cn).ok()) {
      ctx.out().Line("preflight", ctx.paths().kubelet_conf + " already holds a valid client certificate (" + cn +
                                      "): this node has already joined, nothing to do. Use --force to join again.");
      return std::nullopt;
    }
  }
  std::string last_ran;
  for (const auto& phase : JoinPhases()) {
    if (!full && phase.name != only) continue;
    if (full && ctx.settings().skip_phases.count(std::string(phase.name)) > 0) continue;
    Status s = phase.run(ctx);
    if (!s.ok()) {
      auto removed = ctx.created().RemoveAll();
      for (const auto& path : removed) ctx.out().RawErr("[reset] Removed \"" + path + "\" created by this failed run");
      return PhaseFailure{std::string(phase.name), s};
    }
    last_ran = phase.name;
  }
  if (ctx.kubelet_needs_restart && !ctx.dry_run()) {
    Status s = RestartKubelet(ctx);
    if (!s.ok()) return PhaseFailure{"kubelet-start", s};
  }
  if (ctx.joined) {
    ctx.out().Raw(
        "\nThis node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and a response was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n\n"
        "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.\n");
  }
  return std::nullopt;
}

}  // namespace joinguard::node::phases
