#include "node-helper/token/token_ops.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "common/crypto/cert.h"
#include "common/crypto/pin.h"
#include "common/grants/validation.h"
#include "common/kube/api_error.h"
#include "common/kube/meta_time.h"
#include "node-helper/config/json_yaml.h"

namespace joinguard::node::token {
namespace {

using grants::JoinGrant;

constexpr std::string_view kNone = "<none>";

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string SecretName(std::string_view id) { return std::string(kTokenSecretPrefix) + std::string(id); }

// The id of "<id>" or "<id>.<secret>"; kInvalidArgument otherwise (the secret never echoed).
StatusOr<std::string> TokenIdOf(std::string_view id_or_token) {
  if (crypto::IsValidBootstrapTokenId(id_or_token)) return std::string(id_or_token);
  auto t = crypto::ParseBootstrapToken(id_or_token);
  if (t.ok()) return t->id;
  return InvalidArgumentError("\"" + crypto::RedactToken(id_or_token) +
                              "\" is neither a bootstrap token id ([a-z0-9]{6}) nor a token (<id>.<secret>)");
}

// Table with kubeadm's text/tabwriter settings (minwidth 10, padding 3, ' '): every cell but
// the last of a row is padded to the widest cell of its column plus 3.
std::string Tabulate(const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kMinWidth = 10;
  constexpr size_t kPadding = 3;
  std::vector<size_t> width;
  for (const auto& row : rows) {
    for (size_t c = 0; c + 1 < row.size(); ++c) {
      if (width.size() <= c) width.resize(c + 1, 0);
      width[c] = std::max(width[c], row[c].size() + kPadding);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      out += row[c];
      if (c + 1 < row.size()) out += std::string(std::max(width[c], kMinWidth) - row[c].size(), ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace

std::string ShortHumanDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 60) return std::to_string(s) + "s";
  int64_t m = s / 60;
  if (m < 60) return std::to_string(m) + "m";
  int64_t h = m / 60;
  if (h < 24 * 2) return std::to_string(h) + "h";
  if (h < 24 * 365 * 2) return std::to_string(h / 24) + "d";
  return std::to_string(h / 24 / 365) + "y";
}

Status ValidateCreateOptions(const CreateOptions& o) {
  if (!o.token.empty() && !crypto::IsValidBootstrapToken(o.token)) {
    return crypto::ParseBootstrapToken(o.token).status();  // kubeadm's message, secret redacted
  }
  if (o.ttl.count() < 0)
    return InvalidArgumentError("--ttl: must not be negative (0 means the token never expires)");
  if (o.usages.empty())
    return InvalidArgumentError("--usages: at least one of signing, authentication is required");
  std::set<std::string> seen;
  for (const auto& u : o.usages) {
    if (u != "signing" && u != "authentication") {
      return InvalidArgumentError("--usages: invalid bootstrap token usage \"" + u +
                                  "\" (valid usages are: signing, authentication)");
    }
    if (!seen.insert(u).second) return InvalidArgumentError("--usages: \"" + u + "\" given twice");
  }
  for (const auto& g : o.groups) {
    if (!crypto::IsValidBootstrapGroup(g)) {
      return InvalidArgumentError("--groups: \"" + g + "\" must match " +
                                  std::string(crypto::kBootstrapGroupPattern) +
                                  " (extra groups start with system:bootstrappers:)");
    }
  }
  if (!o.groups.empty() && std::find(o.usages.begin(), o.usages.end(), "authentication") == o.usages.end()) {
    return InvalidArgumentError(
        "--groups: token groups need the authentication usage (add --usages authentication)");
  }
  if (o.description.find('\n') != std::string::npos)
    return InvalidArgumentError("--description: must be one line");
  bool granted = !o.node_names.empty() || !o.node_name_pattern.empty();
  if (!granted && (o.max_joins != grants::kDefaultMaxJoins || o.allow_rejoin)) {
    return InvalidArgumentError(
        "--max-joins and --allow-rejoin shape a join grant; also give --node-names or "
        "--node-name-pattern");
  }
  if (granted) {
    JoinGrant g;
    g.metadata.name = g.spec.token_id = "abcdef";  // any valid id: only the spec is checked here
    g.spec.node_names = o.node_names;
    g.spec.node_name_pattern = o.node_name_pattern;
    g.spec.max_joins = o.max_joins;
    Status s = grants::ValidateJoinGrant(g);
    if (!s.ok()) {
      std::string m = s.message();
      for (auto [field, flag] :
           {std::pair{"spec.nodeNamePattern", "--node-name-pattern"},
            std::pair{"spec.nodeNames", "--node-names"}, std::pair{"spec.maxJoins", "--max-joins"}}) {
        if (m.rfind(field, 0) == 0) m = flag + m.substr(std::string(field).size());
      }
      return InvalidArgumentError(m);
    }
  }
  return OkStatus();
}

StatusOr<crypto::BootstrapToken> CreateToken(kube::Client& client, const runtime::Clock& clock,
                                             const CreateOptions& o) {
  JG_RETURN_IF_ERROR(ValidateCreateOptions(o));
  crypto::BootstrapToken token;
  if (o.token.empty()) {
    JG_ASSIGN_OR_RETURN(token, crypto::GenerateBootstrapToken());
  } else {
    JG_ASSIGN_OR_RETURN(token, crypto::ParseBootstrapToken(o.token));
  }
  std::optional<kube::Time> expires;
  if (o.ttl.count() > 0) expires = clock.Now() + o.ttl;

  bool granted = !o.node_names.empty() || !o.node_name_pattern.empty();
  if (granted) {
    JoinGrant g;
    g.metadata.name = token.id;
    g.metadata.labels["app.kubernetes.io/managed-by"] = "joinguard-node";
    g.spec.token_id = token.id;
    g.spec.node_names = o.node_names;
    g.spec.node_name_pattern = o.node_name_pattern;
    g.spec.max_joins = o.max_joins;
    g.spec.expires = expires;
    g.spec.allow_rejoin = o.allow_rejoin;
    auto created = client.CreateRaw(grants::kJoinGrants, "", ToJson(g));
    if (!created.ok()) {
      if (kube::IsAlreadyExists(created.status())) {
        return AlreadyExistsError(
            "a JoinGrant for token id \"" + token.id +
            "\" already exists; delete the old token first (joinguard-node token delete " + token.id +
            ") or let joinguard-node generate a new token");
      }
      if (kube::IsNotFound(created.status())) {
        return FailedPreconditionError(
            "the JoinGrant API (joingrants.joinguard.io) is not installed; apply "
            "deploy/base/crds/joingrants.yaml first (" +
            created.status().message() + ")");
      }
      return created.status().Annotate("creating JoinGrant " + token.id);
    }
  }

  kube::Secret secret;
  secret.metadata.name = SecretName(token.id);
  secret.metadata.namespace_ = std::string(kTokenSecretNamespace);
  secret.type = std::string(kTokenSecretType);
  secret.data["token-id"] = token.id;
  secret.data["token-secret"] = token.secret;
  if (!o.description.empty()) secret.data["description"] = o.description;
  if (expires) secret.data["expiration"] = kube::FormatTime(*expires);
  for (const auto& u : o.usages) secret.data["usage-bootstrap-" + u] = "true";
  if (!o.groups.empty()) secret.data["auth-extra-groups"] = Join(o.groups, ",");
  auto created = client.Create(secret);
  if (!created.ok()) {
    if (granted) {
      // Nothing half-written: the grant goes with the token.
      client.DeleteRaw(grants::kJoinGrants, "", token.id).status().IgnoreError();
    }
    if (kube::IsAlreadyExists(created.status())) {
      return AlreadyExistsError("bootstrap token \"" + token.id + "\" already exists (Secret kube-system/" +
                                SecretName(token.id) + ")");
    }
    return created.status().Annotate("creating Secret kube-system/" + SecretName(token.id));
  }
  return token;
}

StatusOr<std::vector<TokenInfo>> ListTokens(kube::Client& client) {
  kube::ListOptions opts;
  opts.field_selector = "type=" + std::string(kTokenSecretType);
  JG_ASSIGN_OR_RETURN(auto secrets, client.List<kube::Secret>(kTokenSecretNamespace, opts));
  std::map<std::string, TokenInfo> by_id;
  for (const kube::Secret& s : secrets.items) {
    // The same filter as the API server's authenticator (bootstrap.go): type and name.
    if (s.type != kTokenSecretType || s.metadata.name.rfind(kTokenSecretPrefix, 0) != 0) continue;
    std::string id = s.metadata.name.substr(kTokenSecretPrefix.size());
    auto it = s.data.find("token-id");
    if (!crypto::IsValidBootstrapTokenId(id) || it == s.data.end() || it->second != id) continue;
    TokenInfo info;
    info.id = id;
    info.has_secret = true;
    if (auto e = s.data.find("expiration"); e != s.data.end()) {
      auto t = kube::ParseTime(e->second);
      if (t.ok())
        info.expires = *t;
      else
        info.expiration_invalid = true;
    }
    for (const auto& [k, v] : s.data) {
      if (k.rfind("usage-bootstrap-", 0) == 0 && v == "true") info.usages.push_back(k.substr(16));
    }
    std::sort(info.usages.begin(), info.usages.end());
    if (auto g = s.data.find("auth-extra-groups"); g != s.data.end()) info.groups = Split(g->second, ',');
    if (auto d = s.data.find("description"); d != s.data.end()) info.description = d->second;
    by_id[id] = std::move(info);
  }
  auto grants_raw = client.ListAllRaw(grants::kJoinGrants, "", {});
  if (!grants_raw.ok() && !kube::IsNotFound(grants_raw.status())) {
    return grants_raw.status().Annotate("listing JoinGrants");
  }
  if (grants_raw.ok()) {
    JG_ASSIGN_OR_RETURN(auto list, kube::DecodeList<JoinGrant>(*grants_raw));
    for (JoinGrant& g : list.items) {
      TokenInfo& info = by_id[g.metadata.name];
      info.id = g.metadata.name;
      info.grant = std::move(g);
    }
  }
  std::vector<TokenInfo> out;
  for (auto& [id, info] : by_id) out.push_back(std::move(info));
  return out;
}

std::string FormatTokenTable(const std::vector<TokenInfo>& tokens, kube::Time now) {
  std::vector<std::vector<std::string>> rows = {{"TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION",
                                                 "EXTRA GROUPS", "NODE NAMES", "PATTERN", "USED", "LEFT"}};
  for (const TokenInfo& t : tokens) {
    std::vector<std::string> row;
    row.push_back(t.id + (t.has_secret ? ".<hidden>" : " (no Secret)"));
    if (!t.has_secret) {
      row.insert(row.end(), {"<none>", "<none>", "<none>", "<none>", "<none>"});
    } else {
      if (t.expiration_invalid) {
        row.insert(row.end(), {"<invalid>", "<invalid>"});
      } else if (t.expires) {
        row.push_back(ShortHumanDuration(std::chrono::duration_cast<std::chrono::seconds>(*t.expires - now)));
        row.push_back(kube::FormatTime(*t.expires));
      } else {
        row.insert(row.end(), {"<forever>", "<never>"});
      }
      row.push_back(t.usages.empty() ? std::string(kNone) : Join(t.usages, ","));
      row.push_back(t.description.empty() ? std::string(kNone) : t.description);
      row.push_back(t.groups.empty() ? std::string(kNone) : Join(t.groups, ","));
    }
    if (t.grant) {
      const auto& g = *t.grant;
      row.push_back(g.spec.node_names.empty() ? std::string(kNone) : Join(g.spec.node_names, ","));
      row.push_back(g.spec.node_name_pattern.empty() ? std::string(kNone) : g.spec.node_name_pattern);
      row.push_back(std::to_string(g.status.joins) + "/" + std::to_string(g.spec.max_joins));
      row.push_back(std::to_string(g.RemainingJoins()));
    } else {
      row.insert(row.end(), {"<no grant>", "<none>", "-", "-"});
    }
    rows.push_back(std::move(row));
  }
  return Tabulate(rows);
}

kube::Json TokensToJson(const std::vector<TokenInfo>& tokens, kube::Time now) {
  kube::Json items = kube::Json::array();
  for (const TokenInfo& t : tokens) {
    kube::Json j = {{"tokenID", t.id}, {"hasSecret", t.has_secret}};
    if (t.has_secret) {
      if (t.expires) {
        j["expires"] = kube::FormatTime(*t.expires);
        j["ttl"] = ShortHumanDuration(std::chrono::duration_cast<std::chrono::seconds>(*t.expires - now));
      }
      if (t.expiration_invalid) j["expires"] = "<invalid>";
      j["usages"] = t.usages;
      j["groups"] = t.groups;
      if (!t.description.empty()) j["description"] = t.description;
    }
    if (t.grant) {
      const auto& g = *t.grant;
      kube::Json gj = {{"nodeNames", g.spec.node_names},
                       {"maxJoins", g.spec.max_joins},
                       {"joins", g.status.joins},
                       {"remainingJoins", g.RemainingJoins()},
                       {"joinedNodes", g.status.joined_nodes},
                       {"allowRejoin", g.spec.allow_rejoin}};
      if (!g.spec.node_name_pattern.empty()) gj["nodeNamePattern"] = g.spec.node_name_pattern;
      if (g.spec.expires) gj["expires"] = kube::FormatTime(*g.spec.expires);
      j["grant"] = std::move(gj);
    }
    items.push_back(std::move(j));
  }
  return {
      {"apiVersion", "joinguard.io/v1alpha1"}, {"kind", "BootstrapTokenList"}, {"items", std::move(items)}};
}

std::string FormatTokensYaml(const std::vector<TokenInfo>& tokens, kube::Time now) {
  return config::JsonToYaml(TokensToJson(tokens, now), config::YamlStrings::kAlwaysQuoted);
}

StatusOr<std::string> DeleteToken(kube::Client& client, std::string_view id_or_token) {
  JG_ASSIGN_OR_RETURN(std::string id, TokenIdOf(id_or_token));
  // The Secret first: once it is gone the token authenticates nobody, whatever the grant says.
  Status secret = client.Delete<kube::Secret>(kTokenSecretNamespace, SecretName(id));
  if (!secret.ok() && !kube::IsNotFound(secret))
    return secret.Annotate("deleting Secret kube-system/" + SecretName(id));
  Status grant = client.DeleteRaw(grants::kJoinGrants, "", id).status();
  if (!grant.ok() && !kube::IsNotFound(grant)) return grant.Annotate("deleting JoinGrant " + id);
  if (kube::IsNotFound(secret) && (kube::IsNotFound(grant))) {
    return NotFoundError("bootstrap token \"" + id + "\" not found (no Secret kube-system/" + SecretName(id) +
                         " and no JoinGrant " + id + ")");
  }
  return "bootstrap token \"" + id + "\" deleted";
}

StatusOr<std::string> JoinCommand(const kube::RestConfig& config, const crypto::BootstrapToken& token) {
  constexpr std::string_view kHttps = "https://";
  std::string endpoint = config.server;
  if (endpoint.rfind(kHttps, 0) != 0) {
    return InvalidArgumentError("the kubeconfig's server \"" + config.server + "\" is not an https:// URL");
  }
  endpoint = endpoint.substr(kHttps.size());
  if (auto slash = endpoint.find('/'); slash != std::string::npos) endpoint.resize(slash);
  if (config.ca_pem.empty()) {
    return FailedPreconditionError(
        "the kubeconfig has no certificate-authority data, so no CA hash can be computed "
        "for --discovery-token-ca-cert-hash; use a kubeconfig with the cluster CA");
  }
  JG_ASSIGN_OR_RETURN(auto certs, crypto::ParseCertificatesPem(config.ca_pem));
  std::string line = "joinguard-node join " + endpoint + " --token " + token.ToString();
  for (const auto& cert : certs) line += " --discovery-token-ca-cert-hash " + crypto::SpkiPin(cert);
  return line;
}

}  // namespace joinguard::node::token
