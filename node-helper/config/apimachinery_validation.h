// apimachinery's name validation with its messages (kubernetes/kubernetes
// staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go), as kubeadm's config
// validation quotes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace joinguard::node::config {

// IsDNS1123Subdomain: at most 253 characters of lower-case alphanumerics, '-' and '.', each
// dot-separated label starting and ending with an alphanumeric. Empty when valid.
std::vector<std::string> Dns1123SubdomainErrors(std::string_view value);

}  // namespace joinguard::node::config
