#include "node-helper/controlplane/download_certs.h"

#include "common/crypto/aead.h"
#include "common/crypto/pem.h"
#include "node-helper/config/go_hex.h"

namespace joinguard::node::controlplane {
namespace {

// copycerts.go: a PEM private key → 0600; PEM certificates or public keys → 0644.
StatusOr<mode_t> ModeFor(std::string_view content) {
  auto blocks = crypto::PemDecodeAll(content);
  if (blocks.empty()) return InvalidArgumentError("unknown data found in Secret entry");
  for (const auto& b : blocks) {
    if (b.type.find("PRIVATE KEY") != std::string::npos) return static_cast<mode_t>(0600);
  }
  for (const auto& b : blocks) {
    if (b.type != "CERTIFICATE" && b.type != "PUBLIC KEY" && b.type != "RSA PUBLIC KEY") {
      return InvalidArgumentError("unknown data found in Secret entry");
    }
  }
  return static_cast<mode_t>(0644);
}

}  // namespace

std::string KubeadmCertsNotFoundMessage() {
  return "Secret \"kubeadm-certs\" was not found in the \"kube-system\" Namespace. This Secret might have "
         "expired. Please, run `kubeadm init phase upload-certs --upload-certs` on a control plane to "
         "generate "
         "a new one";
}

std::vector<SharedFile> SharedFiles(const ClusterConfiguration& cluster) {
  std::vector<SharedFile> out;
  auto add = [&](const std::string& name) {
    std::string key = name;
    for (auto& c : key) c = c == '/' ? '-' : c;
    out.push_back({key, name, cluster.certificates_dir + "/" + name});
  };
  for (const char* n : {"ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.pub", "sa.key"})
    add(n);
  if (cluster.external_etcd) {
    const auto& e = *cluster.external_etcd;
    if (!e.ca_file.empty()) out.push_back({"external-etcd-ca.crt", e.ca_file, e.ca_file});
    if (!e.cert_file.empty()) out.push_back({"external-etcd.crt", e.cert_file, e.cert_file});
    if (!e.key_file.empty()) out.push_back({"external-etcd.key", e.key_file, e.key_file});
  } else {
    add("etcd/ca.crt");
    add("etcd/ca.key");
  }
  return out;
}

StatusOr<std::vector<DecryptedFile>> DecryptKubeadmCerts(const kube::Secret& secret,
                                                         std::string_view certificate_key_hex,
                                                         const ClusterConfiguration& cluster) {
  auto key = config::DecodeHexGo(certificate_key_hex);
  if (!key.ok()) return key.status().Annotate("error decoding certificate key");
  if (key->size() != kCertificateKeySize) {
    return InvalidArgumentError(
        "error decoding secret data with provided key: crypto/aes: invalid key size " +
        std::to_string(key->size()));
  }
  std::vector<DecryptedFile> out;
  for (const auto& file : SharedFiles(cluster)) {
    auto it = secret.data.find(file.secret_key);
    if (it == secret.data.end()) {
      return NotFoundError("the Secret does not include the required certificate or key - name: " +
                           file.name + ", path: " + file.path);
    }
    if (it->second.empty()) continue;  // the file was absent when it was uploaded
    auto plain = crypto::AesGcmOpen(*key, it->second);
    if (!plain.ok()) {
      return Status(plain.status().code(),
                    "error decoding secret data with provided key: " + plain.status().message())
          .WithReason("CertificateKeyMismatch");
    }
    auto mode = ModeFor(*plain);
    if (!mode.ok()) return mode.status().Annotate(file.secret_key);
    out.push_back({file, *std::move(plain), *mode});
  }
  return out;
}

}  // namespace joinguard::node::controlplane
