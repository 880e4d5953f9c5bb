// The join workflow: phases in kubeadm's order, --skip-phases, `join phase <name>`, rollback of
// what a failed run created, and the kubelet restart at the end.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

struct PhaseSpec {
  std::string_view name;  // "preflight", or "control-plane-prepare/certs" for a sub-phase
  std::string_view description;
  Status (*run)(JoinContext&);  // nullptr for a parent ("control-plane-prepare"): runs its children
  bool hidden = false;          // runs, but is not listed in --help (kubeadm's check-etcd)
};

// kubeadm's phase tree in order (cmd/kubeadm/app/cmd/join.go), with joinguard's discovery and
// tls-bootstrap: preflight, discovery, control-plane-prepare/{download-certs, certs, kubeconfig,
// control-plane}, check-etcd, kubelet-start, tls-bootstrap, etcd-join,
// control-plane-join/mark-control-plane, wait-control-plane.
const std::vector<PhaseSpec>& JoinPhases();

// kubeadm's workflow check (phases/workflow/runner.go): every --skip-phases entry must name a
// phase or sub-phase. kInvalidArgument "invalid phase name: <name>".
Status ValidateSkipPhases(const std::set<std::string>& skip);

// kubeadm's help table: "The \"<use>\" command executes the following phases:\n```\n...```".
std::string PhasesHelp(std::string_view command_use);

// The phase kubeadm would name for a failure in `phase`: joinguard's discovery is part of
// kubeadm's preflight, its tls-bootstrap part of kubeadm's kubelet-start; others are unchanged.
std::string_view KubeadmPhaseName(std::string_view phase);

struct PhaseFailure {
  std::string phase;
  Status status;
};

// Runs every phase (or only `only` and its sub-phases, when non-empty) in order. On failure, files this run
// created are removed and the failing phase is reported. Returns nullopt on success.
std::optional<PhaseFailure> RunJoin(JoinContext& ctx, std::string_view only = {});

}  // namespace joinguard::node::phases
