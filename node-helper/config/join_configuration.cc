#include "node-helper/config/join_configuration.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "common/crypto/token.h"
#include "common/files/atomic_file.h"
#include "common/yaml/strict_yaml.h"
#include "node-helper/config/go_hex.h"

namespace joinguard::node::config {
namespace {

// ---- decoding ---------------------------------------------------------------------------

class Decoder {
 public:
  Decoder(std::string version, std::vector<std::string>* warnings)
      : version_(std::move(version)), warnings_(warnings) {}

  // Warns about keys of `node` (at `path`) that are not in `known`, as kubeadm's non-strict
  // decoding does ("unknown field").
  void CheckFields(const YAML::Node& node, const std::string& path,
                   std::initializer_list<std::string_view> known) {
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end() && warnings_ != nullptr) {
        warnings_->push_back("unknown field \"" + (path.empty() ? key : path + "." + key) + "\"");
      }
    }
  }

  StatusOr<std::string> Str(const YAML::Node& n, const std::string& path) {
    if (!n || n.IsNull()) return std::string();
    if (!n.IsScalar()) return TypeError(path, "string");
    return n.as<std::string>();
  }
  StatusOr<bool> Bool(const YAML::Node& n, const std::string& path, bool fallback) {
    if (!n || n.IsNull()) return fallback;
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) return TypeError(path, "bool");
    return v;
  }
  StatusOr<int> Int(const YAML::Node& n, const std::string& path, int fallback) {
    if (!n || n.IsNull()) return fallback;
    int v = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) return TypeError(path, "int32");
    return v;
  }
  StatusOr<std::vector<std::string>> StrList(const YAML::Node& n, const std::string& path) {
    std::vector<std::string> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) return TypeError(path, "[]string");
    for (const auto& item : n) {
      if (!item.IsScalar()) return TypeError(path, "[]string");
      out.push_back(item.as<std::string>());
    }
    return out;
  }
  StatusOr<std::optional<Duration>> Dur(const YAML::Node& n, const std::string& path) {
    if (!n || n.IsNull()) return std::optional<Duration>();
    if (!n.IsScalar()) return TypeError(path, "duration");
    auto d = runtime::ParseGoDuration(n.as<std::string>());
    if (!d.ok()) return d.status().Annotate(path);
    return std::optional<Duration>(*d);
  }

  Status TypeError(const std::string& path, std::string_view want) {
    return InvalidArgumentError("error unmarshaling JSON: while decoding " +
                                std::string(kJoinConfigurationKind) + " (" + version_ + "): field \"" + path +
                                "\" must be a " + std::string(want));
  }

  const std::string& version() const { return version_; }
  bool v1beta4() const { return version_ == kV1beta4; }

 private:
  std::string version_;
  std::vector<std::string>* warnings_;
};

Status DecodeDiscovery(Decoder& d, const YAML::Node& n, JoinConfiguration* cfg) {
  if (!n || n.IsNull()) return OkStatus();
  if (!n.IsMap()) return d.TypeError("discovery", "object");
  if (d.v1beta4()) {
    d.CheckFields(n, "discovery", {"bootstrapToken", "file", "tlsBootstrapToken"});
  } else {
    d.CheckFields(n, "discovery", {"bootstrapToken", "file", "tlsBootstrapToken", "timeout"});
    JG_ASSIGN_OR_RETURN(auto timeout, d.Dur(n["timeout"], "discovery.timeout"));
    if (timeout) cfg->timeouts.discovery = *timeout;
  }
  if (const auto bt = n["bootstrapToken"]; bt && !bt.IsNull()) {
    if (!bt.IsMap()) return d.TypeError("discovery.bootstrapToken", "object");
    d.CheckFields(bt, "discovery.bootstrapToken",
                  {"token", "apiServerEndpoint", "caCertHashes", "unsafeSkipCAVerification"});
    BootstrapTokenDiscovery b;
    JG_ASSIGN_OR_RETURN(b.token, d.Str(bt["token"], "discovery.bootstrapToken.token"));
    JG_ASSIGN_OR_RETURN(b.api_server_endpoint,
                        d.Str(bt["apiServerEndpoint"], "discovery.bootstrapToken.apiServerEndpoint"));
    JG_ASSIGN_OR_RETURN(b.ca_cert_hashes,
                        d.StrList(bt["caCertHashes"], "discovery.bootstrapToken.caCertHashes"));
    JG_ASSIGN_OR_RETURN(
        b.unsafe_skip_ca_verification,
        d.Bool(bt["unsafeSkipCAVerification"], "discovery.bootstrapToken.unsafeSkipCAVerification", false));
    cfg->discovery.bootstrap_token = std::move(b);
  }
  if (const auto f = n["file"]; f && !f.IsNull()) {
    if (!f.IsMap()) return d.TypeError("discovery.file", "object");
    d.CheckFields(f, "discovery.file", {"kubeConfigPath"});
    FileDiscovery fd;
    JG_ASSIGN_OR_RETURN(fd.kubeconfig_path, d.Str(f["kubeConfigPath"], "discovery.file.kubeConfigPath"));
    cfg->discovery.file = std::move(fd);
  }
  JG_ASSIGN_OR_RETURN(cfg->discovery.tls_bootstrap_token,
                      d.Str(n["tlsBootstrapToken"], "discovery.tlsBootstrapToken"));
  return OkStatus();
}

