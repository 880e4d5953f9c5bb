#include "node-helper/phases/kubelet_config.h"

#include <arpa/inet.h>

#include <cstring>

#include "node-helper/controlplane/manifests.h"
#include "node-helper/phases/yaml_json.h"

namespace joinguard::node::phases {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kKubeletApiVersion = "kubelet.config.k8s.io/v1beta1";
constexpr std::string_view kKubeletKind = "KubeletConfiguration";
constexpr std::string_view kStaticPodPath = "/etc/kubernetes/manifests";  // kubeadmapiv1.DefaultManifestsDir
constexpr int kDnsIpIndex = 10;                                           // constants.GetDNSIP

// Sets `*slot` to `value` when the field is absent or null (kubeadm fills only unset fields).
void Default(Json& obj, const char* key, const Json& value) {
  if (!obj.contains(key) || obj[key].is_null()) obj[key] = value;
}

Json& Object(Json& obj, const char* key) {
  if (!obj.contains(key) || !obj[key].is_object()) obj[key] = Json::object();
  return obj[key];
}

}  // namespace

StatusOr<std::string> ClusterDnsIp(const std::string& service_subnet) {
  const std::string cidr = service_subnet.substr(0, service_subnet.find(','));
  const auto slash = cidr.find('/');
  const std::string ip = cidr.substr(0, slash);
  unsigned char addr[16] = {};
  const bool v6 = ip.find(':') != std::string::npos;
  if (slash == std::string::npos || inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), addr) != 1) {
    return InvalidArgumentError("couldn't parse service subnet CIDR \"" + cidr + "\"");
  }
  // Add the index to the network address, big-endian, with carry.
  int carry = kDnsIpIndex;
  for (int i = (v6 ? 15 : 3); i >= 0 && carry > 0; --i) {
    const int sum = addr[i] + carry;
    addr[i] = static_cast<unsigned char>(sum & 0xff);
    carry = sum >> 8;
  }
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, addr, out, sizeof out);
  return std::string(out);
}

StatusOr<KubeletConfig> BuildKubeletConfig(const std::string& configmap_yaml,
                                           const controlplane::ClusterConfiguration& cluster,
                                           const std::vector<PatchFile>& patches) {
  JG_ASSIGN_OR_RETURN(
      Json kc, StrictYamlToJson(configmap_yaml, "the kubelet-config ConfigMap (kube-system, key kubelet)"));
  if (kc.is_null()) kc = Json::object();
  if (!kc.is_object()) {
    return InvalidArgumentError("the kubelet-config ConfigMap does not hold a KubeletConfiguration object");
  }
  kc["apiVersion"] = kKubeletApiVersion;
  kc["kind"] = kKubeletKind;
  Default(kc, "staticPodPath", kStaticPodPath);
  if (!kc.contains("clusterDNS") || kc["clusterDNS"].is_null()) {
    JG_ASSIGN_OR_RETURN(std::string dns, ClusterDnsIp(cluster.service_subnet));
    kc["clusterDNS"] = Json::array({dns});
  }
  Default(kc, "clusterDomain", cluster.dns_domain);
  Json& authn = Object(kc, "authentication");
  Default(Object(authn, "x509"), "clientCAFile", cluster.certificates_dir + "/ca.crt");
  Default(Object(authn, "anonymous"), "enabled", false);
  Default(Object(authn, "webhook"), "enabled", true);
  Default(Object(kc, "authorization"), "mode", "Webhook");
  Default(kc, "healthzBindAddress", kDefaultKubeletHealthzAddress);
  Default(kc, "healthzPort", kDefaultKubeletHealthzPort);
  Default(kc, "cgroupDriver", "systemd");
  kc["rotateCertificates"] = true;  // kubeadm forces client certificate rotation on

  KubeletConfig out;
  for (const auto& p : patches) {
    if (p.target != kKubeletConfigurationTarget) continue;
    JG_RETURN_IF_ERROR(ApplyPatch(p, &kc));
    out.applied.push_back(AppliedPatchLine(p));
  }
  std::string address = kc.value("healthzBindAddress", std::string(kDefaultKubeletHealthzAddress));
  if (address.empty() || address == "0.0.0.0") address = std::string(kDefaultKubeletHealthzAddress);
  if (address == "::") address = "::1";
  const Json port = kc.value("healthzPort", Json(kDefaultKubeletHealthzPort));
  if (!port.is_number_integer())
    return InvalidArgumentError("healthzPort in the kubelet configuration is not a number");
  out.healthz_url = "http://" + (address.find(':') != std::string::npos ? "[" + address + "]" : address) +
                    ":" + std::to_string(port.get<long long>()) + "/healthz";
  out.yaml = controlplane::JsonToYaml(kc);
  return out;
}

}  // namespace joinguard::node::phases
