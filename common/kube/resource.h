// Resource descriptors: where a kind lives in the REST API.
#pragma once

#include <string>
#include <string_view>

namespace joinguard::kube {

// Trivially destructible on purpose (constexpr descriptors, no globals with destructors).
struct Resource {
  std::string_view group;    // "" for the core group
  std::string_view version;  // "v1"
  std::string_view plural;   // "certificatesigningrequests"
  std::string_view kind;     // "CertificateSigningRequest"
  bool namespaced = false;

  // "v1" or "certificates.k8s.io/v1".
  std::string ApiVersion() const;
  // "certificatesigningrequests.certificates.k8s.io" (as in API error messages).
  std::string GroupResource() const;
  // "/api/v1/namespaces/<ns>/configmaps" or "/apis/<g>/<v>/<plural>". For a namespaced
  // resource an empty `ns` means all namespaces.
  std::string CollectionPath(std::string_view ns) const;
  // CollectionPath + "/<name>" [+ "/<subresource>"]; name and ns are percent-encoded.
  std::string ObjectPath(std::string_view ns, std::string_view name, std::string_view subresource = {}) const;
};

namespace resources {
inline constexpr Resource kCertificateSigningRequests{
    "certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false};
inline constexpr Resource kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
inline constexpr Resource kSecrets{"", "v1", "secrets", "Secret", true};
inline constexpr Resource kNodes{"", "v1", "nodes", "Node", false};
inline constexpr Resource kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline constexpr Resource kEvents{"", "v1", "events", "Event", true};
inline constexpr Resource kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};
inline constexpr Resource kSubjectAccessReviews{"authorization.k8s.io", "v1", "subjectaccessreviews",
                                                "SubjectAccessReview", false};
inline constexpr Resource kClusterRoleBindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings",
                                               "ClusterRoleBinding", false};
}  // namespace resources

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view s);

}  // namespace joinguard::kube
