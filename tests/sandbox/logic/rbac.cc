#include "tests/sandbox/logic/rbac.h"

#include <algorithm>

#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

std::vector<std::string> StringList(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.is_object()) return out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string MetaName(const json& obj) {
  return obj.is_object() && obj.contains("metadata") ? Str(obj["metadata"], "name") : "";
}
std::string MetaNamespace(const json& obj) {
  return obj.is_object() && obj.contains("metadata") ? Str(obj["metadata"], "namespace") : "";
}

bool VerbMatches(const json& rule, const std::string& verb) {
  for (const auto& v : StringList(rule, "verbs")) {
    if (v == "*" || v == verb) return true;
  }
  return false;
}

bool ApiGroupMatches(const json& rule, const std::string& group) {
  for (const auto& g : StringList(rule, "apiGroups")) {
    if (g == "*" || g == group) return true;
  }
  return false;
}

bool ResourceMatches(const json& rule, const std::string& combined, const std::string& subresource) {
  for (const auto& r : StringList(rule, "resources")) {
    if (r == "*" || r == combined) return true;
    if (subresource.empty()) continue;
    if (r.size() == subresource.size() + 2 && r.rfind("*/", 0) == 0 &&
        r.compare(2, std::string::npos, subresource) == 0) {
      return true;
    }
  }
  return false;
}

bool ResourceNameMatches(const json& rule, const std::string& name) {
  auto names = StringList(rule, "resourceNames");
  if (names.empty()) return true;
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool NonResourceUrlMatches(const json& rule, const std::string& path) {
  for (const auto& u : StringList(rule, "nonResourceURLs")) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*') {
      std::string prefix = u;
      while (!prefix.empty() && prefix.back() == '*') prefix.pop_back();
      if (path.rfind(prefix, 0) == 0) return true;
    }
  }
  return false;
}

bool SubjectApplies(const UserInfo& user, const json& subject, const std::string& ns) {
  const std::string kind = Str(subject, "kind");
  const std::string name = Str(subject, "name");
  if (kind == "User") return user.name == name;
  if (kind == "Group") {
    return std::find(user.groups.begin(), user.groups.end(), name) != user.groups.end();
  }
  if (kind == "ServiceAccount") {
    std::string sa_ns = Str(subject, "namespace");
    if (sa_ns.empty()) sa_ns = ns;
    if (sa_ns.empty()) return false;
    return user.name == "system:serviceaccount:" + sa_ns + ":" + name;
  }
  return false;
}

std::string SubjectString(const json& subject) {
  const std::string kind = Str(subject, "kind");
  if (kind == "ServiceAccount") {
    return "ServiceAccount \"" + Str(subject, "namespace") + "/" + Str(subject, "name") + "\"";
  }
  return kind + " " + GoQuote(Str(subject, "name"));
}

const json* FindByName(const std::vector<json>& objs, const std::string& name, const std::string* ns) {
  for (const auto& o : objs) {
    if (MetaName(o) != name) continue;
    if (ns && MetaNamespace(o) != *ns) continue;
    return &o;
  }
  return nullptr;
}

bool AnyRuleAllows(const RequestAttributes& attrs, const json& role) {
  if (!role.is_object() || !role.contains("rules") || !role["rules"].is_array()) return false;
  for (const auto& rule : role["rules"]) {
    if (RuleAllows(attrs, rule)) return true;
  }
  return false;
}

}  // namespace

bool RuleAllows(const RequestAttributes& attrs, const json& rule) {
  if (attrs.resource_request) {
    std::string combined = attrs.resource;
    if (!attrs.subresource.empty()) combined += "/" + attrs.subresource;
    return VerbMatches(rule, attrs.verb) && ApiGroupMatches(rule, attrs.api_group) &&
           ResourceMatches(rule, combined, attrs.subresource) && ResourceNameMatches(rule, attrs.name);
  }
  return VerbMatches(rule, attrs.verb) && NonResourceUrlMatches(rule, attrs.path);
}

