#include "node-helper/controlplane/manifests.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "common/net/host_port.h"
#include "node-helper/config/json_yaml.h"
#include "node-helper/controlplane/kubeconfigs.h"

namespace joinguard::node::controlplane {
namespace {

using Json = nlohmann::json;

constexpr int kPriority = 2000001000;  // system-node-critical
constexpr int kProbeFailureLiveness = 8;
constexpr int kProbeTimeoutSeconds = 15;
constexpr int kProbePeriodSeconds = 10;
constexpr int kProbeInitialDelaySeconds = 10;

// CA directories mounted into the apiserver and KCM when present on the host (volumes.go).
constexpr const char* kOptionalCaDirs[] = {"/etc/pki/ca-trust", "/etc/pki/tls/certs", "/etc/ca-certificates",
                                           "/usr/share/ca-certificates", "/usr/local/share/ca-certificates"};
constexpr const char* kFlexVolumeDir = "/usr/libexec/kubernetes/kubelet-plugins/volume/exec";

Json Probe(const std::string& host, int port, const std::string& path, const std::string& scheme,
           int initial_delay, int failure_threshold, int period) {
  Json get = {{"path", path}, {"port", port}, {"scheme", scheme}};
  if (!host.empty()) get["host"] = host;
  Json p = {{"failureThreshold", failure_threshold},
            {"httpGet", get},
            {"periodSeconds", period},
            {"timeoutSeconds", kProbeTimeoutSeconds}};
  if (initial_delay > 0) p["initialDelaySeconds"] = initial_delay;
  return p;
}

int StartupFailureThreshold(config::Duration timeout) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  return static_cast<int>((seconds + kProbePeriodSeconds - 1) / kProbePeriodSeconds);
}

// kubeadm's livenessProbe and startupProbe pair (cmd/kubeadm/app/util/staticpod/utils.go
// LivenessProbe, StartupProbe): the startup probe may fail for the whole health-check timeout.
Json LivenessAndStartupProbes(const std::string& host, int port, const std::string& liveness_path,
                              const std::string& startup_path, const std::string& scheme,
                              config::Duration health_check_timeout) {
  return {{"livenessProbe", Probe(host, port, liveness_path, scheme, kProbeInitialDelaySeconds,
                                  kProbeFailureLiveness, kProbePeriodSeconds)},
          {"startupProbe", Probe(host, port, startup_path, scheme, kProbeInitialDelaySeconds,
                                 StartupFailureThreshold(health_check_timeout), kProbePeriodSeconds)}};
}

struct Volume {
  std::string name, path, type;
  bool read_only = true;
};

Json Pod(const std::string& component, const std::string& image, const std::vector<std::string>& command,
         std::vector<Volume> volumes, Json probes, const std::string& cpu, const Json& annotations,
         const Json& memory = nullptr) {
  std::sort(volumes.begin(), volumes.end(), [](const Volume& a, const Volume& b) { return a.name < b.name; });
  Json mounts = Json::array(), vols = Json::array();
  for (const auto& v : volumes) {
    Json m = {{"mountPath", v.path}, {"name", v.name}};
    if (v.read_only) m["readOnly"] = true;
    mounts.push_back(m);
    vols.push_back({{"hostPath", {{"path", v.path}, {"type", v.type}}}, {"name", v.name}});
  }
  Json requests = {{"cpu", cpu}};
  if (!memory.is_null()) requests["memory"] = memory;
  Json container = {{"command", command},
                    {"image", image},
                    {"imagePullPolicy", "IfNotPresent"},
                    {"name", component},
                    {"resources", {{"requests", requests}}},
                    {"volumeMounts", mounts}};
  for (auto it = probes.begin(); it != probes.end(); ++it) container[it.key()] = *it;
  Json meta = {{"creationTimestamp", nullptr},
               {"labels", {{"component", component}, {"tier", "control-plane"}}},
               {"name", component},
               {"namespace", "kube-system"}};
  if (!annotations.is_null()) meta["annotations"] = annotations;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", meta},
          {"spec",
           {{"containers", Json::array({container})},
            {"hostNetwork", true},
            {"priority", kPriority},
            {"priorityClassName", "system-node-critical"},
            {"securityContext", {{"seccompProfile", {{"type", "RuntimeDefault"}}}}},
            {"volumes", vols}}},
          {"status", Json::object()}};
}

