// The sandbox's certificates: cluster CA (generated, loaded from files or from the state dir),
// the serving certificate, client certificates, and kubeconfig text.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto/cert.h"
#include "common/crypto/key.h"
#include "common/status/status.h"

namespace joinguard::sandbox {

struct ClusterCa {
  crypto::Certificate cert;
  crypto::PrivateKey key;
  std::string cert_pem;
};

// ca_cert_file/ca_key_file given → load them; else state_dir/ca.crt + ca.key if present; else
// generate (and save into state_dir when set).
StatusOr<ClusterCa> LoadOrCreateCa(const std::string& ca_cert_file, const std::string& ca_key_file,
                                   const std::string& state_dir, std::chrono::system_clock::time_point now);

struct KeyPairPem {
  std::string cert_pem, key_pem;
};

// Serving certificate for localhost, 127.0.0.1, ::1, kubernetes(.default...) and `bind_address`.
StatusOr<KeyPairPem> IssueServingCert(const ClusterCa& ca, const std::string& bind_address,
                                      std::chrono::system_clock::time_point now);
// Client certificate: CN=user, one O per group, EKU clientAuth.
StatusOr<KeyPairPem> IssueClientCertPem(const ClusterCa& ca, const std::string& user,
                                        const std::vector<std::string>& groups,
                                        std::chrono::system_clock::time_point now);

// Admin kubeconfig (kubeadm admin.conf shape) with embedded client cert/key.
std::string AdminKubeconfigYaml(const std::string& server, const std::string& ca_pem,
                                const KeyPairPem& client);
// cluster-info's kubeconfig (kubeadm cmd/kubeadm/app/phases/bootstraptoken/clusterinfo): one cluster named
// "", no users.
std::string ClusterInfoKubeconfigYaml(const std::string& server, const std::string& ca_pem);

}  // namespace joinguard::sandbox
