#include "common/kube/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <set>
#include <sstream>

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"
#include "common/runtime/logger.h"
#include "common/yaml/strict_yaml.h"

namespace joinguard::kube {
namespace {

template <typename T>
const T* FindNamed(const std::vector<Named<T>>& v, std::string_view name) {
  for (const auto& n : v) {
    if (n.name == name) return &n.value;
  }
  return nullptr;
}

// client-go ResolveLocalPaths: relative paths are relative to the kubeconfig's directory.
std::string ResolvePath(const std::string& p, std::string_view base_dir) {
  if (p.empty() || p[0] == '/' || base_dir.empty()) return p;
  std::string out(base_dir);
  if (out.back() != '/') out += '/';
  return out + p;
}

Status ReadScalar(const YAML::Node& node, const char* key, std::string* out, const std::string& where) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return OkStatus();
  if (!v.IsScalar()) {
    return InvalidArgumentError("kubeconfig: " + where + "." + key + " must be a string");
  }
  *out = v.as<std::string>();
  return OkStatus();
}

Status ReadData(const YAML::Node& node, const char* key, std::string* out, const std::string& where) {
  std::string b64;
  JG_RETURN_IF_ERROR(ReadScalar(node, key, &b64, where));
  if (b64.empty()) return OkStatus();
  auto d = crypto::Base64Decode(b64);
  if (!d.ok()) {
    return InvalidArgumentError("kubeconfig: " + where + "." + key +
                                " is not valid base64; it must hold the base64 of PEM data");
  }
  *out = std::move(*d);
  return OkStatus();
}

template <typename Named>
Status RefuseDuplicateNames(const std::vector<Named>& list, const char* field) {
  std::set<std::string> seen;
  for (const auto& n : list) {
    if (!seen.insert(n.name).second) {
      return InvalidArgumentError(std::string("kubeconfig: duplicate name \"") + n.name + "\" in " + field +
                                  "; every entry of a kubeconfig list needs its own name");
    }
  }
  return OkStatus();
}

// users[].user.exec (client-go api/v1 ExecConfig): command, args, env, apiVersion, installHint,
// provideClusterInfo, interactiveMode.
Status ReadExec(const YAML::Node& node, const std::string& where, std::optional<KubeconfigUser::Exec>* out) {
  if (!node || node.IsNull()) return OkStatus();
  const std::string at = where + ".exec";
  if (!node.IsMap()) return InvalidArgumentError("kubeconfig: " + at + " must be a mapping");
  KubeconfigUser::Exec e;
  JG_RETURN_IF_ERROR(ReadScalar(node, "command", &e.command, at));
  JG_RETURN_IF_ERROR(ReadScalar(node, "apiVersion", &e.api_version, at));
  JG_RETURN_IF_ERROR(ReadScalar(node, "installHint", &e.install_hint, at));
  JG_RETURN_IF_ERROR(ReadScalar(node, "interactiveMode", &e.interactive_mode, at));
  if (const YAML::Node args = node["args"]; args && !args.IsNull()) {
    if (!args.IsSequence())
      return InvalidArgumentError("kubeconfig: " + at + ".args must be a list of strings");
    for (const auto& a : args) {
      if (!a.IsScalar()) return InvalidArgumentError("kubeconfig: " + at + ".args must be a list of strings");
      e.args.push_back(a.as<std::string>());
    }
  }
  if (const YAML::Node env = node["env"]; env && !env.IsNull()) {
    if (!env.IsSequence())
      return InvalidArgumentError("kubeconfig: " + at + ".env must be a list of {name, value}");
    for (const auto& v : env) {
      if (!v.IsMap())
        return InvalidArgumentError("kubeconfig: " + at + ".env must be a list of {name, value}");
      std::pair<std::string, std::string> kv;
      JG_RETURN_IF_ERROR(ReadScalar(v, "name", &kv.first, at + ".env[]"));
      JG_RETURN_IF_ERROR(ReadScalar(v, "value", &kv.second, at + ".env[]"));
      e.env.push_back(std::move(kv));
    }
  }
  if (const YAML::Node p = node["provideClusterInfo"]; p && !p.IsNull()) {
    if (!p.IsScalar() || !YAML::convert<bool>::decode(p, e.provide_cluster_info)) {
      return InvalidArgumentError("kubeconfig: " + at + ".provideClusterInfo must be true or false");
    }
  }
  *out = std::move(e);
  return OkStatus();
}

Status ParseImpl(const YAML::Node& root, std::string_view base_dir, Kubeconfig* out) {
  if (!root || root.IsNull()) return OkStatus();  // empty file = empty config
  if (!root.IsMap()) return InvalidArgumentError("kubeconfig: top level must be a mapping");
  JG_RETURN_IF_ERROR(ReadScalar(root, "current-context", &out->current_context, "config"));
  if (const YAML::Node clusters = root["clusters"]; clusters && !clusters.IsNull()) {
    if (!clusters.IsSequence()) return InvalidArgumentError("kubeconfig: clusters must be a list");
    for (const auto& item : clusters) {
      Named<KubeconfigCluster> n;
      JG_RETURN_IF_ERROR(ReadScalar(item, "name", &n.name, "clusters[]"));
      const std::string where = "cluster \"" + n.name + "\"";
      const YAML::Node c = item["cluster"];
      if (c && c.IsMap()) {
        JG_RETURN_IF_ERROR(ReadScalar(c, "server", &n.value.server, where));
        JG_RETURN_IF_ERROR(ReadScalar(c, "certificate-authority", &n.value.certificate_authority, where));
        n.value.certificate_authority = ResolvePath(n.value.certificate_authority, base_dir);
        JG_RETURN_IF_ERROR(
            ReadData(c, "certificate-authority-data", &n.value.certificate_authority_data, where));
        if (const YAML::Node v = c["insecure-skip-tls-verify"]; v && !v.IsNull()) {
          std::string s = v.as<std::string>();
          if (s == "true" || s == "True" || s == "TRUE") {
            n.value.insecure_skip_tls_verify = true;
          } else if (s != "false" && s != "False" && s != "FALSE") {
            return InvalidArgumentError("kubeconfig: " + where +
                                        ".insecure-skip-tls-verify must be true or false");
          }
        }
        JG_RETURN_IF_ERROR(ReadScalar(c, "tls-server-name", &n.value.tls_server_name, where));
        JG_RETURN_IF_ERROR(ReadScalar(c, "proxy-url", &n.value.proxy_url, where));
      }
      out->clusters.push_back(std::move(n));
    }
  }
  if (const YAML::Node users = root["users"]; users && !users.IsNull()) {
    if (!users.IsSequence()) return InvalidArgumentError("kubeconfig: users must be a list");
    for (const auto& item : users) {
      Named<KubeconfigUser> n;
      JG_RETURN_IF_ERROR(ReadScalar(item, "name", &n.name, "users[]"));
      const std::string where = "user \"" + n.name + "\"";
      const YAML::Node u = item["user"];
      if (u && u.IsMap()) {
        JG_RETURN_IF_ERROR(ReadScalar(u, "client-certificate", &n.value.client_certificate, where));
        n.value.client_certificate = ResolvePath(n.value.client_certificate, base_dir);
        JG_RETURN_IF_ERROR(ReadData(u, "client-certificate-data", &n.value.client_certificate_data, where));
        JG_RETURN_IF_ERROR(ReadScalar(u, "client-key", &n.value.client_key, where));
        n.value.client_key = ResolvePath(n.value.client_key, base_dir);
        JG_RETURN_IF_ERROR(ReadData(u, "client-key-data", &n.value.client_key_data, where));
        JG_RETURN_IF_ERROR(ReadScalar(u, "token", &n.value.token, where));
        JG_RETURN_IF_ERROR(ReadScalar(u, "tokenFile", &n.value.token_file, where));
        n.value.token_file = ResolvePath(n.value.token_file, base_dir);
        JG_RETURN_IF_ERROR(ReadScalar(u, "username", &n.value.username, where));
        JG_RETURN_IF_ERROR(ReadScalar(u, "password", &n.value.password, where));
        JG_RETURN_IF_ERROR(ReadExec(u["exec"], where, &n.value.exec));
        if (const YAML::Node ap = u["auth-provider"]; ap && !ap.IsNull()) {
          if (!ap.IsMap())
            return InvalidArgumentError("kubeconfig: " + where + ".auth-provider must be a mapping");
          std::string name;
          JG_RETURN_IF_ERROR(ReadScalar(ap, "name", &name, where + ".auth-provider"));
          n.value.auth_provider_name = name;
        }
      }
      out->users.push_back(std::move(n));
    }
  }
  if (const YAML::Node contexts = root["contexts"]; contexts && !contexts.IsNull()) {
    if (!contexts.IsSequence()) return InvalidArgumentError("kubeconfig: contexts must be a list");
    for (const auto& item : contexts) {
      Named<KubeconfigContext> n;
      JG_RETURN_IF_ERROR(ReadScalar(item, "name", &n.name, "contexts[]"));
      const std::string where = "context \"" + n.name + "\"";
      const YAML::Node c = item["context"];
      if (c && c.IsMap()) {
        JG_RETURN_IF_ERROR(ReadScalar(c, "cluster", &n.value.cluster, where));
        JG_RETURN_IF_ERROR(ReadScalar(c, "user", &n.value.user, where));
        JG_RETURN_IF_ERROR(ReadScalar(c, "namespace", &n.value.namespace_, where));
      }
      out->contexts.push_back(std::move(n));
    }
  }
  // client-go refuses a name that appears twice in one list
  // (k8s.io/client-go/tools/clientcmd/api/v1/conversion.go: "duplicate name ... in list").
  JG_RETURN_IF_ERROR(RefuseDuplicateNames(out->clusters, "clusters"));
  JG_RETURN_IF_ERROR(RefuseDuplicateNames(out->users, "users"));
  JG_RETURN_IF_ERROR(RefuseDuplicateNames(out->contexts, "contexts"));
  return OkStatus();
}

// A YAML scalar as go-yaml would write it: plain when unambiguous, else double-quoted.
std::string Scalar(const std::string& s) {
  bool plain = !s.empty();
  if (plain) {
    const char first = s.front();
    if (std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(first) != std::string_view::npos) plain = false;
    if (std::isspace(static_cast<unsigned char>(s.back()))) plain = false;
    if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) plain = false;
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) plain = false;
    }
    static const char* const kReserved[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
    std::string lower;
    for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    for (const char* r : kReserved) {
      if (lower == r) plain = false;
    }
    bool numeric = true;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+' && c != 'e' &&
          c != 'E') {
        numeric = false;
      }
    }
    if (numeric) plain = false;
  }
  if (plain) return s;
  // A JSON string literal is a valid YAML double-quoted scalar (YAML 1.2 section 7.3.1): every
  // control byte is escaped, so a CR or NUL cannot fold or end the value.
  return runtime::JsonQuote(s);
}