static AuthzDecision AuthorizeImpl(const RequestAttributes& attrs, const RbacObjects& rbac) {
  for (const auto& g : attrs.user.groups) {
    if (g == kSystemMasters) return {true, ""};
  }
  // ClusterRoleBindings (cluster-wide, ClusterRoles only).
  for (const auto& binding : rbac.cluster_role_bindings) {
    const json& ref = binding.value("roleRef", json::object());
    if (Str(ref, "kind") != "ClusterRole") continue;
    const json* role = FindByName(rbac.cluster_roles, Str(ref, "name"), nullptr);
    if (!role) continue;
    if (!binding.contains("subjects") || !binding["subjects"].is_array()) continue;
    for (const auto& subject : binding["subjects"]) {
      if (!SubjectApplies(attrs.user, subject, "")) continue;
      if (AnyRuleAllows(attrs, *role)) {
        return {true, "RBAC: allowed by ClusterRoleBinding " + GoQuote(MetaName(binding)) +
                          " of ClusterRole " + GoQuote(MetaName(*role)) + " to " + SubjectString(subject)};
      }
      break;
    }
  }
  // RoleBindings in the request namespace (to a Role there, or a ClusterRole).
  if (!attrs.ns.empty()) {
    for (const auto& binding : rbac.role_bindings) {
      if (MetaNamespace(binding) != attrs.ns) continue;
      const json& ref = binding.value("roleRef", json::object());
      const std::string kind = Str(ref, "kind");
      const json* role = nullptr;
      if (kind == "ClusterRole") {
        role = FindByName(rbac.cluster_roles, Str(ref, "name"), nullptr);
      } else if (kind == "Role") {
        role = FindByName(rbac.roles, Str(ref, "name"), &attrs.ns);
      }
      if (!role) continue;
      if (!binding.contains("subjects") || !binding["subjects"].is_array()) continue;
      for (const auto& subject : binding["subjects"]) {
        if (!SubjectApplies(attrs.user, subject, attrs.ns)) continue;
        if (AnyRuleAllows(attrs, *role)) {
          return {true, "RBAC: allowed by RoleBinding " + GoQuote(MetaName(binding) + "/" + attrs.ns) +
                            " of " + kind + " " + GoQuote(MetaName(*role)) + " to " + SubjectString(subject)};
        }
        break;
      }
    }
  }
  return {false, ""};
}

AuthzDecision Authorize(const RequestAttributes& attrs, const RbacObjects& rbac) {
  try {
    return AuthorizeImpl(attrs, rbac);
  } catch (const nlohmann::json::exception& e) {
    return {false, std::string("RBAC: malformed RBAC object: ") + e.what()};
  }
}

std::string ForbiddenMessage(const RequestAttributes& attrs) {
  if (!attrs.resource_request) {
    return "forbidden: User " + GoQuote(attrs.user.name) + " cannot " + attrs.verb + " path " +
           GoQuote(attrs.path);
  }
  std::string resource = attrs.resource;
  if (!attrs.subresource.empty()) resource += "/" + attrs.subresource;
  std::string detail = "User " + GoQuote(attrs.user.name) + " cannot " + attrs.verb + " resource " +
                       GoQuote(resource) + " in API group " + GoQuote(attrs.api_group);
  if (!attrs.ns.empty()) {
    detail += " in the namespace " + GoQuote(attrs.ns);
  } else {
    detail += " at the cluster scope";
  }
  // apierrors.NewForbidden(GroupResource{group, resource}, name, err).
  std::string qualified = attrs.resource;
  if (!attrs.api_group.empty()) qualified += "." + attrs.api_group;
  if (qualified.empty()) return "forbidden: " + detail;
  if (attrs.name.empty()) return qualified + " is forbidden: " + detail;
  return qualified + " " + GoQuote(attrs.name) + " is forbidden: " + detail;
}

