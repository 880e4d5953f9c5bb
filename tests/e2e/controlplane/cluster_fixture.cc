#include "tests/e2e/controlplane/cluster_fixture.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/crypto/aead.h"
#include "common/crypto/cert.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "common/crypto/pin.h"
#include "common/files/atomic_file.h"

namespace joinguard::node::e2e {
namespace {

using Json = nlohmann::json;
using testing::RunCommand;

constexpr auto kEtcdStartTimeout = std::chrono::seconds(60);
constexpr int kPortAttempts = 5;
constexpr char kEtcdBinary[] = "/usr/bin/etcd";
constexpr char kEtcdctlBinary[] = "/usr/bin/etcdctl";

struct Issued {
  std::string cert_pem, key_pem;
};

StatusOr<Issued> Issue(const crypto::Certificate& ca, const crypto::PrivateKey& ca_key, const std::string& cn,
                       std::vector<std::string> usages, std::vector<std::string> dns = {},
                       std::vector<std::string> ips = {}) {
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  crypto::CsrTemplate subject;
  subject.subject = {{"CN", cn}};
  subject.dns_names = std::move(dns);
  subject.ip_addresses = std::move(ips);
  crypto::CertificateProfile profile;
  profile.usages = {"digital signature", "key encipherment"};
  profile.usages.insert(profile.usages.end(), usages.begin(), usages.end());
  JG_ASSIGN_OR_RETURN(auto cert, crypto::IssueCertificate(key, subject, ca, ca_key, profile,
                                                          std::chrono::system_clock::now()));
  JG_ASSIGN_OR_RETURN(auto key_pem, key.ToPem());
  return Issued{cert.ToPem(), key_pem};
}

StatusOr<std::pair<std::string, std::string>> NewCa(const std::string& cn) {
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048));
  JG_ASSIGN_OR_RETURN(auto cert, crypto::CreateSelfSignedCa(key, cn, std::chrono::hours(87600),
                                                            std::chrono::system_clock::now()));
  JG_ASSIGN_OR_RETURN(auto key_pem, key.ToPem());
  return std::make_pair(cert.ToPem(), key_pem);
}

// The front-proxy CA comes from the openssl CLI, independently of common/crypto.
StatusOr<std::pair<std::string, std::string>> OpensslCa(const std::string& dir, const std::string& cn) {
  auto r = RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                       dir + "/openssl-ca.key", "-out", dir + "/openssl-ca.crt", "-subj", "/CN=" + cn,
                       "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                       "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign"},
                      std::chrono::seconds(60));
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) return InternalError("openssl req failed: " + r->err);
  JG_ASSIGN_OR_RETURN(auto crt, files::ReadFile(dir + "/openssl-ca.crt"));
  JG_ASSIGN_OR_RETURN(auto key, files::ReadFile(dir + "/openssl-ca.key"));
  return std::make_pair(crt, key);
}

std::string ClusterConfigurationYaml(const std::string& endpoint) {
  return "apiServer:\n"
         "  certSANs:\n"
         "  - CP.Example.COM\n"
         "  - not_a_valid_san!\n"
         "apiVersion: kubeadm.k8s.io/v1beta4\n"
         "caCertificateValidityPeriod: 87600h0m0s\n"
         "certificateValidityPeriod: 8760h0m0s\n"
         "certificatesDir: /etc/kubernetes/pki\n"
         "clusterName: kubernetes\n" +
         (endpoint.empty() ? std::string() : "controlPlaneEndpoint: " + endpoint + "\n") +
         "controllerManager: {}\n"
         "dns: {}\n"
         "encryptionAlgorithm: ECDSA-P256\n"
         "etcd:\n"
         "  local:\n"
         "    dataDir: /var/lib/etcd\n"
         "imageRepository: registry.k8s.io\n"
         "kind: ClusterConfiguration\n"
         "kubernetesVersion: v1.31.0\n"
         "networking:\n"
         "  dnsDomain: cluster.local\n"
         "  podSubnet: 10.244.0.0/16\n"
         "  serviceSubnet: 10.96.0.0/12\n"
         "proxy: {}\n"
         "scheduler: {}\n";
}

}  // namespace

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

