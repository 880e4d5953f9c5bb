// What an operator should do about a failed join, beyond the (kubeadm-worded) error itself.
#pragma once

#include <string>

#include "node-helper/phases/runner.h"

namespace joinguard::node::phases {

// "" when the message already says it all.
std::string HintFor(const PhaseFailure& failure);

}  // namespace joinguard::node::phases