void Line(std::ostringstream& os, int indent, std::string_view key, const std::string& value) {
  if (value.empty()) return;
  os << std::string(static_cast<size_t>(indent), ' ') << key << ": " << Scalar(value) << "\n";
}

}  // namespace

const KubeconfigCluster* Kubeconfig::FindCluster(std::string_view name) const {
  return FindNamed(clusters, name);
}
const KubeconfigUser* Kubeconfig::FindUser(std::string_view name) const { return FindNamed(users, name); }
const KubeconfigContext* Kubeconfig::FindContext(std::string_view name) const {
  return FindNamed(contexts, name);
}

StatusOr<Kubeconfig> ParseKubeconfig(std::string_view yaml, std::string_view base_dir) {
  Kubeconfig out;
  // The strict loader refuses duplicate keys, alias bombs, deep nesting and oversized input,
  // naming the line (a kubeconfig is attacker-reachable through --kubeconfig and KUBECONFIG).
  JG_ASSIGN_OR_RETURN(YAML::Node root, yaml::LoadStrictYaml(yaml, "kubeconfig"));
  try {
    JG_RETURN_IF_ERROR(ParseImpl(root, base_dir, &out));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("kubeconfig is not valid YAML: ") + e.what());
  }
  return out;
}

StatusOr<Kubeconfig> LoadKubeconfigFile(const std::string& path) {
  auto text = files::ReadFile(path);
  if (!text.ok()) {
    return Status(text.status().code(), "cannot read kubeconfig " + path + ": " + text.status().message());
  }
  std::string dir;
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  } else {
    dir = ".";
  }
  auto cfg = ParseKubeconfig(*text, dir);
  if (!cfg.ok()) return cfg.status().Annotate(path);
  return cfg;
}

