// The resource types the sandbox serves, with the discovery facts kubectl relies on
// (client-go discovery/discovery_client.go; apimachinery pkg/apis/meta/v1/types.go
// APIResourceList): group/version, kind, scope, verbs, short names, subresources. Built-in types
// are fixed; CustomResourceDefinitions add and remove types at run time (SetCustomTypes).
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace joinguard::sandbox {

// One additionalPrinterColumns entry of a CRD version
// (apiextensions-apiserver pkg/apis/apiextensions/v1/types.go CustomResourceColumnDefinition).
struct PrinterColumn {
  std::string name, type, format, description, json_path;
  int priority = 0;
};

struct ResourceType {
  std::string group;     // "" for core
  std::string version;   // "v1"
  std::string resource;  // plural, "certificatesigningrequests"
  std::string singular;
  std::string kind;  // "CertificateSigningRequest"
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> subresources;        // "status", "approval"
  bool stored = true;                           // false for create-only reviews (SubjectAccessReview)
  bool requires_rv_on_update = false;           // Lease: AllowUnconditionalUpdate() == false
  std::vector<std::string> extra_field_labels;  // field selectors besides metadata.name/namespace
  // Custom resources only: the CRD that serves this type ("nodejoins.joinguard.io"), its list
  // kind and printer columns.
  std::string crd_name;
  std::string list_kind;
  std::vector<PrinterColumn> printer_columns;

  bool custom() const { return !crd_name.empty(); }
  std::string ListKind() const { return list_kind.empty() ? kind + "List" : list_kind; }

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "certificatesigningrequests.certificates.k8s.io" / "configmaps" (for messages).
  std::string QualifiedResource() const { return group.empty() ? resource : resource + "." + group; }
  // "CertificateSigningRequest.certificates.k8s.io" / "ConfigMap" (for Invalid messages).
  std::string QualifiedKind() const { return group.empty() ? kind : kind + "." + group; }
  // Storage key: "certificates.k8s.io/v1/certificatesigningrequests", "/v1/configmaps".
  std::string Gvr() const { return group + "/" + version + "/" + resource; }
  bool HasSubresource(const std::string& s) const;
};

// create, delete, deletecollection, get, list, patch, update, watch.
const std::vector<std::string>& StandardVerbs();

// Thread-safe. Pointers handed out stay valid for the registry's lifetime, also after a CRD's
// types are removed (a request already routed to a type finishes against it).
class ResourceRegistry {
 public:
  ResourceRegistry();
  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  const ResourceType* FindByGvr(const std::string& gvr) const;
  std::vector<const ResourceType*> All() const;
  // Replaces the types served for CRD `crd_name` by `types` (empty = remove them all). Returns
  // the types that were served before.
  std::vector<const ResourceType*> SetCustomTypes(const std::string& crd_name,
                                                  std::vector<ResourceType> types);

  // Discovery documents.
  nlohmann::json ApiVersions(const std::string& server_address) const;  // GET /api
  nlohmann::json ApiGroupList() const;                                  // GET /apis
  nlohmann::json ApiGroup(const std::string& group) const;              // GET /apis/<g>; null if unknown
  // GET /api/v1, /apis/<g>/<v>; null if unknown.
  nlohmann::json ApiResourceList(const std::string& group, const std::string& version) const;

 private:
  nlohmann::json ApiGroupLocked(const std::string& group) const;

  mutable std::shared_mutex mu_;  // guards types_ and retired_
  std::vector<std::shared_ptr<const ResourceType>> types_;
  std::vector<std::shared_ptr<const ResourceType>> retired_;  // keeps handed-out pointers alive
};

}  // namespace joinguard::sandbox
