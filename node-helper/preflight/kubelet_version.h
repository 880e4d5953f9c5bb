// kubeadm's KubeletVersion check (cmd/kubeadm/app/preflight/checks.go KubeletVersionCheck,
// utils.go GetKubeletVersion): the kubelet in PATH answers `kubelet --version`, and its version
// fits the control plane's (apimachinery util/version semantics).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status/status.h"
#include "node-helper/preflight/host.h"

namespace joinguard::node::preflight {

// A semantic version as k8s.io/apimachinery/pkg/util/version parses it ("v" prefix allowed).
struct Version {
  int major = 0, minor = 0, patch = 0;
  std::string pre_release;     // without the '-'
  std::string build;           // without the '+'
  std::string String() const;  // "1.31.0-rc.1+abc": no "v", as %q of *version.Version prints it
};

// ParseSemantic; kInvalidArgument `could not parse "<s>" as version`.
StatusOr<Version> ParseSemanticVersion(std::string_view s);
// semver precedence (pre-releases before the release; build metadata ignored).
bool VersionLess(const Version& a, const Version& b);

// The kubelet supports control planes up to this many minors newer (version skew policy;
// kubeadm's MinimumKubeletVersion = its own version - 3 minors).
inline constexpr int kKubeletMinorSkew = 3;

// Runs `kubelet --version`. Errors carry kubeadm's texts: "cannot execute 'kubelet --version':
// <why>", `Unable to parse output from Kubelet: "<output>"`.
StatusOr<Version> GetKubeletVersion(const Host& host);

// The skew problem, if any, of `kubelet` against the control plane's version: older than
// kKubeletMinorSkew minors, or a newer major/minor (kubeadm's texts).
std::optional<std::string> KubeletSkewProblem(const Version& kubelet, const Version& control_plane);

}  // namespace joinguard::node::preflight
