// What `kubeadm init` leaves behind for a control-plane join, built with the project's crypto
// (one CA with the openssl CLI): the shared CAs and sa key, the sandbox API server using the
// cluster CA, kube-system/kubeadm-config with a controlPlaneEndpoint, kube-system/kubeadm-certs
// encrypted with a certificate key, kubeadm's RBAC for them, and a real etcd member (Debian
// etcd-server) serving TLS from the etcd CA on loopback.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/subprocess.h"

namespace joinguard::node::e2e {

inline constexpr char kTokenId[] = "abcdef";
inline constexpr char kTokenSecret[] = "0123456789abcdef";
inline constexpr char kToken[] = "abcdef.0123456789abcdef";

// A port that was free a moment ago on 127.0.0.1 (etcd cannot bind port 0).
int PickFreePort();

struct Pki {
  std::map<std::string, std::string> files;  // "ca.crt" → PEM, as under /etc/kubernetes/pki
};

// One etcd process (TLS for clients and peers, client-cert auth).
class EtcdProcess {
 public:
  // Starts a new single-member cluster on 127.0.0.1 with free ports (retried on a collision).
  static StatusOr<std::unique_ptr<EtcdProcess>> StartFirstMember(const std::string& work,
                                                                 const std::string& name,
                                                                 const std::string& etcd_pki_dir);
  // Starts a process from an explicit command line (the joining member, run as the kubelet would).
  static StatusOr<std::unique_ptr<EtcdProcess>> StartCommand(const std::vector<std::string>& argv,
                                                             const std::string& log_dir);
  std::string client_url() const { return client_url_; }
  testing::Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<testing::Subprocess> process_;
  std::string client_url_;
};

class ControlPlaneCluster {
 public:
  // Everything above; `with_endpoint` = whether kubeadm-config has a controlPlaneEndpoint.
  static StatusOr<std::unique_ptr<ControlPlaneCluster>> Create(const std::string& work, bool with_endpoint,
                                                               bool start_etcd);
  ~ControlPlaneCluster();

  sandbox::Sandbox& sandbox() { return *sandbox_; }
  const std::string& certificate_key() const { return certificate_key_hex_; }
  const Pki& pki() const { return pki_; }
  std::string pin() const;
  std::string endpoint() const;  // 127.0.0.1:<sandbox port>
  EtcdProcess* etcd() { return etcd_.get(); }
  const std::string& etcd_pki_dir() const { return etcd_pki_dir_; }

  // etcdctl against the first member (TLS with the etcd CA and a client cert).
  StatusOr<testing::CommandResult> Etcdctl(const std::vector<std::string>& args);
  // Member names and learner flags from `etcdctl member list -w json`.
  StatusOr<std::vector<std::pair<std::string, bool>>> Members();

 private:
  std::string work_;
  Pki pki_;
  std::string certificate_key_hex_;
  std::string etcd_pki_dir_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<EtcdProcess> etcd_;
};

}  // namespace joinguard::node::e2e