StatusOr<ResolvedKubeconfig> Resolve(const Kubeconfig& config, std::string_view context) {
  std::string ctx_name(context.empty() ? std::string_view(config.current_context) : context);
  if (ctx_name.empty()) {
    return InvalidArgumentError(
        "kubeconfig has no current-context and no context was chosen; set current-context or "
        "pass a context name");
  }
  const KubeconfigContext* ctx = config.FindContext(ctx_name);
  if (!ctx) {
    return NotFoundError("context \"" + ctx_name + "\" does not exist in the kubeconfig");
  }
  const KubeconfigCluster* cluster = config.FindCluster(ctx->cluster);
  if (!cluster) {
    return NotFoundError("cluster \"" + ctx->cluster + "\" (used by context \"" + ctx_name +
                         "\") does not exist in the kubeconfig");
  }
  ResolvedKubeconfig out;
  out.context_name = ctx_name;
  out.cluster = *cluster;
  if (!ctx->user.empty()) {
    const KubeconfigUser* user = config.FindUser(ctx->user);
    if (!user) {
      return NotFoundError("user \"" + ctx->user + "\" (used by context \"" + ctx_name +
                           "\") does not exist in the kubeconfig");
    }
    out.user = *user;
  }
  out.namespace_ = ctx->namespace_.empty() ? "default" : ctx->namespace_;
  return out;
}

