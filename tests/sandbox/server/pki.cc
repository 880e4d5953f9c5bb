#include "tests/sandbox/server/pki.h"

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"

namespace joinguard::sandbox {

StatusOr<ClusterCa> LoadOrCreateCa(const std::string& ca_cert_file, const std::string& ca_key_file,
                                   const std::string& state_dir, std::chrono::system_clock::time_point now) {
  std::string cert_file = ca_cert_file, key_file = ca_key_file;
  if (cert_file.empty() != key_file.empty()) {
    return InvalidArgumentError("sandbox: give both --ca-cert and --ca-key, or neither");
  }
  if (cert_file.empty() && !state_dir.empty()) {
    auto existing = files::ReadFile(state_dir + "/ca.crt");
    if (existing.ok()) {
      cert_file = state_dir + "/ca.crt";
      key_file = state_dir + "/ca.key";
    }
  }
  if (!cert_file.empty()) {
    JG_ASSIGN_OR_RETURN(std::string cert_pem, files::ReadFile(cert_file));
    JG_ASSIGN_OR_RETURN(std::string key_pem, files::ReadFile(key_file));
    auto cert = crypto::Certificate::FromPem(cert_pem);
    if (!cert.ok()) return cert.status().Annotate("sandbox: CA certificate " + cert_file);
    auto key = crypto::PrivateKey::FromPem(key_pem);
    if (!key.ok()) return key.status().Annotate("sandbox: CA key " + key_file);
    return ClusterCa{std::move(cert).value(), std::move(key).value(), cert_pem};
  }
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  JG_ASSIGN_OR_RETURN(auto cert,
                      crypto::CreateSelfSignedCa(key, "kubernetes", std::chrono::hours(24 * 365 * 10), now));
  std::string cert_pem = cert.ToPem();
  if (!state_dir.empty()) {
    JG_ASSIGN_OR_RETURN(std::string key_pem, key.ToPem());
    JG_RETURN_IF_ERROR(files::MakeDirs(state_dir, 0700));
    JG_RETURN_IF_ERROR(files::WriteFileAtomic(state_dir + "/ca.key", key_pem, 0600));
    JG_RETURN_IF_ERROR(files::WriteFileAtomic(state_dir + "/ca.crt", cert_pem, 0644));
  }
  return ClusterCa{std::move(cert), std::move(key), cert_pem};
}

namespace {

StatusOr<KeyPairPem> Issue(const ClusterCa& ca, const crypto::CsrTemplate& subject,
                           std::vector<std::string> usages, std::chrono::system_clock::time_point now) {
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  crypto::CertificateProfile profile;
  profile.validity = std::chrono::hours(24 * 365);
  profile.usages = std::move(usages);
  JG_ASSIGN_OR_RETURN(auto cert, crypto::IssueCertificate(key, subject, ca.cert, ca.key, profile, now));
  JG_ASSIGN_OR_RETURN(std::string key_pem, key.ToPem());
  return KeyPairPem{cert.ToPem(), key_pem};
}

}  // namespace

StatusOr<KeyPairPem> IssueServingCert(const ClusterCa& ca, const std::string& bind_address,
                                      std::chrono::system_clock::time_point now) {
  crypto::CsrTemplate t;
  t.subject = {{"CN", "kube-apiserver"}};
  t.dns_names = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                 "kubernetes.default.svc.cluster.local"};
  t.ip_addresses = {"127.0.0.1", "::1"};
  if (!bind_address.empty() && bind_address != "127.0.0.1" && bind_address != "::1" &&
      bind_address != "0.0.0.0" && bind_address != "::") {
    if (bind_address.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos) {
      t.ip_addresses.push_back(bind_address);
    } else {
      t.dns_names.push_back(bind_address);
    }
  }
  return Issue(ca, t, {"digital signature", "key encipherment", "server auth"}, now);
}

StatusOr<KeyPairPem> IssueClientCertPem(const ClusterCa& ca, const std::string& user,
                                        const std::vector<std::string>& groups,
                                        std::chrono::system_clock::time_point now) {
  crypto::CsrTemplate t;
  for (const auto& g : groups) t.subject.push_back({"O", g});
  t.subject.push_back({"CN", user});
  return Issue(ca, t, {"digital signature", "key encipherment", "client auth"}, now);
}

std::string AdminKubeconfigYaml(const std::string& server, const std::string& ca_pem,
                                const KeyPairPem& client) {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority-data: " +
         crypto::Base64Encode(ca_pem) +
         "\n"
         "    server: " +
         server +
         "\n"
         "  name: kubernetes\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: kubernetes\n"
         "    user: kubernetes-admin\n"
         "  name: kubernetes-admin@kubernetes\n"
         "current-context: kubernetes-admin@kubernetes\n"
         "kind: Config\n"
         "preferences: {}\n"
         "users:\n"
         "- name: kubernetes-admin\n"
         "  user:\n"
         "    client-certificate-data: " +
         crypto::Base64Encode(client.cert_pem) +
         "\n"
         "    client-key-data: " +
         crypto::Base64Encode(client.key_pem) + "\n";
}

std::string ClusterInfoKubeconfigYaml(const std::string& server, const std::string& ca_pem) {
  return (
      "apiVersion: v1\n"
      "clusters:\n"
      "- cluster:\n"
      "    certificate-authority-data: " +
      crypto::Base64Encode(ca_pem) +
      "\n"
      "    server: " +
      server +
      "\n"
      "  name: \"\"\n"
      "contexts: null\n"
      "current-context: \"\"\n"
      "kind: Config\n"
      "preferences: {}\n"
      "users: null\n");
}

}  // namespace joinguard::sandbox