Status DecodeNodeRegistration(Decoder& d, const YAML::Node& n, NodeRegistration* nr) {
  if (!n || n.IsNull()) return OkStatus();
  if (!n.IsMap()) return d.TypeError("nodeRegistration", "object");
  if (d.v1beta4()) {
    d.CheckFields(n, "nodeRegistration",
                  {"name", "criSocket", "taints", "kubeletExtraArgs", "ignorePreflightErrors",
                   "imagePullPolicy", "imagePullSerial"});
  } else {
    d.CheckFields(
        n, "nodeRegistration",
        {"name", "criSocket", "taints", "kubeletExtraArgs", "ignorePreflightErrors", "imagePullPolicy"});
  }
  JG_ASSIGN_OR_RETURN(nr->name, d.Str(n["name"], "nodeRegistration.name"));
  JG_ASSIGN_OR_RETURN(nr->cri_socket, d.Str(n["criSocket"], "nodeRegistration.criSocket"));
  JG_ASSIGN_OR_RETURN(nr->image_pull_policy, d.Str(n["imagePullPolicy"], "nodeRegistration.imagePullPolicy"));
  JG_ASSIGN_OR_RETURN(nr->ignore_preflight_errors,
                      d.StrList(n["ignorePreflightErrors"], "nodeRegistration.ignorePreflightErrors"));
  if (d.v1beta4()) {
    JG_ASSIGN_OR_RETURN(nr->image_pull_serial,
                        d.Bool(n["imagePullSerial"], "nodeRegistration.imagePullSerial", true));
  }
  if (const auto t = n["taints"]; t) {
    if (!t.IsNull()) {
      if (!t.IsSequence()) return d.TypeError("nodeRegistration.taints", "[]Taint");
      nr->taints_set = true;
      for (const auto& item : t) {
        if (!item.IsMap()) return d.TypeError("nodeRegistration.taints", "[]Taint");
        Taint taint;
        JG_ASSIGN_OR_RETURN(taint.key, d.Str(item["key"], "nodeRegistration.taints.key"));
        JG_ASSIGN_OR_RETURN(taint.value, d.Str(item["value"], "nodeRegistration.taints.value"));
        JG_ASSIGN_OR_RETURN(taint.effect, d.Str(item["effect"], "nodeRegistration.taints.effect"));
        nr->taints.push_back(std::move(taint));
      }
    }
  }
  if (const auto a = n["kubeletExtraArgs"]; a && !a.IsNull()) {
    if (d.v1beta4()) {
      // v1beta4: a list of {name, value}; order kept, duplicates allowed.
      if (!a.IsSequence()) return d.TypeError("nodeRegistration.kubeletExtraArgs", "[]Arg");
      for (const auto& item : a) {
        if (!item.IsMap()) return d.TypeError("nodeRegistration.kubeletExtraArgs", "[]Arg");
        Arg arg;
        JG_ASSIGN_OR_RETURN(arg.name, d.Str(item["name"], "nodeRegistration.kubeletExtraArgs.name"));
        JG_ASSIGN_OR_RETURN(arg.value, d.Str(item["value"], "nodeRegistration.kubeletExtraArgs.value"));
        nr->kubelet_extra_args.push_back(std::move(arg));
      }
    } else {
      // v1beta3: map[string]string; converted to a list sorted by name as kubeadm's conversion does.
      if (!a.IsMap()) return d.TypeError("nodeRegistration.kubeletExtraArgs", "map[string]string");
      for (const auto& kv : a) {
        if (!kv.second.IsScalar())
          return d.TypeError("nodeRegistration.kubeletExtraArgs", "map[string]string");
        nr->kubelet_extra_args.push_back({kv.first.as<std::string>(), kv.second.as<std::string>()});
      }
      std::sort(nr->kubelet_extra_args.begin(), nr->kubelet_extra_args.end(),
                [](const Arg& x, const Arg& y) { return x.name < y.name; });
    }
  }
  return OkStatus();
}

