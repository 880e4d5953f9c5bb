// RBAC evaluation as kube-apiserver's RBAC authorizer, the upstream 403 message, and the
// bootstrap RBAC objects the sandbox seeds (upstream bootstrap policy subset + kubeadm).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/sandbox/logic/authn.h"

namespace joinguard::sandbox::logic {

struct RequestAttributes {
  UserInfo user;
  bool resource_request = true;
  // get list watch create update patch delete deletecollection (or the lower-case http verb
  // for non-resource requests: get post put patch delete ...).
  std::string verb;
  std::string api_group, resource, subresource, name, ns;  // ns empty for cluster-scoped
  std::string path;                                        // for non-resource requests
};

struct RbacObjects {
  std::vector<nlohmann::json> roles, cluster_roles, role_bindings, cluster_role_bindings;
};

struct AuthzDecision {
  bool allowed = false;
  std::string reason;  // e.g. `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`
};

// system:masters = superuser. Otherwise allowed iff a ClusterRoleBinding (to a ClusterRole) or,
// for namespaced requests, a RoleBinding in the request namespace (to a Role in that namespace
// or a ClusterRole) binds a subject matching the user to a rule covering the request.
AuthzDecision Authorize(const RequestAttributes& attrs, const RbacObjects& rbac);

// Does one PolicyRule (JSON) cover the request? Exposed for tests and for SAR.
bool RuleAllows(const RequestAttributes& attrs, const nlohmann::json& rule);

// Upstream 403 Status message, e.g.
//   secrets "x" is forbidden: User "u" cannot get resource "secrets" in API group "" in the namespace
//   "kube-system" certificatesigningrequests.certificates.k8s.io is forbidden: User "u" cannot list resource
//     "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope
//   forbidden: User "u" cannot get path "/foo"
std::string ForbiddenMessage(const RequestAttributes& attrs);

// Upstream bootstrap policy subset (cluster-admin, system:discovery, system:basic-user,
// system:public-info-viewer, system:node-bootstrapper, the certificatesigningrequests
// nodeclient/selfnodeclient ClusterRoles, and their bindings) plus kubeadm's objects of
// kubeadm cmd/kubeadm/app/phases/bootstraptoken/node/tlsbootstrap.go and kube-public's
// kubeadm:bootstrap-signer-clusterinfo Role/RoleBinding. kubeadm:node-autoapprove-bootstrap only when
// `autoapprove_binding`. Every object carries apiVersion, kind and metadata (namespace for Role/RoleBinding).
std::vector<nlohmann::json> BootstrapRbacObjects(bool autoapprove_binding);

}  // namespace joinguard::sandbox::logic