namespace {

json Meta(const std::string& name, const std::string& ns, bool upstream_default) {
  json meta = {{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  if (upstream_default) {
    meta["labels"] = {{"kubernetes.io/bootstrapping", "rbac-defaults"}};
    meta["annotations"] = {{"rbac.authorization.kubernetes.io/autoupdate", "true"}};
  }
  return meta;
}

json Rule(std::vector<std::string> verbs, std::vector<std::string> groups, std::vector<std::string> resources,
          std::vector<std::string> names = {}) {
  json r = {{"verbs", verbs}, {"apiGroups", groups}, {"resources", resources}};
  if (!names.empty()) r["resourceNames"] = names;
  return r;
}

json NonResourceRule(std::vector<std::string> verbs, std::vector<std::string> urls) {
  return {{"verbs", verbs}, {"nonResourceURLs", urls}};
}

json ClusterRole(const std::string& name, json rules, bool upstream_default) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata", Meta(name, "", upstream_default)},
          {"rules", std::move(rules)}};
}

json Role(const std::string& name, const std::string& ns, json rules) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "Role"},
          {"metadata", Meta(name, ns, false)},
          {"rules", std::move(rules)}};
}

json Subject(const std::string& kind, const std::string& name) {
  return {{"kind", kind}, {"apiGroup", "rbac.authorization.k8s.io"}, {"name", name}};
}

json ClusterRoleBinding(const std::string& name, const std::string& role, json subjects,
                        bool upstream_default) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRoleBinding"},
          {"metadata", Meta(name, "", upstream_default)},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
          {"subjects", std::move(subjects)}};
}

json RoleBinding(const std::string& name, const std::string& ns, const std::string& role, json subjects) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "RoleBinding"},
          {"metadata", Meta(name, ns, false)},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", role}}},
          {"subjects", std::move(subjects)}};
}

}  // namespace