Status DecodeTimeouts(Decoder& d, const YAML::Node& n, Timeouts* t) {
  if (!n || n.IsNull()) return OkStatus();
  if (!n.IsMap()) return d.TypeError("timeouts", "object");
  d.CheckFields(n, "timeouts",
                {"controlPlaneComponentHealthCheck", "kubeletHealthCheck", "kubernetesAPICall", "etcdAPICall",
                 "tlsBootstrap", "discovery", "upgradeManifests"});
  struct Field {
    const char* name;
    Duration* target;
  } fields[] = {{"controlPlaneComponentHealthCheck", &t->control_plane_component_health_check},
                {"kubeletHealthCheck", &t->kubelet_health_check},
                {"kubernetesAPICall", &t->kubernetes_api_call},
                {"etcdAPICall", &t->etcd_api_call},
                {"tlsBootstrap", &t->tls_bootstrap},
                {"discovery", &t->discovery},
                {"upgradeManifests", &t->upgrade_manifests}};
  for (const auto& f : fields) {
    JG_ASSIGN_OR_RETURN(auto v, d.Dur(n[f.name], std::string("timeouts.") + f.name));
    if (v) *f.target = *v;
  }
  return OkStatus();
}

StatusOr<JoinConfiguration> DecodeJoin(const YAML::Node& doc, const std::string& version,
                                       std::vector<std::string>* warnings) {
  Decoder d(version, warnings);
  JoinConfiguration cfg;
  cfg.api_version = version;
  if (d.v1beta4()) {
    d.CheckFields(doc, "",
                  {"apiVersion", "kind", "dryRun", "nodeRegistration", "caCertPath", "discovery",
                   "controlPlane", "skipPhases", "patches", "timeouts"});
    JG_ASSIGN_OR_RETURN(cfg.dry_run, d.Bool(doc["dryRun"], "dryRun", false));
    JG_RETURN_IF_ERROR(DecodeTimeouts(d, doc["timeouts"], &cfg.timeouts));
  } else {
    d.CheckFields(doc, "",
                  {"apiVersion", "kind", "nodeRegistration", "caCertPath", "discovery", "controlPlane",
                   "skipPhases", "patches"});
  }
  JG_RETURN_IF_ERROR(DecodeNodeRegistration(d, doc["nodeRegistration"], &cfg.node_registration));
  JG_ASSIGN_OR_RETURN(cfg.ca_cert_path, d.Str(doc["caCertPath"], "caCertPath"));
  JG_RETURN_IF_ERROR(DecodeDiscovery(d, doc["discovery"], &cfg));
  if (const auto cp = doc["controlPlane"]; cp && !cp.IsNull()) {
    if (!cp.IsMap()) return d.TypeError("controlPlane", "object");
    JoinControlPlane jcp;
    if (const auto ep = cp["localAPIEndpoint"]; ep && ep.IsMap()) {
      JG_ASSIGN_OR_RETURN(jcp.advertise_address,
                          d.Str(ep["advertiseAddress"], "controlPlane.localAPIEndpoint.advertiseAddress"));
      JG_ASSIGN_OR_RETURN(jcp.bind_port,
                          d.Int(ep["bindPort"], "controlPlane.localAPIEndpoint.bindPort", 6443));
    }
    JG_ASSIGN_OR_RETURN(jcp.certificate_key, d.Str(cp["certificateKey"], "controlPlane.certificateKey"));
    cfg.control_plane = std::move(jcp);
  }
  JG_ASSIGN_OR_RETURN(cfg.skip_phases, d.StrList(doc["skipPhases"], "skipPhases"));
  if (const auto p = doc["patches"]; p && p.IsMap()) {
    JG_ASSIGN_OR_RETURN(cfg.patches_directory, d.Str(p["directory"], "patches.directory"));
  }
  return cfg;
}

