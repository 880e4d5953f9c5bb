// download-certs: the kube-system/kubeadm-certs Secret that `kubeadm init phase upload-certs`
// writes, decrypted with the certificate key (cmd/kubeadm/app/phases/copycerts/copycerts.go,
// cmd/kubeadm/app/util/crypto/crypto.go): each value is nonce(12) || AES-256-GCM ciphertext ||
// tag(16), no additional data; keys are the file names under certificatesDir with '/' → '-'.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/kube/objects.h"
#include "common/status/status.h"
#include "node-helper/controlplane/cluster_config.h"

namespace joinguard::node::controlplane {

inline constexpr std::string_view kKubeadmCertsSecret = "kubeadm-certs";
inline constexpr size_t kCertificateKeySize = 32;  // constants.CertificateKeySize

// One file the Secret provides: where it goes and what it is.
struct SharedFile {
  std::string secret_key;  // "etcd-ca.crt"
  std::string name;        // "etcd/ca.crt" (relative to certificatesDir) or an external etcd path
  std::string path;        // absolute path on the node (without --root-dir)
};

// The files kubeadm's copycerts.getDataFilesToUpload lists for this cluster.
std::vector<SharedFile> SharedFiles(const ClusterConfiguration& cluster);

struct DecryptedFile {
  SharedFile file;
  std::string content;
  mode_t mode = 0644;  // 0600 for private keys
};

// Decrypts every non-empty value first (nothing is written if anything fails). Errors carry
// kubeadm's texts: "error decoding certificate key: ...", "error decoding secret data with
// provided key: cipher: message authentication failed", "... size of data is less than the
// nonce", "the Secret does not include the required certificate or key - name: ..., path: ...",
// "unknown data found in Secret entry".
StatusOr<std::vector<DecryptedFile>> DecryptKubeadmCerts(const kube::Secret& secret,
                                                         std::string_view certificate_key_hex,
                                                         const ClusterConfiguration& cluster);

// kubeadm's message for a missing (or garbage-collected) Secret.
std::string KubeadmCertsNotFoundMessage();

}  // namespace joinguard::node::controlplane
