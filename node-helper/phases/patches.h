// kubeadm's --patches / patches.directory (cmd/kubeadm/app/util/patches/patches.go): files named
// "target[suffix][+patchtype].extension" in one directory, applied in file-name order to the
// object of their target. patchtype is "strategic" (default), "merge" (RFC 7386) or "json"
// (RFC 6902); extension is "json" or "yaml". Strategic merge patches follow
// k8s.io/apimachinery/pkg/util/strategicpatch: maps merge, null deletes, `$patch: replace|delete`;
// a list with a patchMergeKey in the target's schema (a Pod's containers by name, their env by
// name, volumeMounts by mountPath, ...; PodMergeKeys) merges element by element, every other
// list is replaced (KubeletConfiguration has none). Patch files are read through the strict YAML
// loader (JSON is YAML).
#pragma once

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/patch_type.h"
#include "common/status/status.h"

namespace joinguard::node::phases {

inline constexpr std::string_view kKubeletConfigurationTarget = "kubeletconfiguration";

// The targets of kubeadm join's --patches help (cmd/kubeadm/app/util/patches/patches.go): files for
// these are read; a join applies the kubelet configuration's and, on a control-plane node, the
// static Pods' (kube-apiserver, kube-controller-manager, kube-scheduler, etcd).
const std::vector<std::string>& KnownPatchTargets();

// Strategic-merge keys by list path: "spec.containers" -> "name" (dots join the map keys from
// the document's root; a list's elements add no step).
using MergeKeys = std::map<std::string, std::string, std::less<>>;

// The patchMergeKey tags of k8s.io/api/core/v1 types.go that a static Pod can hold.
const MergeKeys& PodMergeKeys();

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

// Applies one patch to `doc`, with `merge_keys` for a strategic merge. kInvalidArgument (reason
// PatchInvalid) when a JSON patch operation cannot be applied (missing path, failed test), a
// keyed list's element lacks its key, or a strategic directive other than `$patch` is used.
Status ApplyPatch(const PatchFile& patch, nlohmann::json* doc, const MergeKeys& merge_keys = {});

// kubeadm's line for an applied patch (without the "[patches] " prefix): Applied patch of type
// "application/merge-patch+json" to target "kube-apiserver".
std::string AppliedPatchLine(const PatchFile& patch);

}  // namespace joinguard::node::phases