// ---- encoding ---------------------------------------------------------------------------

void EmitStringList(YAML::Emitter& e, const char* key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  e << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& s : v) e << s;
  e << YAML::EndSeq;
}

}  // namespace

StatusOr<JoinConfiguration> ParseJoinConfiguration(std::string_view yaml,
                                                   std::vector<std::string>* warnings) {
  // The strict loader refuses duplicate keys, alias bombs, deep nesting and oversized files,
  // naming the line (kubeadm's sigs.k8s.io/yaml strict decoding refuses duplicate fields too).
  JG_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs, yaml::LoadAllStrictYaml(yaml, "the configuration"));
  std::optional<JoinConfiguration> found;
  try {
    for (const auto& doc : docs) {
      if (!doc || doc.IsNull()) continue;
      if (!doc.IsMap()) {
        return InvalidArgumentError(
            "a configuration document must be a YAML mapping with apiVersion and kind");
      }
      std::string api_version =
          doc["apiVersion"] && doc["apiVersion"].IsScalar() ? doc["apiVersion"].as<std::string>() : "";
      std::string kind = doc["kind"] && doc["kind"].IsScalar() ? doc["kind"].as<std::string>() : "";
      if (api_version.empty() || kind.empty()) {
        return InvalidArgumentError("invalid configuration for GroupVersionKind " + api_version +
                                    ", Kind=" + kind +
                                    ": kind and apiVersion is mandatory information that must be specified");
      }
      bool kubeadm_group = api_version.rfind(std::string(kGroup) + "/", 0) == 0;
      if (kind != kJoinConfigurationKind) {
        if (warnings != nullptr) {
          warnings->push_back("Ignored configuration document with GroupVersionKind " + api_version +
                              ", Kind=" + kind);
        }
        continue;
      }
      if (api_version == "kubeadm.k8s.io/v1beta1" || api_version == "kubeadm.k8s.io/v1beta2" ||
          api_version == "kubeadm.k8s.io/v1alpha3") {
        return InvalidArgumentError(
            "your configuration file uses an old API spec: \"" + api_version +
            "\" (kind: \"JoinConfiguration\"). Please migrate it to " + std::string(kV1beta4) +
            " with 'kubeadm config migrate --old-config old.yaml --new-config new.yaml'");
      }
      if (!kubeadm_group || (api_version != kV1beta4 && api_version != kV1beta3)) {
        return InvalidArgumentError("no kind \"JoinConfiguration\" is registered for version \"" +
                                    api_version + "\"; supported versions are " + std::string(kV1beta4) +
                                    " and " + std::string(kV1beta3));
      }
      if (found) {
        return InvalidArgumentError("the configuration contains more than one JoinConfiguration document");
      }
      JG_ASSIGN_OR_RETURN(auto cfg, DecodeJoin(doc, api_version, warnings));
      found = std::move(cfg);
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("failed to decode JoinConfiguration: ") + e.what());
  }
  if (!found) return InvalidArgumentError("no JoinConfiguration found in the supplied config");
  return *std::move(found);
}

StatusOr<JoinConfiguration> LoadJoinConfigurationFile(const std::string& path,
                                                      std::vector<std::string>* warnings) {
  auto text = files::ReadFile(path, 1 << 20);
  if (!text.ok()) {
    return InvalidArgumentError("unable to read config from \"" + path + "\": " + text.status().message());
  }
  auto cfg = ParseJoinConfiguration(*text, warnings);
  if (!cfg.ok()) return cfg.status().Annotate("failed to load config file \"" + path + "\"");
  return cfg;
}

