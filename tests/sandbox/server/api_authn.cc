// Authentication (x509, bearer tokens, anonymous) and impersonation, after apiserver
// pkg/authentication/request/{x509,bearertoken,anonymous} and pkg/endpoints/filters/impersonation.go.
#include "tests/sandbox/server/api_server.h"
#include "tests/sandbox/server/api_helpers.h"

#include <algorithm>
#include <thread>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/protobuf.h"
#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/crd.h"
#include "tests/sandbox/server/patch.h"
#include "tests/sandbox/server/selectors.h"
#include "tests/sandbox/server/tables.h"
#include "common/text/ascii.h"

namespace joinguard::sandbox {

using logic::UserInfo;
using nlohmann::json;
using namespace api_internal;

// ---- Authentication (apiserver pkg/authentication/request/{x509,bearertoken,anonymous}) ----

StatusOr<UserInfo> ApiServer::Authenticate(const HttpRequest& req) const {
  if (!req.peer_cert_der.empty()) {
    const auto now = clock_.Now();
    {
      std::lock_guard<std::mutex> lock(authn_mu_);
      auto it = cert_users_.find(req.peer_cert_der);
      if (it != cert_users_.end() && now < it->second.valid_until) return it->second.user;
    }
    auto cert = crypto::Certificate::FromDer(req.peer_cert_der);
    if (!cert.ok()) return Unauthorized();
    if (!crypto::VerifyCertificate(*cert, {*config_.ca_cert}, {}, clock_.Now()).ok()) {
      return Unauthorized();
    }
    auto ekus = cert->ExtendedKeyUsages();
    if (!ekus.empty() && std::find(ekus.begin(), ekus.end(), "client auth") == ekus.end() &&
        std::find(ekus.begin(), ekus.end(), "any") == ekus.end()) {
      return Unauthorized();
    }
    if (cert->CommonName().empty()) return Unauthorized();
    UserInfo user = logic::UserFromClientCert(cert->CommonName(), cert->Organizations());
    user.extra["authentication.kubernetes.io/credential-id"] = {
        "X509SHA256=" + crypto::HexEncode(crypto::Sha256(req.peer_cert_der))};
    // Verified certificates are remembered (bounded, and never past their NotAfter) so a
    // keep-alive client does not pay a chain verification per request.
    std::lock_guard<std::mutex> lock(authn_mu_);
    if (cert_users_.size() >= kMaxCachedCertUsers) cert_users_.clear();
    cert_users_[req.peer_cert_der] =
        CachedCertUser{user, std::min(now + kCertUserCacheTtl, cert->NotAfter())};
    return user;
  }
  std::string auth = req.Header("authorization");
  if (auth.size() >= 7 && text::AsciiLower(auth.substr(0, 7)) == "bearer ") {
    std::string token = auth.substr(7);
    while (!token.empty() && token.front() == ' ') token.erase(token.begin());
    while (!token.empty() && token.back() == ' ') token.pop_back();
    if (token.empty()) return Unauthorized();
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = tokens_.find(token);
      if (it != tokens_.end()) return it->second;
    }
    // A bootstrap token's user is remembered while no Secret changed and the token has not
    // expired, so a joining node does not pay a Secret decode per request. Keyed by the token's
    // hash: a lookup compares digests, never the secret itself.
    const auto now = clock_.Now();
    const std::string digest = crypto::Sha256(token);
    const int64_t secrets_changes = store_.ChangeCount(kSecretsGvr);  // read before the Secret
    {
      std::lock_guard<std::mutex> lock(authn_mu_);
      auto it = token_users_.find(digest);
      if (it != token_users_.end() && it->second.secrets_changes == secrets_changes &&
          now < it->second.valid_until) {
        return it->second.user;
      }
    }
    std::optional<json> secret;
    auto user = logic::AuthenticateBootstrapToken(
        token,
        [&](const std::string& name) {
          secret = store_.Get(kSecretsGvr, "kube-system", name);
          return secret;
        },
        now);
    if (!user) return Unauthorized();
    auto valid_until = std::chrono::system_clock::time_point::max();
    if (secret) {
      if (auto exp = logic::SecretDataValue(*secret, "expiration")) {
        auto t = logic::ParseRfc3339(*exp);
        valid_until = t ? *t : now;  // unparseable: never cached (the token is refused anyway)
      }
    }
    std::lock_guard<std::mutex> lock(authn_mu_);
    if (token_users_.size() >= kMaxCachedTokenUsers) token_users_.clear();
    token_users_[digest] = CachedTokenUser{*user, secrets_changes, valid_until};
    return *user;
  }
  return logic::AnonymousUser();
}

StatusOr<UserInfo> ApiServer::Impersonate(const HttpRequest& req, UserInfo user) const {
  std::vector<std::string> users = req.Headers("impersonate-user");
  std::vector<std::string> groups = req.Headers("impersonate-group");
  std::string uid = req.Header("impersonate-uid");
  std::map<std::string, std::vector<std::string>> extra;
  for (const auto& [k, v] : req.headers) {
    if (k.rfind("impersonate-extra-", 0) == 0) extra[PercentDecode(k.substr(18), false)].push_back(v);
  }
  if (users.empty()) {
    if (!groups.empty() || !extra.empty() || !uid.empty()) {
      return BadRequest("requested impersonation of groups, extra or uid without impersonating a user");
    }
    return user;
  }
  auto rbac = Rbac();
  auto check = [&](logic::RequestAttributes attrs) -> Status {
    attrs.user = user;
    attrs.verb = "impersonate";
    if (!logic::Authorize(attrs, *rbac).allowed) return Forbidden(logic::ForbiddenMessage(attrs));
    return OkStatus();
  };
  UserInfo out;
  out.name = users.front();
  logic::RequestAttributes a;
  constexpr std::string_view kSaPrefix = "system:serviceaccount:";
  if (out.name.rfind(kSaPrefix, 0) == 0) {
    std::string rest = out.name.substr(kSaPrefix.size());
    auto colon = rest.find(':');
    a.resource = "serviceaccounts";
    a.ns = rest.substr(0, colon);
    a.name = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (groups.empty()) out.groups = {"system:serviceaccounts", "system:serviceaccounts:" + a.ns};
  } else {
    a.resource = "users";
    a.name = out.name;
  }
  JG_RETURN_IF_ERROR(check(a));
  for (const auto& g : groups) {
    logic::RequestAttributes ga;
    ga.resource = "groups";
    ga.name = g;
    JG_RETURN_IF_ERROR(check(ga));
    out.groups.push_back(g);
  }
  if (!uid.empty()) {
    logic::RequestAttributes ua;
    ua.api_group = "authentication.k8s.io";
    ua.resource = "uids";
    ua.name = uid;
    JG_RETURN_IF_ERROR(check(ua));
    out.uid = uid;
  }
  for (const auto& [k, vals] : extra) {
    for (const auto& v : vals) {
      logic::RequestAttributes ea;
      ea.api_group = "authentication.k8s.io";
      ea.resource = "userextras";
      ea.subresource = k;
      ea.name = v;
      JG_RETURN_IF_ERROR(check(ea));
    }
  }
  out.extra = extra;
  if (out.name == "system:anonymous") {
    out.groups.push_back("system:unauthenticated");
  } else {
    logic::AddAuthenticatedGroup(out);
  }
  return out;
}

}  // namespace joinguard::sandbox
