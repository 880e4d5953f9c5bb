#include "node-helper/cri/cri_socket.h"

namespace joinguard::node::cri {

const std::vector<std::string_view>& KnownCriSockets() {
  static const auto* kSockets =
      new std::vector<std::string_view>{kContainerdSocket, kCrioSocket, kCriDockerdSocket};
  return *kSockets;
}

std::string SocketPath(std::string_view endpoint) {
  const std::string prefix = std::string(kUnixScheme) + "://";
  if (endpoint.substr(0, prefix.size()) == prefix) return std::string(endpoint.substr(prefix.size()));
  return std::string(endpoint);
}

SocketProbe DialProbe(std::shared_ptr<const preflight::Host> host) {
  return [host](const std::string& endpoint) { return host->DialUnix(SocketPath(endpoint)).ok(); };
}

StatusOr<std::string> DetectCriSocket(const SocketProbe& probe) {
  std::vector<std::string> found;
  for (std::string_view socket : KnownCriSockets()) {
    if (probe(std::string(socket))) found.emplace_back(socket);
  }
  if (found.empty()) return std::string(kDefaultCriSocket);
  if (found.size() == 1) return found[0];
  std::string joined;
  for (const auto& s : found) joined += (joined.empty() ? "" : ", ") + s;
  return InvalidArgumentError(
             "found multiple CRI endpoints on the host. Please define which one do you wish to use by "
             "setting "
             "the 'criSocket' field in the kubeadm configuration file: " +
             joined)
      .WithReason("ValidationError");
}

StatusOr<std::string> ResolveCriSocket(const std::string& configured, const SocketProbe& probe,
                                       std::vector<std::string>* warnings) {
  if (configured.empty()) return DetectCriSocket(probe);
  if (configured.rfind(kUnixScheme, 0) == 0) return configured;
  if (warnings != nullptr) {
    warnings->push_back(
        "Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet errors in the future. "
        "Automatically prepending scheme \"" +
        std::string(kUnixScheme) + "\" to the \"criSocket\" with value \"" + configured +
        "\". Please update your configuration!");
  }
  return std::string(kUnixScheme) + "://" + configured;
}

}  // namespace joinguard::node::cri