StatusOr<std::unique_ptr<EtcdProcess>> EtcdProcess::StartCommand(const std::vector<std::string>& argv,
                                                                 const std::string& log_dir) {
  auto p = std::unique_ptr<EtcdProcess>(new EtcdProcess());
  JG_ASSIGN_OR_RETURN(p->process_, testing::Subprocess::Start(argv, log_dir));
  return p;
}

StatusOr<std::unique_ptr<EtcdProcess>> EtcdProcess::StartFirstMember(const std::string& work,
                                                                     const std::string& name,
                                                                     const std::string& pki) {
  Status last = InternalError("etcd did not start");
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const int client = PickFreePort(), peer = PickFreePort(), metrics = PickFreePort();
    const std::string client_url = "https://127.0.0.1:" + std::to_string(client);
    const std::string peer_url = "https://127.0.0.1:" + std::to_string(peer);
    const std::string dir = work + "/etcd-" + name + "-" + std::to_string(attempt);
    std::vector<std::string> argv = {kEtcdBinary,
                                     "--name=" + name,
                                     "--data-dir=" + dir + "/data",
                                     "--listen-client-urls=" + client_url,
                                     "--advertise-client-urls=" + client_url,
                                     "--listen-peer-urls=" + peer_url,
                                     "--initial-advertise-peer-urls=" + peer_url,
                                     "--initial-cluster=" + name + "=" + peer_url,
                                     "--initial-cluster-state=new",
                                     "--listen-metrics-urls=http://127.0.0.1:" + std::to_string(metrics),
                                     "--client-cert-auth=true",
                                     "--trusted-ca-file=" + pki + "/ca.crt",
                                     "--cert-file=" + pki + "/server.crt",
                                     "--key-file=" + pki + "/server.key",
                                     "--peer-client-cert-auth=true",
                                     "--peer-trusted-ca-file=" + pki + "/ca.crt",
                                     "--peer-cert-file=" + pki + "/peer.crt",
                                     "--peer-key-file=" + pki + "/peer.key"};
    JG_ASSIGN_OR_RETURN(auto p, StartCommand(argv, dir + "/logs"));
    p->client_url_ = client_url;
    auto ready = p->process_->WaitForOutput("ready to serve client requests", kEtcdStartTimeout);
    if (ready.ok()) return p;
    last = ready.status();
    // A port taken between PickFreePort and etcd's bind: try other ports.
    if (p->process_->Stderr().find("address already in use") == std::string::npos) {
      return Status(last.code(), last.message() + "\n" + p->process_->Stderr());
    }
  }
  return last;
}

