#include "tests/sandbox/server/resources.h"

#include <algorithm>
#include <set>

namespace joinguard::sandbox {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

ResourceType Make(std::string group, std::string resource, std::string singular, std::string kind,
                  bool namespaced, std::vector<std::string> short_names,
                  std::vector<std::string> subresources = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = "v1";
  t.resource = std::move(resource);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.verbs = kAllVerbs;
  t.short_names = std::move(short_names);
  t.subresources = std::move(subresources);
  return t;
}

}  // namespace

bool ResourceType::HasSubresource(const std::string& s) const {
  return std::find(subresources.begin(), subresources.end(), s) != subresources.end();
}

ResourceRegistry::ResourceRegistry() {
  // core/v1
  auto ns = Make("", "namespaces", "namespace", "Namespace", false, {"ns"}, {"status", "finalize"});
  ns.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  types_.push_back(ns);
  types_.push_back(Make("", "configmaps", "configmap", "ConfigMap", true, {"cm"}));
  auto secrets = Make("", "secrets", "secret", "Secret", true, {});
  secrets.extra_field_labels = {"type"};
  types_.push_back(secrets);
  auto nodes = Make("", "nodes", "node", "Node", false, {"no"}, {"status"});
  nodes.extra_field_labels = {"spec.unschedulable"};
  types_.push_back(nodes);
  types_.push_back(Make("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}));
  auto core_events = Make("", "events", "event", "Event", true, {"ev"});
  core_events.extra_field_labels = {"involvedObject.kind", "involvedObject.namespace",
                                    "involvedObject.name", "involvedObject.uid",
                                    "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                    "involvedObject.fieldPath", "reason", "reportingComponent",
                                    "source", "type"};
  types_.push_back(core_events);
  // events.k8s.io/v1
  auto events = Make("events.k8s.io", "events", "event", "Event", true, {"ev"});
  events.extra_field_labels = {"regarding.kind", "regarding.namespace", "regarding.name",
                               "regarding.uid", "reason", "reportingController", "type"};
  types_.push_back(events);
  // coordination.k8s.io/v1
  auto leases = Make("coordination.k8s.io", "leases", "lease", "Lease", true, {});
  leases.requires_rv_on_update = true;
  types_.push_back(leases);
  // rbac.authorization.k8s.io/v1
  types_.push_back(Make("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
                        "ClusterRoleBinding", false, {}));
  types_.push_back(
      Make("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, {}));
  types_.push_back(Make("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding",
                        true, {}));
  types_.push_back(Make("rbac.authorization.k8s.io", "roles", "role", "Role", true, {}));
  // apps/v1 (stored only: no controllers act on Deployments)
  types_.push_back(Make("apps", "deployments", "deployment", "Deployment", true, {"deploy"},
                        {"status"}));
  // certificates.k8s.io/v1
  auto csr = Make("certificates.k8s.io", "certificatesigningrequests", "certificatesigningrequest",
                  "CertificateSigningRequest", false, {"csr"}, {"approval", "status"});
  csr.extra_field_labels = {"spec.signerName"};
  types_.push_back(csr);
  // authorization.k8s.io/v1 (create-only reviews, never stored)
  auto sar = Make("authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview",
                  "SubjectAccessReview", false, {});
  sar.verbs = {"create"};
  sar.stored = false;
  types_.push_back(sar);
  auto ssar = Make("authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview",
                   "SelfSubjectAccessReview", false, {});
  ssar.verbs = {"create"};
  ssar.stored = false;
  types_.push_back(ssar);
  // authentication.k8s.io/v1 SelfSubjectReview (GA in 1.28): what `kubectl auth whoami` calls.
  auto ssr = Make("authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview",
                  "SelfSubjectReview", false, {});
  ssr.verbs = {"create"};
  ssr.stored = false;
  types_.push_back(ssr);
}

const ResourceType* ResourceRegistry::Find(const std::string& group, const std::string& version,
                                           const std::string& resource) const {
  for (const auto& t : types_) {
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  }
  return nullptr;
}

const ResourceType* ResourceRegistry::FindByGvr(const std::string& gvr) const {
  for (const auto& t : types_) {
    if (t.Gvr() == gvr) return &t;
  }
  return nullptr;
}

nlohmann::json ResourceRegistry::ApiVersions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

nlohmann::json ResourceRegistry::ApiGroup(const std::string& group) const {
  for (const auto& t : types_) {
    if (t.group == group && !group.empty()) {
      nlohmann::json gv = {{"groupVersion", group + "/" + t.version}, {"version", t.version}};
      return {{"kind", "APIGroup"},
              {"apiVersion", "v1"},
              {"name", group},
              {"versions", {gv}},
              {"preferredVersion", gv}};
    }
  }
  return nullptr;
}

nlohmann::json ResourceRegistry::ApiGroupList() const {
  nlohmann::json groups = nlohmann::json::array();
  std::set<std::string> seen;
  for (const auto& t : types_) {
    if (t.group.empty() || !seen.insert(t.group).second) continue;
    nlohmann::json g = ApiGroup(t.group);
    g.erase("kind");
    g.erase("apiVersion");
    groups.push_back(g);
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

nlohmann::json ResourceRegistry::ApiResourceList(const std::string& group,
                                                 const std::string& version) const {
  nlohmann::json resources = nlohmann::json::array();
  bool found = false;
  for (const auto& t : types_) {
    if (t.group != group || t.version != version) continue;
    found = true;
    nlohmann::json r = {{"name", t.resource},
                        {"singularName", t.singular},
                        {"namespaced", t.namespaced},
                        {"kind", t.kind},
                        {"verbs", t.verbs}};
    if (!t.short_names.empty()) r["shortNames"] = t.short_names;
    resources.push_back(r);
    for (const auto& sub : t.subresources) {
      nlohmann::json s = {{"name", t.resource + "/" + sub},
                          {"singularName", ""},
                          {"namespaced", t.namespaced},
                          {"kind", t.kind},
                          {"verbs", {"get", "patch", "update"}}};
      if (sub == "finalize") s["verbs"] = {"update"};
      resources.push_back(s);
    }
  }
  if (!found) return nullptr;
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

}  // namespace joinguard::sandbox
