#include "tests/sandbox/logic/authn.h"

#include <algorithm>
#include <set>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/bootstrap_signer.h"
#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

// \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z (cluster-bootstrap ValidateBootstrapGroupName).
bool IsValidGroup(std::string_view g) {
  constexpr std::string_view kPrefix = "system:bootstrappers:";
  if (g.size() <= kPrefix.size() || g.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = g.substr(kPrefix.size());
  if (rest.size() > 256) return false;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (i + 1 == rest.size()) {
      if (!alnum) return false;
    } else if (!alnum && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsTokenPattern(std::string_view token, std::string& id, std::string& secret) {
  // \A([a-z0-9]{6})\.([a-z0-9]{16})\z
  if (token.size() != 23 || token[6] != '.') return false;
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < token.size(); ++i) {
    if (i == 6) continue;
    if (!ok(token[i])) return false;
  }
  id = std::string(token.substr(0, 6));
  secret = std::string(token.substr(7));
  return true;
}

}  // namespace

void AddAuthenticatedGroup(UserInfo& user) {
  if (user.name == kSystemAnonymous) return;
  for (const auto& g : user.groups) {
    if (g == kSystemAuthenticated || g == kSystemUnauthenticated) return;
  }
  user.groups.emplace_back(kSystemAuthenticated);
}

static std::optional<UserInfo> AuthenticateBootstrapTokenImpl(
    std::string_view bearer_token,
    const std::function<std::optional<nlohmann::json>(const std::string&)>& get_secret,
    std::chrono::system_clock::time_point now) {
  std::string id, presented_secret;
  // 1. Token not of the right form: not ours (the chain then answers 401).
  if (!IsTokenPattern(bearer_token, id, presented_secret)) return std::nullopt;
  // 2. Secret kube-system/bootstrap-token-<id>.
  std::optional<nlohmann::json> secret = get_secret("bootstrap-token-" + id);
  if (!secret || !secret->is_object()) return std::nullopt;
  // 3. Not terminating, right type, data present.
  const nlohmann::json& meta = secret->value("metadata", nlohmann::json::object());
  if (meta.is_object() && meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null()) {
    return std::nullopt;
  }
  if (secret->value("type", "") != "bootstrap.kubernetes.io/token") return std::nullopt;
  if (!secret->contains("data") || !(*secret)["data"].is_object()) return std::nullopt;
  // 4. Constant-time secret compare.
  if (!crypto::ConstantTimeEquals(GetData(*secret, "token-secret"), presented_secret)) {
    return std::nullopt;
  }
  // 5. token-id must match.
  if (GetData(*secret, "token-id") != id) return std::nullopt;
  // 6. Expiry (unparseable = expired).
  if (IsExpiredBootstrapTokenSecret(*secret, now)) return std::nullopt;
  // 7. Usage.
  if (GetData(*secret, "usage-bootstrap-authentication") != "true") return std::nullopt;
  // 8. Groups: sorted set {system:bootstrappers} ∪ extra groups, each valid.
  std::set<std::string> groups{"system:bootstrappers"};
  const std::string extra = GetData(*secret, "auth-extra-groups");
  if (!extra.empty()) {
    size_t start = 0;
    while (true) {
      size_t comma = extra.find(',', start);
      std::string g = extra.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!IsValidGroup(g)) return std::nullopt;
      groups.insert(g);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  UserInfo user;
  user.name = "system:bootstrap:" + id;
  user.groups.assign(groups.begin(), groups.end());
  AddAuthenticatedGroup(user);
  return user;
}

std::optional<UserInfo> AuthenticateBootstrapToken(
    std::string_view bearer_token,
    const std::function<std::optional<nlohmann::json>(const std::string&)>& get_secret,
    std::chrono::system_clock::time_point now) {
  try {
    return AuthenticateBootstrapTokenImpl(bearer_token, get_secret, now);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a malformed Secret authenticates nobody
  }
}

UserInfo UserFromClientCert(const std::string& cn, const std::vector<std::string>& orgs) {
  UserInfo user;
  user.name = cn;
  user.groups = orgs;
  AddAuthenticatedGroup(user);
  return user;
}

UserInfo ServiceAccountUser(const std::string& ns, const std::string& name) {
  UserInfo user;
  user.name = "system:serviceaccount:" + ns + ":" + name;
  user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns};
  AddAuthenticatedGroup(user);
  return user;
}

UserInfo AnonymousUser() {
  UserInfo user;
  user.name = std::string(kSystemAnonymous);
  user.groups = {std::string(kSystemUnauthenticated)};
  return user;
}

}  // namespace joinguard::sandbox::logic