std::vector<Volume> CaVolumes(const ManifestInputs& in) {
  std::vector<Volume> v = {{"k8s-certs", in.cluster->certificates_dir, "DirectoryOrCreate"},
                           {"ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"}};
  for (const char* dir : kOptionalCaDirs) {
    if (!in.host_dir_exists || !in.host_dir_exists(dir)) continue;
    std::string name = std::string(dir).substr(1);
    std::replace(name.begin(), name.end(), '/', '-');
    v.push_back({name, dir, "DirectoryOrCreate"});
  }
  return v;
}

std::string Image(const ClusterConfiguration& c, const std::string& component) {
  return c.image_repository + "/" + component + ":" + c.kubernetes_version;
}

std::string ProbeHost(const std::vector<config::Arg>& extra) {
  auto bind = ArgValue(extra, "bind-address");
  return bind ? *bind : "127.0.0.1";
}

Manifest ApiServer(const ManifestInputs& in) {
  const auto& c = *in.cluster;
  const std::string pki = c.certificates_dir;
  const bool v6 = in.advertise_address.find(':') != std::string::npos;
  std::vector<config::Arg> d = {
      {"advertise-address", in.advertise_address},
      {"allow-privileged", "true"},
      {"client-ca-file", pki + "/ca.crt"},
      {"enable-admission-plugins", "NodeRestriction"},
      {"enable-bootstrap-token-auth", "true"},
      {"kubelet-client-certificate", pki + "/apiserver-kubelet-client.crt"},
      {"kubelet-client-key", pki + "/apiserver-kubelet-client.key"},
      {"kubelet-preferred-address-types", "InternalIP,ExternalIP,Hostname"},
      {"proxy-client-cert-file", pki + "/front-proxy-client.crt"},
      {"proxy-client-key-file", pki + "/front-proxy-client.key"},
      {"requestheader-allowed-names", "front-proxy-client"},
      {"requestheader-client-ca-file", pki + "/front-proxy-ca.crt"},
      {"requestheader-extra-headers-prefix", "X-Remote-Extra-"},
      {"requestheader-group-headers", "X-Remote-Group"},
      {"requestheader-username-headers", "X-Remote-User"},
      {"secure-port", std::to_string(in.bind_port)},
      {"service-account-issuer", "https://kubernetes.default.svc." + c.dns_domain},
      {"service-account-key-file", pki + "/sa.pub"},
      {"service-account-signing-key-file", pki + "/sa.key"},
      {"service-cluster-ip-range", c.service_subnet},
      {"tls-cert-file", pki + "/apiserver.crt"},
      {"tls-private-key-file", pki + "/apiserver.key"},
  };
  if (!ArgValue(c.api_server.extra_args, "authorization-config"))
    d.push_back({"authorization-mode", "Node,RBAC"});
  std::vector<Volume> volumes = CaVolumes(in);
  if (c.external_etcd) {
    std::string servers;
    for (const auto& e : c.external_etcd->endpoints) servers += (servers.empty() ? "" : ",") + e;
    d.push_back({"etcd-servers", servers});
    if (!c.external_etcd->ca_file.empty()) d.push_back({"etcd-cafile", c.external_etcd->ca_file});
    if (!c.external_etcd->cert_file.empty() && !c.external_etcd->key_file.empty()) {
      d.push_back({"etcd-certfile", c.external_etcd->cert_file});
      d.push_back({"etcd-keyfile", c.external_etcd->key_file});
    }
  } else {
    auto adv = ArgValue(c.local_etcd.extra_args, "advertise-client-urls");
    d.push_back({"etcd-servers", adv ? *adv : net::HttpsUrl(v6 ? "::1" : "127.0.0.1", kEtcdClientPort)});
    d.push_back({"etcd-cafile", pki + "/etcd/ca.crt"});
    d.push_back({"etcd-certfile", pki + "/apiserver-etcd-client.crt"});
    d.push_back({"etcd-keyfile", pki + "/apiserver-etcd-client.key"});
  }
  std::vector<std::string> command = {"kube-apiserver"};
  for (auto& f : BuildFlags(d, c.api_server.extra_args)) command.push_back(std::move(f));
  const std::string host =
      (in.advertise_address == "0.0.0.0" || in.advertise_address == "::") ? "" : in.advertise_address;
  Json probes =
      LivenessAndStartupProbes(host, in.bind_port, "/livez", "/livez", "HTTPS", in.health_check_timeout);
  probes["readinessProbe"] = Probe(host, in.bind_port, "/readyz", "HTTPS", 0, 3, 1);
  Json annotations = {{"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint",
                       net::JoinHostPort(in.advertise_address, in.bind_port)}};
  return {"kube-apiserver",
          Pod("kube-apiserver", Image(c, "kube-apiserver"), command, volumes, probes, "250m", annotations)};
}

