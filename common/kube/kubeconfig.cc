#include "common/kube/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <set>
#include <sstream>

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"
#include "common/runtime/logger.h"
#include "common/yaml/strict_yaml.h"
#include "common/text/ascii.h"

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

// clientcmd/api/v1's NamedCluster / NamedAuthInfo / NamedContext lists: `list_key` is a list of
// {name, <value_key>: {...}}; `read_value` reads the value's fields (a missing or non-mapping
// value leaves them empty, as client-go does).
template <typename T, typename ReadValue>
Status ReadNamedList(const YAML::Node& root, const char* list_key, const char* value_key,
                     std::vector<Named<T>>* out, ReadValue read_value) {
  const YAML::Node list = root[list_key];
  if (!list || list.IsNull()) return OkStatus();
  if (!list.IsSequence())
    return InvalidArgumentError(std::string("kubeconfig: ") + list_key + " must be a list");
  for (const auto& item : list) {
    Named<T> n;
    JG_RETURN_IF_ERROR(ReadScalar(item, "name", &n.name, std::string(list_key) + "[]"));
    const std::string where = std::string(value_key) + " \"" + n.name + "\"";
    if (const YAML::Node v = item[value_key]; v && v.IsMap())
      JG_RETURN_IF_ERROR(read_value(v, where, &n.value));
    out->push_back(std::move(n));
  }
  return OkStatus();
}

Status ReadCluster(const YAML::Node& c, const std::string& where, std::string_view base_dir,
                   KubeconfigCluster* out) {
  JG_RETURN_IF_ERROR(ReadScalar(c, "server", &out->server, where));
  JG_RETURN_IF_ERROR(ReadScalar(c, "certificate-authority", &out->certificate_authority, where));
  out->certificate_authority = ResolvePath(out->certificate_authority, base_dir);
  JG_RETURN_IF_ERROR(ReadData(c, "certificate-authority-data", &out->certificate_authority_data, where));
  if (const YAML::Node v = c["insecure-skip-tls-verify"]; v && !v.IsNull()) {
    std::string s = v.as<std::string>();
    if (s == "true" || s == "True" || s == "TRUE") {
      out->insecure_skip_tls_verify = true;
    } else if (s != "false" && s != "False" && s != "FALSE") {
      return InvalidArgumentError("kubeconfig: " + where + ".insecure-skip-tls-verify must be true or false");
    }
  }
  JG_RETURN_IF_ERROR(ReadScalar(c, "tls-server-name", &out->tls_server_name, where));
  return ReadScalar(c, "proxy-url", &out->proxy_url, where);
}

Status ReadUser(const YAML::Node& u, const std::string& where, std::string_view base_dir,
                KubeconfigUser* out) {
  JG_RETURN_IF_ERROR(ReadScalar(u, "client-certificate", &out->client_certificate, where));
  out->client_certificate = ResolvePath(out->client_certificate, base_dir);
  JG_RETURN_IF_ERROR(ReadData(u, "client-certificate-data", &out->client_certificate_data, where));
  JG_RETURN_IF_ERROR(ReadScalar(u, "client-key", &out->client_key, where));
  out->client_key = ResolvePath(out->client_key, base_dir);
  JG_RETURN_IF_ERROR(ReadData(u, "client-key-data", &out->client_key_data, where));
  JG_RETURN_IF_ERROR(ReadScalar(u, "token", &out->token, where));
  JG_RETURN_IF_ERROR(ReadScalar(u, "tokenFile", &out->token_file, where));
  out->token_file = ResolvePath(out->token_file, base_dir);
  JG_RETURN_IF_ERROR(ReadScalar(u, "username", &out->username, where));
  JG_RETURN_IF_ERROR(ReadScalar(u, "password", &out->password, where));
  JG_RETURN_IF_ERROR(ReadExec(u["exec"], where, &out->exec));
  if (const YAML::Node ap = u["auth-provider"]; ap && !ap.IsNull()) {
    if (!ap.IsMap()) return InvalidArgumentError("kubeconfig: " + where + ".auth-provider must be a mapping");
    std::string name;
    JG_RETURN_IF_ERROR(ReadScalar(ap, "name", &name, where + ".auth-provider"));
    out->auth_provider_name = name;
  }
  return OkStatus();
}

Status ReadContext(const YAML::Node& c, const std::string& where, KubeconfigContext* out) {
  JG_RETURN_IF_ERROR(ReadScalar(c, "cluster", &out->cluster, where));
  JG_RETURN_IF_ERROR(ReadScalar(c, "user", &out->user, where));
  return ReadScalar(c, "namespace", &out->namespace_, where);
}

