// The resource types the sandbox serves, with the discovery facts kubectl relies on
// (reference/k8s-api.md §7.1): group/version, kind, scope, verbs, short names, subresources.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joinguard::sandbox {

struct ResourceType {
  std::string group;     // "" for core
  std::string version;   // "v1"
  std::string resource;  // plural, "certificatesigningrequests"
  std::string singular;
  std::string kind;      // "CertificateSigningRequest"
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> subresources;  // "status", "approval"
  bool stored = true;            // false for create-only reviews (SubjectAccessReview)
  bool requires_rv_on_update = false;  // Lease: AllowUnconditionalUpdate() == false
  std::vector<std::string> extra_field_labels;  // field selectors besides metadata.name/namespace

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "certificatesigningrequests.certificates.k8s.io" / "configmaps" (for messages).
  std::string QualifiedResource() const { return group.empty() ? resource : resource + "." + group; }
  // "CertificateSigningRequest.certificates.k8s.io" / "ConfigMap" (for Invalid messages).
  std::string QualifiedKind() const { return group.empty() ? kind : kind + "." + group; }
  // Storage key: "certificates.k8s.io/v1/certificatesigningrequests", "/v1/configmaps".
  std::string Gvr() const { return group + "/" + version + "/" + resource; }
  bool HasSubresource(const std::string& s) const;
};

class ResourceRegistry {
 public:
  ResourceRegistry();
  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  const ResourceType* FindByGvr(const std::string& gvr) const;
  const std::vector<ResourceType>& all() const { return types_; }

  // Discovery documents.
  nlohmann::json ApiVersions(const std::string& server_address) const;  // GET /api
  nlohmann::json ApiGroupList() const;                                   // GET /apis
  nlohmann::json ApiGroup(const std::string& group) const;               // GET /apis/<g>; null if unknown
  // GET /api/v1, /apis/<g>/<v>; null if unknown.
  nlohmann::json ApiResourceList(const std::string& group, const std::string& version) const;

 private:
  std::vector<ResourceType> types_;
};

}  // namespace joinguard::sandbox
