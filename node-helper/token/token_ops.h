// Bootstrap tokens with join grants: what `joinguard-node token create|list|delete` does
// against the API server. The Secret is byte-compatible with kubeadm's
// (cmd/kubeadm/app/apis/bootstraptoken/v1/utils.go BootstrapTokenToSecret); the JoinGrant
// beside it says which node names the token may join (common/grants).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/crypto/token.h"
#include "common/grants/join_grant.h"
#include "common/kube/client.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/runtime/duration.h"

namespace joinguard::node::token {

inline constexpr std::string_view kTokenSecretNamespace = "kube-system";
inline constexpr std::string_view kTokenSecretPrefix = "bootstrap-token-";
inline constexpr std::string_view kTokenSecretType = "bootstrap.kubernetes.io/token";
inline constexpr std::string_view kDefaultGroup = "system:bootstrappers:kubeadm:default-node-token";
// kubeadm's default token TTL (cmd/kubeadm/app/constants DefaultTokenDuration).
inline constexpr runtime::Duration kDefaultTtl = std::chrono::hours(24);

struct CreateOptions {
  std::string token;                    // "<id>.<secret>"; empty = generate one
  runtime::Duration ttl = kDefaultTtl;  // 0 = never expires
  std::vector<std::string> usages = {"signing", "authentication"};
  std::vector<std::string> groups = {std::string(kDefaultGroup)};
  std::string description;
  // The grant; with neither names nor a pattern no JoinGrant is created (a plain kubeadm token).
  std::vector<std::string> node_names;
  std::string node_name_pattern;
  int32_t max_joins = grants::kDefaultMaxJoins;
  bool allow_rejoin = false;
};

// Validates everything before any write; kInvalidArgument naming the flag.
Status ValidateCreateOptions(const CreateOptions& options);

// Creates the JoinGrant first, then the Secret (so a token never exists without the grant that
// limits it); when the Secret cannot be created the grant is deleted again. Returns the token.
StatusOr<crypto::BootstrapToken> CreateToken(kube::Client& client, const runtime::Clock& clock,
                                             const CreateOptions& options);

// One row of `token list`: a token Secret and/or its grant.
struct TokenInfo {
  std::string id;
  bool has_secret = false;
  std::optional<kube::Time> expires;  // the Secret's expiration
  bool expiration_invalid = false;    // unparseable expiration (treated as expired upstream)
  std::vector<std::string> usages;
  std::vector<std::string> groups;
  std::string description;
  std::optional<grants::JoinGrant> grant;
};

StatusOr<std::vector<TokenInfo>> ListTokens(kube::Client& client);

// kubeadm's columns (TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS) plus the grant's
// (NODE NAMES, PATTERN, USED, LEFT). The secret half of the token is never printed.
std::string FormatTokenTable(const std::vector<TokenInfo>& tokens, kube::Time now);
// -o json / -o yaml: {"apiVersion":"joinguard.io/v1alpha1","kind":"BootstrapTokenList","items":[...]}.
kube::Json TokensToJson(const std::vector<TokenInfo>& tokens, kube::Time now);
std::string FormatTokensYaml(const std::vector<TokenInfo>& tokens, kube::Time now);

// Deletes the Secret and the JoinGrant of a token id (or full token). kNotFound when neither
// exists. Returns the kubeadm-style confirmation line.
StatusOr<std::string> DeleteToken(kube::Client& client, std::string_view id_or_token);

// `joinguard-node join <endpoint> --token <t> --discovery-token-ca-cert-hash sha256:<h>...`
// for the cluster `config` talks to (kubeadm: cmd/kubeadm/app/cmd/util/join.go): the endpoint
// is the server URL's host:port, one hash per CA certificate in the bundle.
StatusOr<std::string> JoinCommand(const kube::RestConfig& config, const crypto::BootstrapToken& token);

// k8s.io/apimachinery/pkg/util/duration.ShortHumanDuration.
std::string ShortHumanDuration(std::chrono::seconds d);

}  // namespace joinguard::node::token
