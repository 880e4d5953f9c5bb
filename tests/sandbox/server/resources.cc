#include "tests/sandbox/server/resources.h"

#include <algorithm>
#include <mutex>
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

const std::vector<std::string>& StandardVerbs() { return kAllVerbs; }

bool ResourceType::HasSubresource(const std::string& s) const {
  return std::find(subresources.begin(), subresources.end(), s) != subresources.end();
}

ResourceRegistry::ResourceRegistry() {
  auto Add = [this](ResourceType t) { types_.push_back(std::make_shared<const ResourceType>(std::move(t))); };
  // core/v1
  auto ns = Make("", "namespaces", "namespace", "Namespace", false, {"ns"}, {"status", "finalize"});
  ns.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  Add(ns);
  Add(Make("", "configmaps", "configmap", "ConfigMap", true, {"cm"}));
  auto secrets = Make("", "secrets", "secret", "Secret", true, {});
  secrets.extra_field_labels = {"type"};
  Add(secrets);
  auto nodes = Make("", "nodes", "node", "Node", false, {"no"}, {"status"});
  nodes.extra_field_labels = {"spec.unschedulable"};
  Add(nodes);
  Add(Make("", "services", "service", "Service", true, {"svc"}, {"status"}));
  Add(Make("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}));
  auto core_events = Make("", "events", "event", "Event", true, {"ev"});
  core_events.extra_field_labels = {"involvedObject.kind",
                                    "involvedObject.namespace",
                                    "involvedObject.name",
                                    "involvedObject.uid",
                                    "involvedObject.apiVersion",
                                    "involvedObject.resourceVersion",
                                    "involvedObject.fieldPath",
                                    "reason",
                                    "reportingComponent",
                                    "source",
                                    "type"};
  Add(core_events);
  // events.k8s.io/v1
  auto events = Make("events.k8s.io", "events", "event", "Event", true, {"ev"});
  events.extra_field_labels = {"regarding.kind",
                               "regarding.namespace",
                               "regarding.name",
                               "regarding.uid",
                               "reason",
                               "reportingController",
                               "type"};
  Add(events);
  // coordination.k8s.io/v1
  auto leases = Make("coordination.k8s.io", "leases", "lease", "Lease", true, {});
  leases.requires_rv_on_update = true;
  Add(leases);
  // rbac.authorization.k8s.io/v1
  Add(Make("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding",
           false, {}));
  Add(Make("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, {}));
  Add(Make("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, {}));
  Add(Make("rbac.authorization.k8s.io", "roles", "role", "Role", true, {}));
  // apps/v1 (stored only: no controllers act on Deployments)
  Add(Make("apps", "deployments", "deployment", "Deployment", true, {"deploy"}, {"status"}));
  // certificates.k8s.io/v1
  auto csr = Make("certificates.k8s.io", "certificatesigningrequests", "certificatesigningrequest",
                  "CertificateSigningRequest", false, {"csr"}, {"approval", "status"});
  csr.extra_field_labels = {"spec.signerName"};
  Add(csr);
  // authorization.k8s.io/v1 (create-only reviews, never stored)
  auto sar = Make("authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview",
                  "SubjectAccessReview", false, {});
  sar.verbs = {"create"};
  sar.stored = false;
  Add(sar);
  auto ssar = Make("authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview",
                   "SelfSubjectAccessReview", false, {});
  ssar.verbs = {"create"};
  ssar.stored = false;
  Add(ssar);
  // authentication.k8s.io/v1 SelfSubjectReview (GA in 1.28): what `kubectl auth whoami` calls.
  // apiextensions.k8s.io/v1 CustomResourceDefinition (served by crd.cc's strategy).
  auto crd = Make("apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
                  "CustomResourceDefinition", false, {"crd", "crds"}, {"status"});
  Add(crd);
  // policy/v1 and networking.k8s.io/v1: stored only, for `kubectl apply -k deploy/`.
  Add(Make("policy", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, {"pdb"},
           {"status"}));
  Add(Make("networking.k8s.io", "networkpolicies", "networkpolicy", "NetworkPolicy", true, {"netpol"}));
  auto ssr = Make("authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview",
                  false, {});
  ssr.verbs = {"create"};
  ssr.stored = false;
  Add(ssr);
}

const ResourceType* ResourceRegistry::Find(const std::string& group, const std::string& version,
                                           const std::string& resource) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& t : types_) {
    if (t->resource == resource && t->version == version && t->group == group) return t.get();
  }
  return nullptr;
}

const ResourceType* ResourceRegistry::FindByGvr(const std::string& gvr) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& t : types_) {
    if (t->Gvr() == gvr) return t.get();
  }
  return nullptr;
}

std::vector<const ResourceType*> ResourceRegistry::All() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<const ResourceType*> out;
  out.reserve(types_.size());
  for (const auto& t : types_) out.push_back(t.get());
  return out;
}

std::vector<const ResourceType*> ResourceRegistry::SetCustomTypes(const std::string& crd_name,
                                                                  std::vector<ResourceType> types) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  std::vector<const ResourceType*> before;
  std::vector<std::shared_ptr<const ResourceType>> kept;
  for (auto& t : types_) {
    if (t->crd_name == crd_name) {
      before.push_back(t.get());
      retired_.push_back(std::move(t));
    } else {
      kept.push_back(std::move(t));
    }
  }
  types_ = std::move(kept);
  for (auto& t : types) {
    t.crd_name = crd_name;
    types_.push_back(std::make_shared<const ResourceType>(std::move(t)));
  }
  return before;
}

nlohmann::json ResourceRegistry::ApiVersions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

nlohmann::json ResourceRegistry::ApiGroupLocked(const std::string& group) const {
  if (group.empty()) return nullptr;
  nlohmann::json versions = nlohmann::json::array();
  std::set<std::string> seen;
  for (const auto& t : types_) {
    if (t->group != group || !seen.insert(t->version).second) continue;
    versions.push_back({{"groupVersion", group + "/" + t->version}, {"version", t->version}});
  }
  if (versions.empty()) return nullptr;
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", group},
          {"versions", versions},
          {"preferredVersion", versions[0]}};
}

nlohmann::json ResourceRegistry::ApiGroup(const std::string& group) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ApiGroupLocked(group);
}

nlohmann::json ResourceRegistry::ApiGroupList() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  nlohmann::json groups = nlohmann::json::array();
  std::set<std::string> seen;
  for (const auto& t : types_) {
    if (t->group.empty() || !seen.insert(t->group).second) continue;
    nlohmann::json g = ApiGroupLocked(t->group);
    g.erase("kind");
    g.erase("apiVersion");
    groups.push_back(g);
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

nlohmann::json ResourceRegistry::ApiResourceList(const std::string& group, const std::string& version) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  nlohmann::json resources = nlohmann::json::array();
  bool found = false;
  for (const auto& tp : types_) {
    const ResourceType& t = *tp;
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
