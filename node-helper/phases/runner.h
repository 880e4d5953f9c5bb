// The join workflow: phases in kubeadm's order, --skip-phases, `join phase <name>`, rollback of
// what a failed run created, and the kubelet restart at the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

struct PhaseSpec {
  std::string_view name;
  std::string_view description;
  Status (*run)(JoinContext&);
};

// preflight, discovery, kubelet-start, tls-bootstrap.
const std::vector<PhaseSpec>& JoinPhases();

// kubeadm's help table: "The \"<use>\" command executes the following phases:\n```\n...```".
std::string PhasesHelp(std::string_view command_use);

struct PhaseFailure {
  std::string phase;
  Status status;
};

// Runs every phase (or only `only`, when non-empty) in order. On failure, files this run created
// are removed and the failing phase is reported. Returns nullopt on success.
std::optional<PhaseFailure> RunJoin(JoinContext& ctx, std::string_view only = {});

}  // namespace joinguard::node::phases
