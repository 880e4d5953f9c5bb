// Is /etc/kubernetes/kubelet.conf still usable? (kubelet bootstrap.go isClientConfigStillValid):
// it loads, its client certificate/key files are readable, the certificate PEM
// holds at least one certificate and none is past NotAfter.
#pragma once

#include <chrono>
#include <string>

#include "common/status/status.h"

namespace joinguard::node::bootstrap {

// OK when valid; kNotFound when the file is absent; kFailedPrecondition (with the reason) when
// present but unusable. On success `common_name` (optional) receives the certificate's CN.
Status CheckKubeletKubeconfig(const std::string& path, std::chrono::system_clock::time_point now,
                              std::string* common_name = nullptr);

}  // namespace joinguard::node::bootstrap