Manifest ControllerManager(const ManifestInputs& in) {
  const auto& c = *in.cluster;
  const std::string pki = c.certificates_dir;
  const std::string kubeconfig = std::string(kKubernetesDir) + "/controller-manager.conf";
  std::vector<config::Arg> d = {
      {"authentication-kubeconfig", kubeconfig},
      {"authorization-kubeconfig", kubeconfig},
      {"bind-address", "127.0.0.1"},
      {"client-ca-file", pki + "/ca.crt"},
      {"cluster-name", c.cluster_name},
      {"cluster-signing-cert-file", pki + "/ca.crt"},
      {"cluster-signing-key-file", pki + "/ca.key"},
      {"controllers", "*,bootstrapsigner,tokencleaner"},
      {"kubeconfig", kubeconfig},
      {"leader-elect", "true"},
      {"requestheader-client-ca-file", pki + "/front-proxy-ca.crt"},
      {"root-ca-file", pki + "/ca.crt"},
      {"service-account-private-key-file", pki + "/sa.key"},
      {"use-service-account-credentials", "true"},
  };
  if (!c.pod_subnet.empty()) {
    d.push_back({"allocate-node-cidrs", "true"});
    d.push_back({"cluster-cidr", c.pod_subnet});
    d.push_back({"service-cluster-ip-range", c.service_subnet});
  }
  std::vector<Volume> volumes = CaVolumes(in);
  volumes.push_back({"kubeconfig", kubeconfig, "FileOrCreate"});
  auto flex = ArgValue(c.controller_manager.extra_args, "flex-volume-plugin-dir");
  volumes.push_back({"flexvolume-dir", flex ? *flex : kFlexVolumeDir, "DirectoryOrCreate", false});
  std::vector<std::string> command = {"kube-controller-manager"};
  for (auto& f : BuildFlags(d, c.controller_manager.extra_args)) command.push_back(std::move(f));
  const std::string host = ProbeHost(c.controller_manager.extra_args);
  Json probes = LivenessAndStartupProbes(host, kControllerManagerPort, "/healthz", "/healthz", "HTTPS",
                                         in.health_check_timeout);
  return {"kube-controller-manager", Pod("kube-controller-manager", Image(c, "kube-controller-manager"),
                                         command, volumes, probes, "200m", nullptr)};
}

Manifest Scheduler(const ManifestInputs& in) {
  const auto& c = *in.cluster;
  const std::string kubeconfig = std::string(kKubernetesDir) + "/scheduler.conf";
  std::vector<config::Arg> d = {{"authentication-kubeconfig", kubeconfig},
                                {"authorization-kubeconfig", kubeconfig},
                                {"bind-address", "127.0.0.1"},
                                {"kubeconfig", kubeconfig},
                                {"leader-elect", "true"}};
  std::vector<std::string> command = {"kube-scheduler"};
  for (auto& f : BuildFlags(d, c.scheduler.extra_args)) command.push_back(std::move(f));
  const std::string host = ProbeHost(c.scheduler.extra_args);
  Json probes =
      LivenessAndStartupProbes(host, kSchedulerPort, "/livez", "/livez", "HTTPS", in.health_check_timeout);
  return {"kube-scheduler", Pod("kube-scheduler", Image(c, "kube-scheduler"), command,
                                {{"kubeconfig", kubeconfig, "FileOrCreate"}}, probes, "100m", nullptr)};
}

int Minor(const std::string& version) {
  auto dot = version.find('.');
  if (dot == std::string::npos) return 0;
  int minor = 0;  // digits up to the next '.', as a Go semver minor; unparsable or huge = 0
  const char* const end = version.data() + version.size();
  if (std::from_chars(version.data() + dot + 1, end, minor).ec != std::errc()) return 0;
  return minor;
}

}  // namespace

std::vector<std::string> BuildFlags(const std::vector<config::Arg>& defaults,
                                    const std::vector<config::Arg>& extra) {
  std::vector<config::Arg> all;
  for (const auto& d : defaults) {
    bool overridden =
        std::any_of(extra.begin(), extra.end(), [&](const config::Arg& e) { return e.name == d.name; });
    if (!overridden) all.push_back(d);
  }
  all.insert(all.end(), extra.begin(), extra.end());
  std::stable_sort(all.begin(), all.end(), [](const config::Arg& a, const config::Arg& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  });
  std::vector<std::string> out;
  for (const auto& a : all) out.push_back("--" + a.name + "=" + a.value);
  return out;
}

