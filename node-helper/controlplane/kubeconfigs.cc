#include "node-helper/controlplane/kubeconfigs.h"

#include <sys/stat.h>

#include "common/crypto/pem.h"

namespace joinguard::node::controlplane {

std::vector<KubeconfigSpec> ControlPlaneKubeconfigSpecs(const ClusterConfiguration& cluster,
                                                        const std::string& advertise_address, int bind_port) {
  std::string admin_server = net::HttpsUrl(advertise_address, bind_port);
  if (!cluster.control_plane_endpoint.empty()) admin_server = "https://" + cluster.control_plane_endpoint;
  const std::string local = net::HttpsUrl(advertise_address, bind_port);
  return {
      {"admin.conf", "kubernetes-admin", {"kubeadm:cluster-admins"}, admin_server},
      {"controller-manager.conf", "system:kube-controller-manager", {}, local},
      {"scheduler.conf", "system:kube-scheduler", {}, local},
  };
}

StatusOr<kube::Kubeconfig> BuildKubeconfig(const KubeconfigSpec& spec, const std::string& cluster_name,
                                           const CertAndKey& ca, const CertWriter& writer) {
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(writer.key_type));
  crypto::CsrTemplate subject;
  for (const auto& o : spec.organizations) subject.subject.push_back({"O", o});
  subject.subject.push_back({"CN", spec.user});
  crypto::CertificateProfile profile;
  profile.validity = writer.validity;
  profile.usages = {"digital signature", "key encipherment", "client auth"};
  JG_ASSIGN_OR_RETURN(auto cert,
                      crypto::IssueCertificate(key, subject, ca.cert, ca.key, profile, writer.now));
  JG_ASSIGN_OR_RETURN(auto key_pem, key.ToPem());
  kube::Kubeconfig kc;
  kube::KubeconfigCluster cluster;
  cluster.server = spec.server;
  cluster.certificate_authority_data = ca.cert.ToPem();
  kc.clusters.push_back({cluster_name, cluster});
  kube::KubeconfigUser user;
  user.client_certificate_data = cert.ToPem();
  user.client_key_data = key_pem;
  kc.users.push_back({spec.user, user});
  const std::string context = spec.user + "@" + cluster_name;
  kc.contexts.push_back({context, kube::KubeconfigContext{cluster_name, spec.user, ""}});
  kc.current_context = context;
  return kc;
}

StatusOr<bool> CheckExistingKubeconfig(const std::string& path, const std::string& ca_pem,
                                       const std::string& server, std::vector<std::string>* warnings) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  auto kc = kube::LoadKubeconfigFile(path);
  if (!kc.ok()) return kc.status().Annotate("failed to load kubeconfig file " + path);
  auto resolved = kube::Resolve(*kc);
  if (!resolved.ok()) return resolved.status().Annotate(path);
  auto first = [](std::string_view pem) {
    auto block = crypto::PemDecode(pem);
    return block ? block->bytes : std::string();
  };
  if (first(resolved->cluster.certificate_authority_data) != first(ca_pem)) {
    return FailedPreconditionError("a kubeconfig file \"" + path +
                                   "\" exists already but has got the wrong CA cert");
  }
  if (resolved->cluster.server != server && warnings != nullptr) {
    warnings->push_back("a kubeconfig file \"" + path +
                        "\" exists already but has an unexpected API Server URL: "
                        "expected: " +
                        server + ", got: " + resolved->cluster.server);
  }
  return true;
}

}  // namespace joinguard::node::controlplane
