// The container runtime (CRI) endpoint: kubeadm's auto-detection and scheme rule
// (cmd/kubeadm/app/util/runtime/runtime.go detectCRISocketImpl, runtime_unix.go isExistingSocket,
// cmd/kubeadm/app/util/config/initconfiguration.go SetNodeRegistrationDynamicDefaults,
// cmd/kubeadm/app/constants/constants_unix.go).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "node-helper/preflight/host.h"

namespace joinguard::node::cri {

inline constexpr std::string_view kContainerdSocket = "unix:///var/run/containerd/containerd.sock";
inline constexpr std::string_view kCrioSocket = "unix:///var/run/crio/crio.sock";
inline constexpr std::string_view kCriDockerdSocket = "unix:///var/run/cri-dockerd.sock";
inline constexpr std::string_view kDefaultCriSocket = kContainerdSocket;
inline constexpr std::string_view kUnixScheme = "unix";

// kubeadm's known endpoints, in its detection order: containerd, CRI-O, cri-dockerd.
const std::vector<std::string_view>& KnownCriSockets();

// The filesystem path of an endpoint: "unix:///run/x.sock" → "/run/x.sock"; a bare path as is.
std::string SocketPath(std::string_view endpoint);

// Whether something accepts connections on the endpoint's socket.
using SocketProbe = std::function<bool(const std::string& endpoint)>;

// A probe that dials the endpoint's socket on `host` (runtime_unix.go isExistingSocket).
SocketProbe DialProbe(std::shared_ptr<const preflight::Host> host);

// kubeadm's detection: exactly one known socket accepting connections → it; none → the default
// (containerd; preflight and the kubelet report the problem later); several → kInvalidArgument
// "found multiple CRI endpoints on the host. Please define which one do you wish to use by
// setting the 'criSocket' field in the kubeadm configuration file: <a>, <b>".
StatusOr<std::string> DetectCriSocket(const SocketProbe& probe);

// nodeRegistration.criSocket after kubeadm's dynamic defaults: empty → DetectCriSocket; a value
// without "unix" prefix gets "unix://" and kubeadm's deprecation warning (appended to `warnings`).
StatusOr<std::string> ResolveCriSocket(const std::string& configured, const SocketProbe& probe,
                                       std::vector<std::string>* warnings);

}  // namespace joinguard::node::cri