Status ParseImpl(const YAML::Node& root, std::string_view base_dir, Kubeconfig* out) {
  if (!root || root.IsNull()) return OkStatus();  // empty file = empty config
  if (!root.IsMap()) return InvalidArgumentError("kubeconfig: top level must be a mapping");
  JG_RETURN_IF_ERROR(ReadScalar(root, "current-context", &out->current_context, "config"));
  JG_RETURN_IF_ERROR(ReadNamedList<KubeconfigCluster>(
      root, "clusters", "cluster", &out->clusters,
      [&](const YAML::Node& c, const std::string& where, KubeconfigCluster* v) {
        return ReadCluster(c, where, base_dir, v);
      }));
  JG_RETURN_IF_ERROR(
      ReadNamedList<KubeconfigUser>(root, "users", "user", &out->users,
                                    [&](const YAML::Node& u, const std::string& where, KubeconfigUser* v) {
                                      return ReadUser(u, where, base_dir, v);
                                    }));
  JG_RETURN_IF_ERROR(
      ReadNamedList<KubeconfigContext>(root, "contexts", "context", &out->contexts, ReadContext));
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
    const std::string lower = text::AsciiLower(s);
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

// A *-data field: base64 of the bytes (clientcmd's []byte fields), omitted when empty.
void DataLine(std::ostringstream& os, int indent, std::string_view key, const std::string& bytes) {
  if (!bytes.empty()) Line(os, indent, key, crypto::Base64Encode(bytes));
}

// A clientcmd/api/v1 Named* list as go-yaml writes it: `<key>: null` when empty, else `<key>:`
// and one entry per item written by `write_entry` (go-yaml sorts keys, so an entry's "name"
// comes after "cluster"/"context" and before "user").
template <typename T, typename WriteEntry>
void WriteNamedList(std::ostringstream& os, const char* key, const std::vector<Named<T>>& list,
                    WriteEntry write_entry) {
  if (list.empty()) {
    os << key << ": null\n";
    return;
  }
  os << key << ":\n";
  for (const Named<T>& n : list) write_entry(n);
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
  WriteNamedList(os, "clusters", config.clusters, [&os](const Named<KubeconfigCluster>& n) {
    const KubeconfigCluster& c = n.value;
    os << "- cluster:\n";
    Line(os, 4, "certificate-authority", c.certificate_authority);
    DataLine(os, 4, "certificate-authority-data", c.certificate_authority_data);
    if (c.insecure_skip_tls_verify) os << "    insecure-skip-tls-verify: true\n";
    Line(os, 4, "proxy-url", c.proxy_url);
    os << "    server: " << Scalar(c.server) << "\n";
    Line(os, 4, "tls-server-name", c.tls_server_name);
    os << "  name: " << Scalar(n.name) << "\n";
  });
  WriteNamedList(os, "contexts", config.contexts, [&os](const Named<KubeconfigContext>& n) {
    os << "- context:\n";
    os << "    cluster: " << Scalar(n.value.cluster) << "\n";
    Line(os, 4, "namespace", n.value.namespace_);
    Line(os, 4, "user", n.value.user);
    os << "  name: " << Scalar(n.name) << "\n";
  });
  os << "current-context: " << Scalar(config.current_context) << "\n";
  os << "kind: Config\n";
  WriteNamedList(os, "users", config.users, [&os](const Named<KubeconfigUser>& n) {
    const KubeconfigUser& u = n.value;
    os << "- name: " << Scalar(n.name) << "\n";
    const bool empty = u.client_certificate.empty() && u.client_certificate_data.empty() &&
                       u.client_key.empty() && u.client_key_data.empty() && u.token.empty() &&
                       u.token_file.empty() && u.username.empty() && u.password.empty();
    if (empty) {
      os << "  user: {}\n";
      return;
    }
    os << "  user:\n";
    Line(os, 4, "client-certificate", u.client_certificate);
    DataLine(os, 4, "client-certificate-data", u.client_certificate_data);
    Line(os, 4, "client-key", u.client_key);
    DataLine(os, 4, "client-key-data", u.client_key_data);
    Line(os, 4, "password", u.password);
    Line(os, 4, "token", u.token);
    Line(os, 4, "tokenFile", u.token_file);
    Line(os, 4, "username", u.username);
  });
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
