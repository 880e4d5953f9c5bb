// kubeadm's kubelet-check (cmd/kubeadm/app/util/apiclient/wait.go WaitForKubelet, and the
// troubleshooting text of cmd/kubeadm/app/cmd/phases/join/kubelet.go): after the kubelet is
// (re)started, GET its /healthz until it answers 200 or the timeout (timeouts.kubeletHealthCheck,
// default 4m) passes.
#pragma once

#include <string>

#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

inline constexpr std::chrono::milliseconds kKubeletHealthInterval{500};  // constants.APICallRetryInterval

// Prints "[kubelet-check] Waiting for a healthy kubelet at <url>. This can take up to <t>" and
// "[kubelet-check] The kubelet is healthy after <d>". On timeout prints kubeadm's
// troubleshooting block and returns kDeadlineExceeded (reason KubeletUnhealthy) with kubeadm's
// "The HTTP call equal to 'curl -sSL <url>' returned ..." text.
Status WaitForKubelet(JoinContext& ctx, const std::string& url, runtime::Duration timeout);

}  // namespace joinguard::node::phases
