// The `preflight` phase: kubeadm's node checks (node-helper/preflight/, same names, texts and
// warning/error split, so --ignore-preflight-errors=<name> and `all` work unchanged), then
// joinguard-node's own input checks, then the kubelet's version skew against the cluster's and
// the control-plane checks. Reported like kubeadm ([WARNING Name] / [ERROR Name]).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "node-helper/phases/join_context.h"
#include "node-helper/preflight/checks.h"

namespace joinguard::node::phases {

using PreflightCheck = preflight::Check;

// Runs `checks`; ignored failures and warnings are printed as kubeadm's "\t[WARNING Name]: ...".
// Failure: kFailedPrecondition with reason "PreflightError" and kubeadm's text
// ("[preflight] Some fatal errors occurred: ...").
Status RunPreflightChecks(const std::vector<PreflightCheck>& checks, const std::set<std::string>& ignored,
                          Printer& out);

Status RunPreflightPhase(JoinContext& ctx);

// The machine the checks read: ctx.env().new_host when set (tests), else the real one under
// ctx.paths().root.
std::shared_ptr<const preflight::Host> PreflightHost(const JoinContext& ctx);

// kubeadm's check name for a file path: "FileAvailable-" + path with '/' replaced by '-'.
std::string FileAvailableCheckName(const std::string& path);

// DNS-1123 subdomain validation with apimachinery's message; "" when valid.
std::string ValidateDns1123Subdomain(const std::string& value);

}  // namespace joinguard::node::phases
