// Bootstrap tokens "<id>.<secret>" with the upstream patterns
// (kubernetes/kubernetes staging/src/k8s.io/cluster-bootstrap/token/api/types.go).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace joinguard::crypto {

inline constexpr std::string_view kBootstrapTokenPattern = R"(\A([a-z0-9]{6})\.([a-z0-9]{16})\z)";
inline constexpr std::string_view kBootstrapTokenIdPattern = R"(\A([a-z0-9]{6})\z)";
inline constexpr std::string_view kBootstrapGroupPattern =
    R"(\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z)";

struct BootstrapToken {
  std::string id;
  std::string secret;
  std::string ToString() const { return id + "." + secret; }  // contains the secret: never log
};

// kubeadm's parser; error text `the bootstrap token "<id>.<redacted>" was not of the form "<pattern>"`
// (kInvalidArgument), except that everything after the '.' is shown as "<redacted>" so that
// the message is safe to log.
StatusOr<BootstrapToken> ParseBootstrapToken(std::string_view token);
bool IsValidBootstrapToken(std::string_view token);  // constant-time secret check
bool IsValidBootstrapTokenId(std::string_view id);
bool IsValidBootstrapGroup(std::string_view group);
// Uniform draw from [0-9a-z] for each character.
StatusOr<BootstrapToken> GenerateBootstrapToken();
// "abcdef.<redacted>" for logs; "<invalid token>" when it does not parse.
std::string RedactToken(std::string_view token);

}  // namespace joinguard::crypto
