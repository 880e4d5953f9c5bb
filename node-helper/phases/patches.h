// kubeadm's --patches / patches.directory (cmd/kubeadm/app/util/patches/patches.go): files named
// "target[suffix][+patchtype].extension" in one directory, applied in file-name order to the
// object of their target. patchtype is "strategic" (default), "merge" (RFC 7386) or "json"
// (RFC 6902); extension is "json" or "yaml". Strategic merge patches are applied with JSON
// merge semantics plus the `$patch: replace|delete` directives, which is what
// k8s.io/apimachinery/pkg/util/strategicpatch does for an object without patchMergeKey lists
// (KubeletConfiguration: every list is replaced). Patch files are read through the strict YAML
// loader (JSON is YAML).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/patch_type.h"
#include "common/status/status.h"

namespace joinguard::node::phases {

inline constexpr std::string_view kKubeletConfigurationTarget = "kubeletconfiguration";

using kube::PatchType;

struct PatchFile {
  std::string path;
  std::string target;  // "kubeletconfiguration", "kube-apiserver", ...
  PatchType type = PatchType::kStrategicMerge;
  nlohmann::json patch;
};

// Parses "target[suffix][+patchtype].extension". `known_targets` are the targets this command
// patches; a file whose target is not one of them is reported in `ignored` (kubeadm ignores it
// too). kInvalidArgument (reason PatchInvalid) for an unknown patch type or unreadable content.
StatusOr<std::vector<PatchFile>> ReadPatchDirectory(const std::string& dir,
                                                    const std::vector<std::string>& known_targets,
                                                    std::vector<std::string>* ignored);

// Applies one patch to `doc`. kInvalidArgument (reason PatchInvalid) when a JSON patch
// operation cannot be applied (missing path, failed test).
Status ApplyPatch(const PatchFile& patch, nlohmann::json* doc);

}  // namespace joinguard::node::phases
