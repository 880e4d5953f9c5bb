#include "tests/sandbox/logic/bootstrap_signer.h"

#include <map>

#include "common/crypto/jws.h"
#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

constexpr std::string_view kTokenType = "bootstrap.kubernetes.io/token";
constexpr std::string_view kJwsPrefix = "jws-kubeconfig-";

// ^bootstrap-token-([a-z0-9]{6})$
std::optional<std::string> ParseSecretName(const std::string& name) {
  constexpr std::string_view kPrefix = "bootstrap-token-";
  if (name.size() != kPrefix.size() + 6 || name.compare(0, kPrefix.size(), kPrefix) != 0) {
    return std::nullopt;
  }
  std::string id = name.substr(kPrefix.size());
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return std::nullopt;
  }
  return id;
}

bool HasExpired(const json& secret, std::chrono::system_clock::time_point now) {
  const std::string expiration = GetData(secret, "expiration");
  if (expiration.empty()) return false;
  auto t = ParseRfc3339(expiration);
  if (!t) return true;  // unparseable = expired
  return *t - now <= std::chrono::system_clock::duration::zero();
}

bool IsBootstrapTokenSecret(const json& secret) {
  if (!secret.is_object() || secret.value("type", "") != kTokenType) return false;
  const json meta = secret.value("metadata", json::object());
  const std::string ns = meta.is_object() ? meta.value("namespace", "kube-system") : "kube-system";
  return ns == "kube-system";
}

}  // namespace

static bool IsExpiredImpl(const json& secret, std::chrono::system_clock::time_point now) {
  if (!IsBootstrapTokenSecret(secret)) return false;
  return HasExpired(secret, now);
}

static std::optional<json> ResignImpl(const json& cluster_info, const std::vector<json>& token_secrets,
                                      std::chrono::system_clock::time_point now) {
  if (!cluster_info.is_object() || !cluster_info.contains("data") || !cluster_info["data"].is_object()) {
    return std::nullopt;
  }
  const json& data = cluster_info["data"];
  if (!data.contains("kubeconfig") || !data["kubeconfig"].is_string()) return std::nullopt;
  const std::string content = data["kubeconfig"].get<std::string>();

  json out = cluster_info;
  std::map<std::string, std::string> old_sigs;
  for (auto it = data.begin(); it != data.end(); ++it) {
    if (it.key().rfind(kJwsPrefix, 0) == 0) {
      old_sigs[it.key().substr(kJwsPrefix.size())] = it->is_string() ? it->get<std::string>() : "";
      out["data"].erase(it.key());
    }
  }
  // getTokens + validateSecretForSigning.
  std::map<std::string, std::string> tokens;
  for (const auto& secret : token_secrets) {
    if (!IsBootstrapTokenSecret(secret)) continue;
    const json meta = secret.value("metadata", json::object());
    auto name_id = ParseSecretName(meta.is_object() ? meta.value("name", "") : "");
    if (!name_id) continue;
    const std::string id = GetData(secret, "token-id");
    if (id.empty() || id != *name_id) continue;
    const std::string token_secret = GetData(secret, "token-secret");
    if (token_secret.empty()) continue;
    if (HasExpired(secret, now)) continue;
    if (GetData(secret, "usage-bootstrap-signing") != "true") continue;
    tokens[id] = token_secret;
  }
  bool need_update = false;
  for (const auto& [id, token_secret] : tokens) {
    const std::string sig = crypto::ComputeDetachedJws(content, id, token_secret);
    auto old = old_sigs.find(id);
    if (old == old_sigs.end() || old->second != sig) need_update = true;
    if (old != old_sigs.end()) old_sigs.erase(old);
    out["data"][std::string(kJwsPrefix) + id] = sig;
  }
  if (!old_sigs.empty()) need_update = true;
  if (!need_update) return std::nullopt;
  return out;
}

bool IsExpiredBootstrapTokenSecret(const json& secret, std::chrono::system_clock::time_point now) {
  try {
    return IsExpiredImpl(secret, now);
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

std::optional<json> ResignClusterInfo(const json& cluster_info, const std::vector<json>& token_secrets,
                                      std::chrono::system_clock::time_point now) {
  try {
    return ResignImpl(cluster_info, token_secrets, now);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace joinguard::sandbox::logic
