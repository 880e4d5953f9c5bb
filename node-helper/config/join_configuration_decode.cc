// JoinConfiguration decoding: kubeadm.k8s.io/v1beta4 and v1beta3 documents into one in-memory
// form (kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go, v1beta3/types.go,
// and the conversion of v1beta3's kubeletExtraArgs map). Unknown fields warn, as kubeadm's
// non-strict decoding does; wrong types are errors named after the field.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "common/files/atomic_file.h"
#include "common/yaml/strict_yaml.h"
#include "node-helper/config/join_configuration.h"

namespace joinguard::node::config {
namespace {

// A JoinConfiguration is a few KiB; anything past this is not one.
constexpr size_t kMaxConfigFileBytes = 1 << 20;

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
  auto text = files::ReadFile(path, kMaxConfigFileBytes);
  if (!text.ok()) {
    return InvalidArgumentError("unable to read config from \"" + path + "\": " + text.status().message());
  }
  auto cfg = ParseJoinConfiguration(*text, warnings);
  if (!cfg.ok()) return cfg.status().Annotate("failed to load config file \"" + path + "\"");
  return cfg;
}

}  // namespace joinguard::node::config