void SetDefaults(JoinConfiguration* cfg) {
  if (cfg->ca_cert_path.empty()) cfg->ca_cert_path = std::string(kDefaultCaCertPath);
  auto& nr = cfg->node_registration;
  if (nr.image_pull_policy.empty()) nr.image_pull_policy = "IfNotPresent";
  if (nr.cri_socket.empty()) nr.cri_socket = std::string(kDefaultCriSocket);
  auto& d = cfg->discovery;
  if (d.tls_bootstrap_token.empty() && d.bootstrap_token) {
    d.tls_bootstrap_token = d.bootstrap_token->token;
  }
  if (d.file) {
    // SetDefaults_FileDiscovery: "file://" URLs become plain paths.
    constexpr std::string_view kFileScheme = "file://";
    if (d.file->kubeconfig_path.rfind(kFileScheme, 0) == 0) {
      d.file->kubeconfig_path = d.file->kubeconfig_path.substr(kFileScheme.size());
    }
  }
}

Status SplitHostPort(std::string_view hostport, std::string* host, std::string* port) {
  auto fail = [&](std::string_view why) {
    return InvalidArgumentError("address " + std::string(hostport) + ": " + std::string(why));
  };
  size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return fail("missing port in address");
  std::string_view h;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t end = hostport.find(']');
    if (end == std::string_view::npos) return fail("missing ']' in address");
    if (end + 1 == hostport.size()) return fail("missing port in address");
    if (end + 1 != i) {
      if (hostport[end + 1] == ':') return fail("too many colons in address");
      return fail("missing port in address");
    }
    h = hostport.substr(1, end - 1);
    if (h.find('[') != std::string_view::npos) return fail("unexpected '[' in address");
    if (hostport.substr(end + 1).find(']') != std::string_view::npos)
      return fail("unexpected ']' in address");
  } else {
    h = hostport.substr(0, i);
    if (h.find(':') != std::string_view::npos) return fail("too many colons in address");
    if (h.find('[') != std::string_view::npos) return fail("unexpected '[' in address");
    if (h.find(']') != std::string_view::npos) return fail("unexpected ']' in address");
  }
  std::string_view p = hostport.substr(i + 1);
  if (p.find(']') != std::string_view::npos) return fail("unexpected ']' in address");
  if (host != nullptr) *host = std::string(h);
  if (port != nullptr) *port = std::string(p);
  return OkStatus();
}

namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string FieldInvalid(const std::string& path, std::string_view value, std::string_view detail) {
  return path + ": Invalid value: " + Quote(value) + ": " + std::string(detail);
}

// kubeadm's ValidateToken, but the rejected value is redacted: it may be a real secret.
void ValidateToken(const std::string& token, const std::string& path, std::vector<std::string>* errs) {
  if (!crypto::IsValidBootstrapToken(token)) {
    errs->push_back(FieldInvalid(path, token.empty() ? "" : crypto::RedactToken(token),
                                 "the bootstrap token is invalid"));
  }
}

bool HasUrlScheme(std::string_view s, std::string* scheme) {
  // url.Parse: a scheme is [A-Za-z][A-Za-z0-9+.-]* followed by ':'.
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  *scheme = std::string(s.substr(0, colon));
  std::transform(scheme->begin(), scheme->end(), scheme->begin(), ::tolower);
  return true;
}

}  // namespace

// ValidateJoinControlPlane (apis/kubeadm/validation/validation.go).
static void ValidateJoinControlPlane(const JoinControlPlane& cp, std::vector<std::string>* errs) {
  const std::string ep = "controlPlane.localAPIEndpoint";
  unsigned char buf[16];
  if (inet_pton(AF_INET, cp.advertise_address.c_str(), buf) != 1 &&
      inet_pton(AF_INET6, cp.advertise_address.c_str(), buf) != 1) {
    errs->push_back(FieldInvalid(ep + ".advertiseAddress", cp.advertise_address, "ip address is not valid"));
  }
  if (cp.bind_port < 1 || cp.bind_port > 65535) {
    errs->push_back(ep + ".bindPort: Invalid value: " + std::to_string(cp.bind_port) +
                    ": port number is not valid");
  }
  if (!cp.certificate_key.empty()) {
    auto key = DecodeHexGo(cp.certificate_key);
    // The key is a secret: its value is not echoed.
    if (!key.ok()) {
      errs->push_back(FieldInvalid("controlPlane.certificateKey", "<redacted>",
                                   "certificate key decoding error: " + key.status().message()));
    } else if (key->size() != 32) {
      errs->push_back(FieldInvalid("controlPlane.certificateKey", "<redacted>",
                                   "invalid certificate key size " + std::to_string(key->size()) +
                                       ", the key must be an AES key of size 32"));
    }
  }
}

