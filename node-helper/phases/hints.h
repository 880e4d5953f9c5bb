// What an operator should do about a failed join, beyond the (kubeadm-worded) error itself.
// Chosen from the failure's typed reason (node-helper/output/reason.h), never from its text.
#pragma once

#include <string>
#include <string_view>

#include "node-helper/output/reason.h"
#include "node-helper/phases/runner.h"

namespace joinguard::node::phases {

// The hint for a reason; "" when the error message already says it all.
std::string_view HintForReason(JoinReason reason);

// "hint: ..." for the failure, or "".
std::string HintFor(const PhaseFailure& failure);

}  // namespace joinguard::node::phases
