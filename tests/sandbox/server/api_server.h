// The request pipeline of the sandbox, after kube-apiserver's handler chain: fault injection →
// authentication (x509, bearer: static service-account tokens and bootstrap tokens, anonymous)
// → impersonation → RequestInfo → RBAC authorization → discovery / REST storage / watch.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/crypto/cert.h"
#include "common/runtime/clock.h"
#include "common/status/status.h"
#include "tests/sandbox/logic/authn.h"
#include "tests/sandbox/logic/rbac.h"
#include "tests/sandbox/sandbox.h"
#include "tests/sandbox/server/csr_parse_cache.h"
#include "tests/sandbox/server/faults.h"
#include "tests/sandbox/server/https_server.h"
#include "tests/sandbox/server/request_info.h"
#include "tests/sandbox/server/resources.h"
#include "tests/sandbox/server/store.h"

namespace joinguard::sandbox {

struct ApiServerConfig {
  ResourceRegistry* registry = nullptr;  // CRDs add and remove types
  Store* store = nullptr;
  const runtime::Clock* clock = nullptr;
  const crypto::Certificate* ca_cert = nullptr;  // client certificates must chain to it
  std::string version_minor = "31";
  std::chrono::milliseconds bookmark_interval{60000};
  std::function<std::string()> server_address;        // "127.0.0.1:port" for /api
  std::string admin_token;                            // "" = no /sandbox-admin/ endpoint
  std::function<ConnectionStats()> connection_stats;  // for GET /sandbox-admin/connections
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerConfig config);

  // The HTTP entry point.
  void Handle(const HttpRequest& req, ResponseWriter& w);

  // Static bearer tokens (service accounts).
  void AddServiceAccountToken(const std::string& ns, const std::string& name, const std::string& token);

  FaultInjector& faults() { return faults_; }
  // Parses of created kubelet CSRs, for the sandbox's signer (server/controllers.cc).
  CsrParseCache& csr_parses() { return csr_parses_; }

  // REST operations used by the HTTP handlers, the *ForTest hooks and the controllers.
  // Errors carry the Kubernetes reason and HTTP code (Status::reason(), http_status()). Objects
  // come back as the stored version (its text is what the API answers; Parse() for a copy).
  StatusOr<ObjectRef> Create(const ResourceType& type, const std::string& ns, nlohmann::json obj,
                             const logic::UserInfo& user, bool keep_csr_requester = false);
  StatusOr<ObjectRef> Update(const ResourceType& type, const std::string& ns, const std::string& name,
                             const std::string& subresource, nlohmann::json obj, const logic::UserInfo& user);
  StatusOr<nlohmann::json> Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                                  const nlohmann::json& options);
  StatusOr<ObjectRef> Get(const ResourceType& type, const std::string& ns, const std::string& name);

  // The RBAC objects, re-read only when one of the four RBAC collections changed.
  std::shared_ptr<const logic::RbacObjects> Rbac() const;
  logic::AuthzDecision Authorize(const logic::RequestAttributes& attrs) const;

  // Resolves an API path to (type, ns, name, subresource); nullptr type when unknown.
  struct Target {
    const ResourceType* type = nullptr;
    std::string ns, name, subresource;
  };
  Target ResolvePath(const std::string& path) const;

  static logic::UserInfo InternalAdmin();

  // Registers the types of every stored CustomResourceDefinition (after a restore).
  void RegisterStoredCustomResources();

 private:
  struct Context;
  StatusOr<logic::UserInfo> Authenticate(const HttpRequest& req) const;
  StatusOr<logic::UserInfo> Impersonate(const HttpRequest& req, logic::UserInfo user) const;
  bool ApplyFaults(const HttpRequest& req, ResponseWriter& w);
  void HandleNonResource(const HttpRequest& req, const RequestInfo& info, ResponseWriter& w);
  void HandleResource(const HttpRequest& req, const RequestInfo& info, const logic::UserInfo& user,
                      ResponseWriter& w);
  void HandleList(const HttpRequest& req, const ResourceType& type, const RequestInfo& info,
                  ResponseWriter& w);
  void HandleWatch(const HttpRequest& req, const ResourceType& type, const RequestInfo& info,
                   ResponseWriter& w);
  void HandleDeleteCollection(const HttpRequest& req, const ResourceType& type, const RequestInfo& info,
                              ResponseWriter& w);
  void HandleReview(const HttpRequest& req, const ResourceType& type, const logic::UserInfo& user,
                    ResponseWriter& w);
  StatusOr<ObjectRef> Patch(const ResourceType& type, const std::string& ns, const std::string& name,
                            const std::string& subresource, const std::string& content_type,
                            const std::string& body, const HttpRequest& req, const logic::UserInfo& user);
  StatusOr<nlohmann::json> ComputeUpdate(const ResourceType& type, const std::string& subresource,
                                         const nlohmann::json& old, nlohmann::json obj,
                                         const logic::UserInfo& user, const logic::RbacObjects& rbac,
                                         bool is_patch);
  Status CheckNamespaceExists(const std::string& ns) const;
  Status ValidateCrdOrInvalid(const ResourceType& type, const nlohmann::json& crd) const;
  void DeleteAllOf(const std::string& gvr);

  ApiServerConfig config_;
  ResourceRegistry& registry_;
  Store& store_;
  const runtime::Clock& clock_;

  struct CachedCertUser {
    logic::UserInfo user;
    std::chrono::system_clock::time_point valid_until;
  };
  mutable std::mutex rbac_mu_;  // guards rbac_cache_ and rbac_counts_
  mutable std::shared_ptr<const logic::RbacObjects> rbac_cache_;
  mutable std::vector<int64_t> rbac_counts_;
  struct CachedTokenUser {
    logic::UserInfo user;
    int64_t secrets_changes = 0;  // Store::ChangeCount of Secrets when the token was checked
    std::chrono::system_clock::time_point valid_until;
  };
  mutable std::mutex authn_mu_;                                 // guards cert_users_, token_users_
  mutable std::map<std::string, CachedCertUser> cert_users_;    // client cert DER → user
  mutable std::map<std::string, CachedTokenUser> token_users_;  // SHA-256(bootstrap token) → user
  mutable std::mutex mu_;                                       // guards tokens_ and rng_
  std::map<std::string, logic::UserInfo> tokens_;
  std::mt19937_64 rng_{std::random_device{}()};
  FaultInjector faults_;
  CsrParseCache csr_parses_;
};

// Kubernetes Status JSON for an error (details from the resource/name when relevant).
nlohmann::json StatusJson(const Status& status, const ResourceType* type, const std::string& name);
int HttpCodeFor(const Status& status);
std::string NowRfc3339(const runtime::Clock& clock);
std::string RandomUid();
std::string RandomNameSuffix(size_t n = 5);

}  // namespace joinguard::sandbox