std::vector<nlohmann::json> BootstrapRbacObjects(bool autoapprove_binding) {
  const std::string kCert = "certificates.k8s.io";
  const std::string kNodeTokenGroup = "system:bootstrappers:kubeadm:default-node-token";
  std::vector<json> out;
  // --- upstream bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) ---
  out.push_back(ClusterRole("cluster-admin",
                            json::array({Rule({"*"}, {"*"}, {"*"}), NonResourceRule({"*"}, {"*"})}), true));
  out.push_back(ClusterRole(
      "system:discovery",
      json::array({NonResourceRule({"get"}, {"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                             "/openapi", "/openapi/*", "/readyz", "/version", "/version/"})}),
      true));
  out.push_back(
      ClusterRole("system:basic-user",
                  json::array({Rule({"create"}, {"authorization.k8s.io"},
                                    {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
                               Rule({"create"}, {"authentication.k8s.io"}, {"selfsubjectreviews"})}),
                  true));
  out.push_back(ClusterRole(
      "system:public-info-viewer",
      json::array({NonResourceRule({"get"}, {"/healthz", "/livez", "/readyz", "/version", "/version/"})}),
      true));
  out.push_back(ClusterRole(
      "system:node-bootstrapper",
      json::array({Rule({"create", "get", "list", "watch"}, {kCert}, {"certificatesigningrequests"})}),
      true));
  out.push_back(
      ClusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                  json::array({Rule({"create"}, {kCert}, {"certificatesigningrequests/nodeclient"})}), true));
  out.push_back(ClusterRole(
      "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
      json::array({Rule({"create"}, {kCert}, {"certificatesigningrequests/selfnodeclient"})}), true));
  for (const char* signer :
       {"legacy-unknown", "kubelet-serving", "kube-apiserver-client", "kube-apiserver-client-kubelet"}) {
    out.push_back(ClusterRole(
        std::string("system:certificates.k8s.io:") + signer + "-approver",
        json::array({Rule({"approve"}, {kCert}, {"signers"}, {std::string("kubernetes.io/") + signer})}),
        true));
  }
  // system:node: upstream's ClusterRole for nodes (the Node authorizer grants the same to
  // group system:nodes; the sandbox emulates that with the binding below).
  out.push_back(ClusterRole(
      "system:node",
      json::array({Rule({"create", "get", "list", "watch", "update", "patch", "delete"}, {""}, {"nodes"}),
                   Rule({"patch", "update"}, {""}, {"nodes/status"}),
                   Rule({"create", "patch", "update"}, {"", "events.k8s.io"}, {"events"}),
                   Rule({"create", "get", "list", "watch"}, {kCert}, {"certificatesigningrequests"}),
                   Rule({"create", "delete", "get", "patch", "update"}, {"coordination.k8s.io"}, {"leases"}),
                   Rule({"create"}, {"authentication.k8s.io"}, {"tokenreviews"}),
                   Rule({"create"}, {"authorization.k8s.io"},
                        {"subjectaccessreviews", "localsubjectaccessreviews"})}),
      true));
  out.push_back(ClusterRoleBinding("cluster-admin", "cluster-admin",
                                   json::array({Subject("Group", "system:masters")}), true));
  out.push_back(ClusterRoleBinding("system:discovery", "system:discovery",
                                   json::array({Subject("Group", "system:authenticated")}), true));
  out.push_back(ClusterRoleBinding("system:basic-user", "system:basic-user",
                                   json::array({Subject("Group", "system:authenticated")}), true));
  out.push_back(ClusterRoleBinding(
      "system:public-info-viewer", "system:public-info-viewer",
      json::array({Subject("Group", "system:authenticated"), Subject("Group", "system:unauthenticated")}),
      true));
  // Not upstream RBAC: stands in for the Node authorizer (which has no RBAC objects).
  out.push_back(ClusterRoleBinding("sandbox:node-authorizer", "system:node",
                                   json::array({Subject("Group", "system:nodes")}), false));

  // --- kubeadm (cmd/kubeadm/app/phases/bootstraptoken/node/tlsbootstrap.go, clusterinfo.go) ---
  out.push_back(ClusterRoleBinding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper",
                                   json::array({Subject("Group", kNodeTokenGroup)}), false));
  if (autoapprove_binding) {
    out.push_back(ClusterRoleBinding("kubeadm:node-autoapprove-bootstrap",
                                     "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                                     json::array({Subject("Group", kNodeTokenGroup)}), false));
  }
  out.push_back(ClusterRoleBinding("kubeadm:node-autoapprove-certificate-rotation",
                                   "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                                   json::array({Subject("Group", "system:nodes")}), false));
  out.push_back(ClusterRole("kubeadm:get-nodes", json::array({Rule({"get"}, {""}, {"nodes"})}), false));
  out.push_back(ClusterRoleBinding("kubeadm:get-nodes", "kubeadm:get-nodes",
                                   json::array({Subject("Group", kNodeTokenGroup)}), false));
  for (const auto& [name, cm] :
       std::vector<std::pair<std::string, std::string>>{{"kubeadm:nodes-kubeadm-config", "kubeadm-config"},
                                                        {"kubeadm:kubelet-config", "kubelet-config"}}) {
    out.push_back(Role(name, "kube-system", json::array({Rule({"get"}, {""}, {"configmaps"}, {cm})})));
    out.push_back(
        RoleBinding(name, "kube-system", name,
                    json::array({Subject("Group", kNodeTokenGroup), Subject("Group", "system:nodes")})));
  }
  out.push_back(Role("kubeadm:bootstrap-signer-clusterinfo", "kube-public",
                     json::array({Rule({"get"}, {""}, {"configmaps"}, {"cluster-info"})})));
  out.push_back(RoleBinding("kubeadm:bootstrap-signer-clusterinfo", "kube-public",
                            "kubeadm:bootstrap-signer-clusterinfo",
                            json::array({Subject("User", "system:anonymous")})));
  return out;
}

}  // namespace joinguard::sandbox::logic