std::string SerializeKubeconfig(const Kubeconfig& config) {
  std::ostringstream os;
  os << "apiVersion: v1\n";
  if (config.clusters.empty()) {
    os << "clusters: null\n";
  } else {
    os << "clusters:\n";
    for (const auto& n : config.clusters) {
      const auto& c = n.value;
      os << "- cluster:\n";
      Line(os, 4, "certificate-authority", c.certificate_authority);
      if (!c.certificate_authority_data.empty()) {
        Line(os, 4, "certificate-authority-data", crypto::Base64Encode(c.certificate_authority_data));
      }
      if (c.insecure_skip_tls_verify) os << "    insecure-skip-tls-verify: true\n";
      Line(os, 4, "proxy-url", c.proxy_url);
      os << "    server: " << Scalar(c.server) << "\n";
      Line(os, 4, "tls-server-name", c.tls_server_name);
      os << "  name: " << Scalar(n.name) << "\n";
    }
  }
  if (config.contexts.empty()) {
    os << "contexts: null\n";
  } else {
    os << "contexts:\n";
    for (const auto& n : config.contexts) {
      os << "- context:\n";
      os << "    cluster: " << Scalar(n.value.cluster) << "\n";
      Line(os, 4, "namespace", n.value.namespace_);
      Line(os, 4, "user", n.value.user);
      os << "  name: " << Scalar(n.name) << "\n";
    }
  }
  os << "current-context: " << Scalar(config.current_context) << "\n";
  os << "kind: Config\n";
  if (config.users.empty()) {
    os << "users: null\n";
  } else {
    os << "users:\n";
    for (const auto& n : config.users) {
      const auto& u = n.value;
      os << "- name: " << Scalar(n.name) << "\n";
      const bool empty = u.client_certificate.empty() && u.client_certificate_data.empty() &&
                         u.client_key.empty() && u.client_key_data.empty() && u.token.empty() &&
                         u.token_file.empty() && u.username.empty() && u.password.empty();
      if (empty) {
        os << "  user: {}\n";
        continue;
      }
      os << "  user:\n";
      Line(os, 4, "client-certificate", u.client_certificate);
      if (!u.client_certificate_data.empty()) {
        Line(os, 4, "client-certificate-data", crypto::Base64Encode(u.client_certificate_data));
      }
      Line(os, 4, "client-key", u.client_key);
      if (!u.client_key_data.empty()) {
        Line(os, 4, "client-key-data", crypto::Base64Encode(u.client_key_data));
      }
      Line(os, 4, "password", u.password);
      Line(os, 4, "token", u.token);
      Line(os, 4, "tokenFile", u.token_file);
      Line(os, 4, "username", u.username);
    }
  }
  return os.str();
}

Status WriteKubeconfigFile(const std::string& path, const Kubeconfig& config) {
  Status s = files::WriteFileAtomic(path, SerializeKubeconfig(config), 0600, true);
  if (!s.ok()) return s.Annotate("writing kubeconfig " + path);
  return OkStatus();
}

Kubeconfig BootstrapKubeconfig(std::string_view server, std::string_view ca_pem, std::string_view token,
                               std::string_view cluster_name) {
  Kubeconfig k;
  KubeconfigCluster c;
  c.server = std::string(server);
  c.certificate_authority_data = std::string(ca_pem);
  k.clusters.push_back({std::string(cluster_name), std::move(c)});
  KubeconfigUser u;
  u.token = std::string(token);
  k.users.push_back({"tls-bootstrap-token-user", std::move(u)});
  KubeconfigContext ctx;
  ctx.cluster = std::string(cluster_name);
  ctx.user = "tls-bootstrap-token-user";
  // kubeadm renames only the cluster; the context keeps the "@kubernetes" name.
  k.contexts.push_back({"tls-bootstrap-token-user@kubernetes", std::move(ctx)});
  k.current_context = "tls-bootstrap-token-user@kubernetes";
  return k;
}

Kubeconfig KubeletKubeconfig(const KubeletKubeconfigOptions& o) {
  Kubeconfig k;
  KubeconfigCluster c;
  c.server = o.server;
  if (!o.ca_file.empty()) {
    c.certificate_authority = o.ca_file;
  } else {
    c.certificate_authority_data = o.ca_pem;
  }
  c.insecure_skip_tls_verify = o.insecure_skip_tls_verify;
  k.clusters.push_back({"default-cluster", std::move(c)});
  KubeconfigUser u;
  u.client_certificate = o.client_cert_path;
  u.client_key = o.client_cert_path;
  k.users.push_back({"default-auth", std::move(u)});
  KubeconfigContext ctx;
  ctx.cluster = "default-cluster";
  ctx.user = "default-auth";
  ctx.namespace_ = "default";
  k.contexts.push_back({"default-context", std::move(ctx)});
  k.current_context = "default-context";
  return k;
}

}  // namespace joinguard::kube
