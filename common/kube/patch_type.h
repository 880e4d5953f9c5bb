// The three patch types of the Kubernetes API and their Content-Type headers
// (k8s.io/apimachinery/pkg/types/patch.go), shared by the API client and kubeadm's --patches.
#pragma once

#include <string_view>

namespace joinguard::kube {

enum class PatchType { kMerge, kJson, kStrategicMerge };

// "application/merge-patch+json", "application/json-patch+json",
// "application/strategic-merge-patch+json".
std::string_view PatchContentType(PatchType t);

}  // namespace joinguard::kube