std::string DefaultEtcdTag(const std::string& kubernetes_version) {
  // constants.SupportedEtcdVersion (cmd/kubeadm/app/constants/constants.go), per minor.
  static const std::map<int, std::string> kTags = {
      {30, "3.5.15-0"}, {31, "3.5.15-0"}, {32, "3.5.16-0"}, {33, "3.5.21-0"}, {34, "3.6.4-0"}};
  const int minor = Minor(kubernetes_version);
  auto it = kTags.upper_bound(minor);
  return it == kTags.begin() ? kTags.begin()->second : std::prev(it)->second;
}

std::string EtcdUrl(const std::string& advertise_address, int port) {
  return net::HttpsUrl(advertise_address, port);
}

std::vector<Manifest> ControlPlaneManifests(const ManifestInputs& in) {
  return {ApiServer(in), ControllerManager(in), Scheduler(in)};
}

Manifest EtcdManifest(const ManifestInputs& in, const std::string& initial_cluster) {
  const auto& c = *in.cluster;
  const std::string etcd_pki = c.certificates_dir + "/etcd";
  const std::string client_url = EtcdUrl(in.advertise_address, kEtcdClientPort);
  const std::string peer_url = EtcdUrl(in.advertise_address, kEtcdPeerPort);
  const bool v6 = in.advertise_address.find(':') != std::string::npos;
  const std::string loopback = v6 ? "::1" : "127.0.0.1";
  const std::string tag =
      c.local_etcd.image_tag.empty() ? DefaultEtcdTag(c.kubernetes_version) : c.local_etcd.image_tag;
  const bool etcd36 = tag.rfind("3.5.", 0) != 0 && tag.rfind("3.4.", 0) != 0;
  std::vector<config::Arg> d = {
      {"advertise-client-urls", client_url},
      {"cert-file", etcd_pki + "/server.crt"},
      {"client-cert-auth", "true"},
      {"data-dir", c.local_etcd.data_dir},
      {"initial-advertise-peer-urls", peer_url},
      {"initial-cluster", initial_cluster},
      {"initial-cluster-state", "existing"},
      {"key-file", etcd_pki + "/server.key"},
      {"listen-client-urls", net::HttpsUrl(loopback, kEtcdClientPort) + "," + client_url},
      {"listen-metrics-urls", "http://" + net::JoinHostPort(loopback, kEtcdMetricsPort)},
      {"listen-peer-urls", peer_url},
      {"name", in.node_name},
      {"peer-cert-file", etcd_pki + "/peer.crt"},
      {"peer-client-cert-auth", "true"},
      {"peer-key-file", etcd_pki + "/peer.key"},
      {"peer-trusted-ca-file", etcd_pki + "/ca.crt"},
      {"snapshot-count", "10000"},
      {"trusted-ca-file", etcd_pki + "/ca.crt"},
  };
  if (etcd36) {
    d.push_back({"feature-gates", "InitialCorruptCheck=true"});
    d.push_back({"watch-progress-notify-interval", "5s"});
  } else {
    d.push_back({"experimental-initial-corrupt-check", "true"});
    d.push_back({"experimental-watch-progress-notify-interval", "5s"});
  }
  std::vector<std::string> command = {"etcd"};
  for (auto& f : BuildFlags(d, c.local_etcd.extra_args)) command.push_back(std::move(f));
  Json probes = LivenessAndStartupProbes(loopback, kEtcdMetricsPort, "/livez", "/readyz", "HTTP",
                                         in.health_check_timeout);
  probes["readinessProbe"] = Probe(loopback, kEtcdMetricsPort, "/readyz", "HTTP", 0, 3, 1);
  const std::string repo =
      c.local_etcd.image_repository.empty() ? c.image_repository : c.local_etcd.image_repository;
  std::vector<Volume> volumes = {{"etcd-data", c.local_etcd.data_dir, "DirectoryOrCreate", false},
                                 {"etcd-certs", etcd_pki, "DirectoryOrCreate", false}};
  Json annotations = {{"kubeadm.kubernetes.io/etcd.advertise-client-urls", client_url}};
  return {"etcd", Pod("etcd", repo + "/etcd:" + tag, command, volumes, probes, "100m", annotations, "100Mi")};
}

}  // namespace joinguard::node::controlplane