StatusOr<std::unique_ptr<ControlPlaneCluster>> ControlPlaneCluster::Create(const std::string& work,
                                                                           bool with_endpoint,
                                                                           bool start_etcd) {
  auto c = std::unique_ptr<ControlPlaneCluster>(new ControlPlaneCluster());
  c->work_ = work;
  // Shared PKI, as kubeadm init writes it.
  JG_ASSIGN_OR_RETURN(auto ca, NewCa("kubernetes"));
  JG_ASSIGN_OR_RETURN(auto front_proxy, OpensslCa(work, "front-proxy-ca"));
  JG_ASSIGN_OR_RETURN(auto etcd_ca, NewCa("etcd-ca"));
  JG_ASSIGN_OR_RETURN(auto sa, crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048));
  c->pki_.files = {{"ca.crt", ca.first},
                   {"ca.key", ca.second},
                   {"front-proxy-ca.crt", front_proxy.first},
                   {"front-proxy-ca.key", front_proxy.second},
                   {"etcd/ca.crt", etcd_ca.first},
                   {"etcd/ca.key", etcd_ca.second}};
  JG_ASSIGN_OR_RETURN(c->pki_.files["sa.key"], sa.ToPem());
  JG_ASSIGN_OR_RETURN(c->pki_.files["sa.pub"], crypto::PublicKeyPem(sa.get()));

  // The first control-plane node's etcd certificates.
  c->etcd_pki_dir_ = work + "/cp-1-pki/etcd";
  JG_ASSIGN_OR_RETURN(auto etcd_ca_cert, crypto::Certificate::FromPem(etcd_ca.first));
  JG_ASSIGN_OR_RETURN(auto etcd_ca_key, crypto::PrivateKey::FromPem(etcd_ca.second));
  JG_ASSIGN_OR_RETURN(auto server, Issue(etcd_ca_cert, etcd_ca_key, "cp-1", {"server auth", "client auth"},
                                         {"cp-1", "localhost"}, {"127.0.0.1", "::1"}));
  JG_ASSIGN_OR_RETURN(auto peer, Issue(etcd_ca_cert, etcd_ca_key, "cp-1", {"server auth", "client auth"},
                                       {"cp-1", "localhost"}, {"127.0.0.1", "::1"}));
  JG_ASSIGN_OR_RETURN(auto client,
                      Issue(etcd_ca_cert, etcd_ca_key, "kube-etcd-healthcheck-client", {"client auth"}));
  for (const auto& [name, content, mode] : std::vector<std::tuple<std::string, std::string, mode_t>>{
           {"ca.crt", etcd_ca.first, 0644},
           {"server.crt", server.cert_pem, 0644},
           {"server.key", server.key_pem, 0600},
           {"peer.crt", peer.cert_pem, 0644},
           {"peer.key", peer.key_pem, 0600},
           {"healthcheck-client.crt", client.cert_pem, 0644},
           {"healthcheck-client.key", client.key_pem, 0600}}) {
    JG_RETURN_IF_ERROR(files::WriteFileAtomic(c->etcd_pki_dir_ + "/" + name, content, mode));
  }
  if (start_etcd) {
    JG_ASSIGN_OR_RETURN(c->etcd_, EtcdProcess::StartFirstMember(work, "cp-1", c->etcd_pki_dir_));
  }

  // The API server trusts the cluster CA.
  JG_RETURN_IF_ERROR(files::WriteFileAtomic(work + "/cluster-ca/ca.crt", ca.first, 0644));
  JG_RETURN_IF_ERROR(files::WriteFileAtomic(work + "/cluster-ca/ca.key", ca.second, 0600));
  sandbox::SandboxOptions options;
  options.ca_cert_file = work + "/cluster-ca/ca.crt";
  options.ca_key_file = work + "/cluster-ca/ca.key";
  JG_ASSIGN_OR_RETURN(c->sandbox_, sandbox::Sandbox::Start(options));
  sandbox::TokenSpec token;
  token.id = kTokenId;
  token.secret = kTokenSecret;
  JG_RETURN_IF_ERROR(c->sandbox_->CreateBootstrapToken(token));
  JG_RETURN_IF_ERROR(c->sandbox_
                         ->WaitForObjectForTest(
                             "/api/v1/namespaces/kube-public/configmaps/cluster-info",
                             [](const Json& cm) {
                               return cm.contains("data") &&
                                      cm["data"].contains(std::string("jws-kubeconfig-") + kTokenId);
                             },
                             std::chrono::seconds(30))
                         .status());

  // kubeadm-config with (or without) a stable controlPlaneEndpoint.
  const std::string cm_path = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config";
  JG_ASSIGN_OR_RETURN(Json cm, c->sandbox_->GetObjectForTest(cm_path));
  cm["data"]["ClusterConfiguration"] = ClusterConfigurationYaml(with_endpoint ? c->endpoint() : "");
  JG_RETURN_IF_ERROR(c->sandbox_->UpdateObjectForTest(cm_path, cm).status());

  // kubeadm-certs, encrypted as `kubeadm init phase upload-certs` does.
  JG_ASSIGN_OR_RETURN(std::string key, crypto::RandomBytes(32));
  c->certificate_key_hex_ = crypto::HexEncode(key);
  Json data = Json::object();
  for (const auto& [name, content] : c->pki_.files) {
    std::string secret_key = name;
    for (auto& ch : secret_key) ch = ch == '/' ? '-' : ch;
    JG_ASSIGN_OR_RETURN(auto sealed, crypto::AesGcmSeal(key, content));
    data[secret_key] = crypto::Base64Encode(sealed);
  }
  JG_RETURN_IF_ERROR(
      c->sandbox_
          ->CreateObjectForTest("/api/v1/namespaces/kube-system/secrets",
                                {{"apiVersion", "v1"},
                                 {"kind", "Secret"},
                                 {"metadata", {{"name", "kubeadm-certs"}, {"namespace", "kube-system"}}},
                                 {"type", "Opaque"},
                                 {"data", data}})
          .status());
  // kubeadm's RBAC: the bootstrap token may read kubeadm-certs; kubeadm:cluster-admins is admin.
  const Json group = {{"apiGroup", "rbac.authorization.k8s.io"},
                      {"kind", "Group"},
                      {"name", "system:bootstrappers:kubeadm:default-node-token"}};
  JG_RETURN_IF_ERROR(c->sandbox_
                         ->CreateObjectForTest(
                             "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles",
                             {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                              {"kind", "Role"},
                              {"metadata", {{"name", "kubeadm:kubeadm-certs"}, {"namespace", "kube-system"}}},
                              {"rules", Json::array({{{"apiGroups", {""}},
                                                      {"resources", {"secrets"}},
                                                      {"resourceNames", {"kubeadm-certs"}},
                                                      {"verbs", {"get"}}}})}})
                         .status());
  JG_RETURN_IF_ERROR(c->sandbox_
                         ->CreateObjectForTest(
                             "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings",
                             {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                              {"kind", "RoleBinding"},
                              {"metadata", {{"name", "kubeadm:kubeadm-certs"}, {"namespace", "kube-system"}}},
                              {"roleRef",
                               {{"apiGroup", "rbac.authorization.k8s.io"},
                                {"kind", "Role"},
                                {"name", "kubeadm:kubeadm-certs"}}},
                              {"subjects", Json::array({group})}})
                         .status());
  auto crb = c->sandbox_->CreateObjectForTest(
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "ClusterRoleBinding"},
       {"metadata", {{"name", "kubeadm:cluster-admins"}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "cluster-admin"}}},
       {"subjects", Json::array({{{"apiGroup", "rbac.authorization.k8s.io"},
                                  {"kind", "Group"},
                                  {"name", "kubeadm:cluster-admins"}}})}});
  if (!crb.ok() && crb.status().code() != StatusCode::kAlreadyExists) return crb.status();
  return c;
}