Status Validate(const JoinConfiguration& cfg) {
  std::vector<std::string> errs;
  const auto& d = cfg.discovery;
  if (!d.bootstrap_token && !d.file)
    errs.push_back(FieldInvalid("discovery", "", "bootstrapToken or file must be set"));
  if (d.bootstrap_token && d.file)
    errs.push_back(FieldInvalid("discovery", "", "bootstrapToken and file cannot both be set"));
  if (d.bootstrap_token) {
    const auto& b = *d.bootstrap_token;
    const std::string path = "discovery.bootstrapToken";
    if (b.api_server_endpoint.empty())
      errs.push_back(path + ": Required value: APIServerEndpoint is not set");
    if (b.ca_cert_hashes.empty() && !b.unsafe_skip_ca_verification) {
      errs.push_back(FieldInvalid(path, "",
                                  "using token-based discovery without caCertHashes can be unsafe. Set "
                                  "unsafeSkipCAVerification as true in your kubeadm config file or pass "
                                  "--discovery-token-unsafe-skip-ca-verification flag to continue"));
    }
    ValidateToken(b.token, path + ".token", &errs);
    if (!b.api_server_endpoint.empty()) {
      Status s = SplitHostPort(b.api_server_endpoint, nullptr, nullptr);
      if (!s.ok())
        errs.push_back(FieldInvalid(path + ".apiServerEndpoints", b.api_server_endpoint, s.message()));
    }
    ValidateToken(d.tls_bootstrap_token, "discovery.tlsBootstrapToken", &errs);
  }
  if (d.file) {
    const std::string& p = d.file->kubeconfig_path;
    const std::string path = "discovery.file.kubeConfigPath";
    std::string scheme;
    if (!HasUrlScheme(p, &scheme)) {
      std::error_code ec;
      if (!std::filesystem::exists(p, ec))
        errs.push_back(FieldInvalid(path, p, "not a valid HTTPS URL or a file on disk"));
    } else if (scheme != "https") {
      errs.push_back(FieldInvalid(path, p, "if a URL is used, the scheme must be https"));
    }
    if (!d.tls_bootstrap_token.empty())
      ValidateToken(d.tls_bootstrap_token, "discovery.tlsBootstrapToken", &errs);
  }
  if (cfg.control_plane) ValidateJoinControlPlane(*cfg.control_plane, &errs);
  if (errs.empty()) return OkStatus();
  std::string msg;
  if (errs.size() == 1) {
    msg = errs[0];
  } else {
    msg = "[";
    for (size_t i = 0; i < errs.size(); ++i) msg += (i ? ", " : "") + errs[i];
    msg += "]";
  }
  return InvalidArgumentError(msg).WithReason("ValidationError");
}

