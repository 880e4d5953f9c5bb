// certs: the leaf certificates a new control-plane instance needs, signed by the shared CAs
// downloaded from kubeadm-certs (cmd/kubeadm/app/phases/certs/certlist.go, certs.go,
// cmd/kubeadm/app/util/pkiutil/pki_helpers.go): subjects, SANs, key usages, validity and file
// modes as kubeadm writes them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/crypto/cert.h"
#include "common/crypto/key.h"
#include "common/status/status.h"
#include "node-helper/controlplane/cluster_config.h"

namespace joinguard::node::controlplane {

struct LeafSpec {
  std::string name;     // kubeadm's cert name: "apiserver", "etcd-server", ...
  std::string base;     // file base under certificatesDir: "apiserver", "etcd/server", ...
  std::string ca_base;  // "ca", "front-proxy-ca", "etcd/ca"
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> ext_usages;    // "server auth", "client auth"
  std::vector<std::string> dns_names;     // sorted, unique
  std::vector<std::string> ip_addresses;  // unique, first occurrence order
};

// Rows 1-7 of kubeadm's certificate list (1-3 only with external etcd). `node_name` and
// `advertise_address` are this node's. Invalid certSANs are skipped and reported in `warnings`.
StatusOr<std::vector<LeafSpec>> ControlPlaneLeafSpecs(const ClusterConfiguration& cluster,
                                                      const std::string& node_name,
                                                      const std::string& advertise_address,
                                                      std::vector<std::string>* warnings);

// The first address of a CIDR plus one (kube-apiserver's service IP: 10.96.0.0/12 → 10.96.0.1).
StatusOr<std::string> FirstServiceIp(const std::string& service_subnet);

// kubeadm's `encryptionAlgorithm` → key type ("RSA-2048" default, "RSA-3072", "RSA-4096",
// "ECDSA-P256", "ECDSA-P384").
StatusOr<crypto::KeyType> KeyTypeFor(const std::string& encryption_algorithm);

bool IsIpAddress(const std::string& text);

struct CertWriter {
  std::string pki_dir;  // certificatesDir on this host (with --root-dir)
  crypto::KeyType key_type = crypto::KeyType::kRsa2048;
  std::chrono::seconds validity{std::chrono::hours(8760)};
  crypto::SystemTime now;
  // Called with each path before it is created (rollback bookkeeping).
  std::function<void(const std::string&)> before_create;
  std::function<void(const std::string&)> progress;  // "[certs] ..." lines (without the prefix)
};

// Writes `<base>.key` (0600) then `<base>.crt` (0644) for every spec. Existing files are reused
// when they verify against the CA and cover every expected SAN; otherwise kubeadm's errors
// ("failed to write or validate certificate %q: certificate %s is not signed by corresponding CA").
Status WriteLeafCertificates(const std::vector<LeafSpec>& specs, const CertWriter& writer);

// sa.key/sa.pub: kept when sa.key loads (downloaded from kubeadm-certs), generated otherwise.
Status EnsureServiceAccountKey(const CertWriter& writer);

// Loads <pki>/<base>.crt and .key.
struct CertAndKey {
  crypto::Certificate cert;
  crypto::PrivateKey key;
};
StatusOr<CertAndKey> LoadCertAndKey(const std::string& pki_dir, const std::string& base);

}  // namespace joinguard::node::controlplane
