// Authentication rules of kube-apiserver that the sandbox copies (bootstrap tokens, client
// certificates, service accounts, anonymous). Pure functions: no HTTP, no storage.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace joinguard::sandbox::logic {

struct UserInfo {
  std::string name, uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;  // addition: user.Info extra
};

inline constexpr std::string_view kSystemAuthenticated = "system:authenticated";
inline constexpr std::string_view kSystemUnauthenticated = "system:unauthenticated";
inline constexpr std::string_view kSystemMasters = "system:masters";
inline constexpr std::string_view kSystemAnonymous = "system:anonymous";

// Bootstrap token rules (upstream
// plugin/pkg/auth/authenticator/token/bootstrap): "<id>.<secret>" pattern, Secret
// kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token, constant-time secret
// compare, token-id match, expiration (unparseable = expired), usage-bootstrap-authentication ==
// "true", auth-extra-groups all matching the bootstrap group pattern. Result user
// "system:bootstrap:<id>", groups sorted+deduped {system:bootstrappers, extra...} plus
// system:authenticated. get_secret(name) returns the kube-system Secret JSON or nullopt.
// nullopt result = reject (401).
std::optional<UserInfo> AuthenticateBootstrapToken(
    std::string_view bearer_token,
    const std::function<std::optional<nlohmann::json>(const std::string&)>& get_secret,
    std::chrono::system_clock::time_point now);

// CN → user, O → groups, system:authenticated appended.
UserInfo UserFromClientCert(const std::string& cn, const std::vector<std::string>& orgs);
// system:serviceaccount:<ns>:<name>, groups system:serviceaccounts, system:serviceaccounts:<ns>,
// system:authenticated.
UserInfo ServiceAccountUser(const std::string& ns, const std::string& name);
// system:anonymous, groups [system:unauthenticated].
UserInfo AnonymousUser();

// Ensures system:authenticated is present exactly once (upstream group adder), unless the
// user is system:anonymous or already in system:unauthenticated.
void AddAuthenticatedGroup(UserInfo& user);

}  // namespace joinguard::sandbox::logic