ControlPlaneCluster::~ControlPlaneCluster() {
  etcd_.reset();
  sandbox_.reset();
}

std::string ControlPlaneCluster::pin() const {
  return crypto::SpkiPin(*crypto::Certificate::FromPem(pki_.files.at("ca.crt")));
}

std::string ControlPlaneCluster::endpoint() const { return "127.0.0.1:" + std::to_string(sandbox_->port()); }

StatusOr<testing::CommandResult> ControlPlaneCluster::Etcdctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kEtcdctlBinary, "--endpoints=" + etcd_->client_url(),
                                   "--cacert=" + etcd_pki_dir_ + "/ca.crt",
                                   "--cert=" + etcd_pki_dir_ + "/healthcheck-client.crt",
                                   "--key=" + etcd_pki_dir_ + "/healthcheck-client.key"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, std::chrono::seconds(30), {{"ETCDCTL_API", "3"}});
}

StatusOr<std::vector<std::pair<std::string, bool>>> ControlPlaneCluster::Members() {
  JG_ASSIGN_OR_RETURN(auto r, Etcdctl({"member", "list", "-w", "json"}));
  if (r.exit_code != 0) return InternalError("etcdctl member list failed: " + r.err);
  Json j = Json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return InternalError("etcdctl printed no JSON: " + r.out);
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& m : j.value("members", Json::array())) {
    out.emplace_back(m.value("name", ""), m.value("isLearner", false));
  }
  return out;
}

}  // namespace joinguard::node::e2e