std::string ToYaml(const JoinConfiguration& cfg) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << std::string(kV1beta4);
  e << YAML::Key << "caCertPath" << YAML::Value << cfg.ca_cert_path;
  if (cfg.control_plane) {
    e << YAML::Key << "controlPlane" << YAML::Value << YAML::BeginMap;
    if (!cfg.control_plane->certificate_key.empty()) {
      e << YAML::Key << "certificateKey" << YAML::Value << cfg.control_plane->certificate_key;
    }
    e << YAML::Key << "localAPIEndpoint" << YAML::Value << YAML::BeginMap;
    if (!cfg.control_plane->advertise_address.empty()) {
      e << YAML::Key << "advertiseAddress" << YAML::Value << cfg.control_plane->advertise_address;
    }
    e << YAML::Key << "bindPort" << YAML::Value << cfg.control_plane->bind_port;
    e << YAML::EndMap << YAML::EndMap;
  }
  e << YAML::Key << "discovery" << YAML::Value << YAML::BeginMap;
  if (cfg.discovery.bootstrap_token) {
    const auto& b = *cfg.discovery.bootstrap_token;
    e << YAML::Key << "bootstrapToken" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "apiServerEndpoint" << YAML::Value << b.api_server_endpoint;
    EmitStringList(e, "caCertHashes", b.ca_cert_hashes);
    e << YAML::Key << "token" << YAML::Value << b.token;
    if (b.unsafe_skip_ca_verification) e << YAML::Key << "unsafeSkipCAVerification" << YAML::Value << true;
    e << YAML::EndMap;
  }
  if (cfg.discovery.file) {
    e << YAML::Key << "file" << YAML::Value << YAML::BeginMap << YAML::Key << "kubeConfigPath" << YAML::Value
      << cfg.discovery.file->kubeconfig_path << YAML::EndMap;
  }
  if (!cfg.discovery.tls_bootstrap_token.empty()) {
    e << YAML::Key << "tlsBootstrapToken" << YAML::Value << cfg.discovery.tls_bootstrap_token;
  }
  e << YAML::EndMap;
  if (cfg.dry_run) e << YAML::Key << "dryRun" << YAML::Value << true;
  e << YAML::Key << "kind" << YAML::Value << std::string(kJoinConfigurationKind);
  const auto& nr = cfg.node_registration;
  e << YAML::Key << "nodeRegistration" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "criSocket" << YAML::Value << nr.cri_socket;
  EmitStringList(e, "ignorePreflightErrors", nr.ignore_preflight_errors);
  e << YAML::Key << "imagePullPolicy" << YAML::Value << nr.image_pull_policy;
  e << YAML::Key << "imagePullSerial" << YAML::Value << nr.image_pull_serial;
  if (!nr.kubelet_extra_args.empty()) {
    e << YAML::Key << "kubeletExtraArgs" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : nr.kubelet_extra_args) {
      e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << a.name << YAML::Key << "value"
        << YAML::Value << a.value << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::Key << "name" << YAML::Value << nr.name;
  e << YAML::Key << "taints" << YAML::Value;
  if (!nr.taints_set) {
    e << YAML::Null;
  } else {
    e << YAML::BeginSeq;
    for (const auto& t : nr.taints) {
      e << YAML::BeginMap << YAML::Key << "effect" << YAML::Value << t.effect << YAML::Key << "key"
        << YAML::Value << t.key;
      if (!t.value.empty()) e << YAML::Key << "value" << YAML::Value << t.value;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
  if (!cfg.patches_directory.empty()) {
    e << YAML::Key << "patches" << YAML::Value << YAML::BeginMap << YAML::Key << "directory" << YAML::Value
      << cfg.patches_directory << YAML::EndMap;
  }
  EmitStringList(e, "skipPhases", cfg.skip_phases);
  const auto& t = cfg.timeouts;
  e << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "controlPlaneComponentHealthCheck" << YAML::Value
    << runtime::FormatGoDuration(t.control_plane_component_health_check);
  e << YAML::Key << "discovery" << YAML::Value << runtime::FormatGoDuration(t.discovery);
  e << YAML::Key << "etcdAPICall" << YAML::Value << runtime::FormatGoDuration(t.etcd_api_call);
  e << YAML::Key << "kubeletHealthCheck" << YAML::Value << runtime::FormatGoDuration(t.kubelet_health_check);
  e << YAML::Key << "kubernetesAPICall" << YAML::Value << runtime::FormatGoDuration(t.kubernetes_api_call);
  e << YAML::Key << "tlsBootstrap" << YAML::Value << runtime::FormatGoDuration(t.tls_bootstrap);
  e << YAML::Key << "upgradeManifests" << YAML::Value << runtime::FormatGoDuration(t.upgrade_manifests);
  e << YAML::EndMap;
  e << YAML::EndMap;
  std::string out = std::string(e.c_str()) + "\n";
  // Go's YAML writes a nil slice as "null"; yaml-cpp's null is "~".
  const std::string tilde = "  taints: ~\n";
  if (auto pos = out.find(tilde); pos != std::string::npos)
    out.replace(pos, tilde.size(), "  taints: null\n");
  return out;
}

JoinConfiguration JoinDefaults(const std::string& node_name) {
  JoinConfiguration cfg;
  // The same example values kubeadm prints (cmd/kubeadm/app/cmd/config.go): not a real token.
  BootstrapTokenDiscovery b;
  b.api_server_endpoint = "kube-apiserver:6443";
  b.token = "abcdef.0123456789abcdef";
  b.unsafe_skip_ca_verification = true;
  cfg.discovery.bootstrap_token = b;
  cfg.node_registration.name = node_name;
  SetDefaults(&cfg);
  return cfg;
}

}  // namespace joinguard::node::config
