// The `preflight` phase: named checks, each skippable with --ignore-preflight-errors=<name>
// (case-insensitive) or `all`, reported like kubeadm's ([WARNING Name] / [ERROR Name]).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

struct PreflightCheck {
  std::string name;
  // nullopt = passed; otherwise what is wrong and what to do.
  std::function<std::optional<std::string>()> run;
};

// The checks for this join, in order.
std::vector<PreflightCheck> JoinPreflightChecks(JoinContext& ctx);

// Runs `checks`; ignored failures are printed as warnings. Failure: kFailedPrecondition with
// reason "PreflightError" and kubeadm's text ("[preflight] Some fatal errors occurred: ...").
Status RunPreflightChecks(const std::vector<PreflightCheck>& checks, const std::set<std::string>& ignored,
                          Printer& out);

Status RunPreflightPhase(JoinContext& ctx);

// kubeadm's check name for a file path: "FileAvailable-" + path with '/' replaced by '-'.
std::string FileAvailableCheckName(const std::string& path);

// DNS-1123 subdomain validation with apimachinery's message; "" when valid.
std::string ValidateDns1123Subdomain(const std::string& value);

}  // namespace joinguard::node::phases
